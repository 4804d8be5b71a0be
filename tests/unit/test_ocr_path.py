"""OCR off the mail path: the dispatcher's transaction never runs Tesseract; a scanned letter waits
for an `ocr` job that fills a cache keyed by the attachment's sha256, and is then read again."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from harness import KADIS, OPERATOR, Office, letter
from sqlalchemy import select
from test_workflow_bodies import BANTAN

from daemon.app import cli, ocr_jobs
from daemon.core.models import Inbound, Job, Request
from daemon.core.places import load_places
from daemon.mail import filing, mime
from daemon.reading import documents
from daemon.reading.extract import extract_requests
from daemon.reading.ocr import OcrCache, OcrSource, OcrUnreadable

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = ROOT / "tests" / "data" / "requests"
SCANNED = REQUESTS / "05_bantan_scanned_pdf.eml"
PHOTO = REQUESTS / "06_dprd_photo_jpg.eml"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
# what Tesseract reads from the scan, near enough: a cache filled by hand
SCAN_TEXT = ("PEMERINTAH KABUPATEN BENGKALIS\nKECAMATAN BANTAN\nDengan hormat,\n"
             "Acara : Musyawarah Perencanaan Pembangunan Kecamatan Bantan\n"
             "Hari/Tanggal : Selasa, 12 Januari 2027\nPukul : 09.00 WIB s.d. selesai\n"
             "Tempat : Aula Kantor Camat Bantan\n")


class Tesseract:
    """Counts (and can break) every OCR of a page image, wherever it runs."""

    def __init__(self, monkeypatch, fail: Exception | None = None):
        self.calls, self.fail, self.real = 0, fail, documents.ocr_image
        monkeypatch.setattr(documents, "ocr_image", self)

    def __call__(self, image) -> str:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return self.real(image)


def sha_of_attachment(path: Path) -> str:
    (att,) = mime.attachments(mime.parse(path.read_bytes()))
    return hashlib.sha256(att.data).hexdigest()


def inbound(office: Office, row_id: int) -> Inbound:
    with office.factory() as s:
        return s.get(Inbound, row_id)


def jobs(office: Office, kind: str = "ocr") -> list[Job]:
    with office.factory() as s:
        return s.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)).all()


def requests(office: Office) -> list[Request]:
    with office.factory() as s:
        return s.scalars(select(Request).order_by(Request.id)).all()


@pytest.fixture(scope="module")
def places():
    return load_places(ROOT / "rules" / "places.yaml")


# ---- the reading layer -------------------------------------------------------------------------
@pytest.mark.parametrize("path,kind", [(SCANNED, "pdf"), (PHOTO, "image")])
def test_a_deferred_reading_lists_the_scans_it_did_not_read(path, kind, places, tmp_path, monkeypatch):
    tesseract = Tesseract(monkeypatch)
    ocr = OcrSource(OcrCache(tmp_path / "ocr"))
    facts = extract_requests(mime.parse(path.read_bytes()), places, NOW, ocr)
    assert tesseract.calls == 0
    assert [(p.sha256, p.kind) for p in ocr.needed] == [(sha_of_attachment(path), kind)]
    assert all(f.source != "ocr" for f in facts)


def test_a_cache_hit_reads_the_scan_without_tesseract(places, tmp_path, monkeypatch):
    tesseract = Tesseract(monkeypatch, fail=AssertionError("Tesseract must not run"))
    cache = OcrCache(tmp_path / "ocr")
    cache.put(sha_of_attachment(SCANNED), SCAN_TEXT)
    ocr = OcrSource(cache)
    (facts,) = extract_requests(mime.parse(SCANNED.read_bytes()), places, NOW, ocr)
    assert (tesseract.calls, ocr.needed, ocr.hits) == (0, [], 1)
    assert facts.source == "ocr" and "Musyawarah Perencanaan" in facts.title
    assert facts.start.isoformat() == "2027-01-12T09:00:00+07:00" and facts.kecamatan == "Bantan"


def test_the_cache_is_written_whole_and_keyed_by_sha256(tmp_path):
    cache = OcrCache(tmp_path / "ocr")
    sha = hashlib.sha256(b"x").hexdigest()
    assert cache.get(sha) is None
    cache.put(sha, "teks hasil OCR")
    assert (tmp_path / "ocr" / f"{sha}.txt").read_text(encoding="utf-8") == "teks hasil OCR"
    assert [p.name for p in (tmp_path / "ocr").iterdir()] == [f"{sha}.txt"]  # no temp file left
    with pytest.raises(ValueError):
        cache.path("../../etc/passwd")


# ---- the dispatcher and the job ------------------------------------------------------------------
def test_the_dispatch_transaction_of_a_scanned_letter_runs_no_ocr(tmp_path, db_url, monkeypatch):
    office = Office(tmp_path, database=db_url)
    tesseract = Tesseract(monkeypatch)
    row_id = office.store(SCANNED.read_bytes())
    assert office.dispatcher.run_once() == 1
    row = inbound(office, row_id)
    assert tesseract.calls == 0 and requests(office) == []
    assert (row.status, row.reason) == ("waiting", "menunggu OCR: scan_surat_kecamatan.pdf")
    (job,) = jobs(office)
    assert job.state == "queued" and job.payload["inbound_id"] == row_id
    assert job.payload["raw_path"] == row.raw_path
    assert job.payload["parts"] == [{"filename": "scan_surat_kecamatan.pdf", "kind": "pdf",
                                     "sha256": sha_of_attachment(SCANNED)}]
    assert office.dispatcher.run_once() == 0  # a waiting message is not claimed again

    assert office.jobs.run_once() == 1  # Tesseract runs here, outside the dispatcher
    assert tesseract.calls >= 1
    assert inbound(office, row_id).status == "new"
    assert (tmp_path / "state" / "ocr" / f"{sha_of_attachment(SCANNED)}.txt").exists()
    calls = tesseract.calls
    assert office.dispatcher.run_once() == 1  # read again, from the cache
    assert tesseract.calls == calls
    (req,) = requests(office)
    assert (req.step, req.kecamatan, req.outside_island) == (1, "Bantan", False)  # on record
    assert "Musyawarah Perencanaan Pembangunan" in req.title
    assert inbound(office, row_id).status == "done"
    office.settle()  # its first step is a job; the disposition mail waits for its letter
    assert requests(office)[0].step == 2
    assert "scan_surat_kecamatan.pdf" in {a.filename for a in mime.attachments(office.last_to(KADIS))}


def test_a_scan_already_in_the_cache_queues_no_job(tmp_path, monkeypatch):
    office = Office(tmp_path)
    tesseract = Tesseract(monkeypatch, fail=AssertionError("Tesseract must not run"))
    OcrCache.under(office.cfg.state_dir).put(sha_of_attachment(SCANNED), SCAN_TEXT)
    row = office.deliver(SCANNED.read_bytes())
    assert row.status == "done" and tesseract.calls == 0 and jobs(office) == []
    (req,) = requests(office)
    assert req.step == 2 and req.event_start is not None


def test_a_text_letter_after_a_scanned_one_does_not_wait_for_the_ocr(tmp_path, monkeypatch):
    office = Office(tmp_path)
    tesseract = Tesseract(monkeypatch)
    scanned = office.store(SCANNED.read_bytes())
    text = office.store(letter("dinkes@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN,
                               display="Dinas Kesehatan"))
    assert office.dispatcher.run_once() == 2
    assert tesseract.calls == 0
    assert inbound(office, scanned).status == "waiting"
    assert inbound(office, text).status == "done"
    (req,) = requests(office)
    assert req.requester_email == "dinkes@bengkaliskab.go.id" and req.step == 1  # its first step is a job
    office.settle()  # the jobs run (its letter, the OCR), then the scanned letter is read
    assert [r.requester_email for r in requests(office)] == ["dinkes@bengkaliskab.go.id",
                                                            "kec.bantan@gmail.com"]
    assert inbound(office, scanned).status == "done"
    assert {r.code for r in requests(office)} == {
        mime.header(m, "Subject").split("]")[0].strip("[") for m in office.mail_to(KADIS)}


def _read_without_ocr(office: Office, row_id: int) -> None:
    row = inbound(office, row_id)
    assert row.status == "done", row.reason
    (job,) = jobs(office)
    assert job.state == "failed"
    alert = office.last_to(OPERATOR)
    assert "OCR" in mime.header(alert, "Subject") + mime.body_text(alert)
    assert "scan_surat_kecamatan.pdf" in mime.body_text(alert)
    # nothing lost: the letter became a request that asks its sender for what the scan held
    (req,) = requests(office)
    assert req.requester_email == "kec.bantan@gmail.com" and req.missing
    ask = office.last_to("kec.bantan@gmail.com")
    assert "belum memuat keterangan" in mime.body_text(ask)


def test_an_unreadable_scan_fails_the_job_at_once_and_the_letter_is_read_without_it(tmp_path, monkeypatch):
    office = Office(tmp_path)
    tesseract = Tesseract(monkeypatch, fail=OcrUnreadable("rusak"))
    row_id = office.deliver(SCANNED.read_bytes()).id
    assert tesseract.calls == 1  # a permanent failure is not tried again
    _read_without_ocr(office, row_id)


def test_a_crashing_tesseract_is_retried_then_the_letter_is_read_without_it(tmp_path, monkeypatch):
    office = Office(tmp_path)
    tesseract = Tesseract(monkeypatch, fail=RuntimeError("Tesseract process timeout"))
    row_id = office.deliver(SCANNED.read_bytes()).id
    assert inbound(office, row_id).status == "waiting"  # the job waits for its next try
    for _ in range(ocr_jobs.MAX_ATTEMPTS):
        office.clock.advance(minutes=5)
        office.settle()
    assert tesseract.calls == ocr_jobs.MAX_ATTEMPTS
    _read_without_ocr(office, row_id)


def test_a_waiting_message_is_neither_filed_nor_requeued(tmp_path, capsys):
    office = Office(tmp_path)
    row_id = office.store(SCANNED.read_bytes())
    office.dispatcher.run_once()
    assert inbound(office, row_id).status == "waiting"
    assert filing.pending(office.factory, "INBOX") == []  # stays in the INBOX until handled

    class Args:
        inbound_id, json = row_id, False

    assert cli.requeue(office.factory, Args) == 1
    assert "waits for its OCR job" in capsys.readouterr().err
    assert cli.list_requests(office.ctx, office.factory, Args) == 0
    assert "menunggu OCR: scan_surat_kecamatan.pdf" in capsys.readouterr().out


def test_a_message_left_waiting_by_a_dead_ocr_job_is_read_again(tmp_path, monkeypatch):
    """The worker died on the job's last try: the claim gives the job up without its on_failed."""
    office = Office(tmp_path)
    tesseract = Tesseract(monkeypatch, fail=AssertionError("Tesseract must not run"))
    row_id = office.store(SCANNED.read_bytes())
    office.dispatcher.run_once()
    assert inbound(office, row_id).status == "waiting"
    with office.factory() as s, s.begin():
        s.scalars(select(Job)).one().state = "failed"
    assert office.dispatcher.run_once() == 1
    row = inbound(office, row_id)
    assert row.status == "done" and tesseract.calls == 0
    assert requests(office)[0].requester_email == "kec.bantan@gmail.com"
