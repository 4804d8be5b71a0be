"""`liputan contoh OUTDIR` (issue 10): every letter and mail of the sample requests, as .docx, PDF,
PNG and .eml with an index; what it writes is what an office would sign and send."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from daemon.app.cli import main
from daemon.paperwork.pdf import find_office

pytestmark = pytest.mark.integration

HAS_PDF = find_office() is not None
HAS_PNG = HAS_PDF and shutil.which("pdftoppm") is not None
SAMPLES = {"01-pulau-bantan", "02-daratan-duri-spt-tim-6", "03-plt-kepala-dinas", "04-plh-kepala-bidang",
           "05-ditolak", "06-dibatalkan"}
EVERY_MAIL_KIND = {"ack", "task", "answer", "reminder", "notice", "assignment", "rejected", "missing",
                   "results_missing", "preview", "press", "social_package"}
UNIT_IN_CAPITALS = re.compile(r"\b(?:DINAS PENDIDIKAN|KECAMATAN BANTAN|RSUD MANDAU|DINAS KEBUDAYAAN)\b")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("contoh") / "contoh"
    assert main(["contoh", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def index(out) -> dict:
    return json.loads((out / "index.json").read_text(encoding="utf-8"))


def sample(index: dict, name: str) -> dict:
    return next(e for e in index["samples"] if e["name"] == name)


def mail_text(path: Path) -> tuple[email.message.EmailMessage, str]:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return msg, msg.get_body(("plain",)).get_content()


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(path)).pages]


def test_every_sample_ran_and_every_listed_file_is_there_and_not_empty(out, index):
    assert {e["name"] for e in index["samples"]} == SAMPLES
    assert index["pdf"] == HAS_PDF and index["png"] == HAS_PNG
    for entry in index["samples"]:
        assert entry["error"] is None, entry
        assert entry["letters"] and entry["mails"], entry["name"]
        files = [m["eml"] for m in entry["mails"]]
        for doc in entry["letters"]:
            files += [doc["docx"], *doc["png"]] + ([doc["pdf"]] if doc["pdf"] else [])
            assert bool(doc["pdf"]) == HAS_PDF and bool(doc["png"]) == HAS_PNG, doc
        for rel in files:
            assert (out / rel).is_file() and (out / rel).stat().st_size > 0, rel
    assert any("legal_basis" in n for n in index["notes"])  # the shipped rules leave it to the office
    assert any("lambang" in n for n in index["notes"]) and any("spt_budget" in n for n in index["notes"])
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Perlu dilengkapi sebelum digunakan" in html
    assert all(e["name"] in html for e in index["samples"])
    assert all(p in html for e in index["samples"] for d in e["letters"] for p in d["png"])


def test_the_samples_write_every_document_and_every_mail_kind(index):
    kinds = {d["kind"] for e in index["samples"] for d in e["letters"]}
    assert kinds == {"lembar_disposisi", "nota_dinas_tim", "nota_dinas_spt", "spt"}
    mails = {m["kind"] for e in index["samples"] for m in e["mails"]}
    assert EVERY_MAIL_KIND <= mails, EVERY_MAIL_KIND - mails
    assert not any(d["kind"] == "spt" for d in sample(index, "01-pulau-bantan")["letters"])  # on the island
    spt = [d for d in sample(index, "02-daratan-duri-spt-tim-6")["letters"] if d["kind"] == "spt"]
    assert spt[-1]["number"].startswith("800.1.11.1/")


@pytest.mark.skipif(not HAS_PNG, reason="LibreOffice or pdftoppm (poppler-utils) is not installed")
def test_every_page_has_an_a4_preview(out, index):
    for entry in index["samples"]:
        for doc in entry["letters"]:
            assert len(doc["png"]) == len(pdf_pages(out / doc["pdf"])), doc
            for rel in doc["png"]:
                with Image.open(out / rel) as im:
                    assert im.format == "PNG" and abs(im.height / im.width - 297 / 210) < 0.02, rel


@pytest.mark.skipif(not HAS_PDF, reason="LibreOffice is not installed (CI's .ci/run has it)")
def test_the_spt_for_six_is_one_page_and_a_signature_never_stands_alone(out, index):
    entry = sample(index, "02-daratan-duri-spt-tim-6")
    final = [d for d in entry["letters"] if d["kind"] == "spt"][-1]
    pages = pdf_pages(out / final["pdf"])
    assert len(pages) == 1 and "Nurul Hidayah" in pages[0] and "Paraf koordinasi" in pages[0]
    for e in index["samples"]:
        for doc in e["letters"]:
            pages = pdf_pages(out / doc["pdf"])
            if doc["kind"].startswith("nota_dinas"):  # the closing, the signer and the NIP together
                last = pages[-1]
                assert "Demikian" in last and "NIP." in last and len(last.strip().splitlines()) >= 4, doc


def test_no_iso_date_no_unit_in_capitals_and_officials_greeted_by_their_salutation(out, index):
    for entry in index["samples"]:
        for m in entry["mails"]:
            msg, text = mail_text(out / m["eml"])
            where = f"{m['eml']}:\n{text}"
            assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), where
            assert not UNIT_IN_CAPITALS.search(text), where
            if m["kind"] in ("task", "reminder") and len(m["to"]) == 1:
                assert "Bapak/Ibu" not in text, where  # office.yaml gives every official's salutation
        if HAS_PDF:
            for doc in entry["letters"]:
                text = "\n".join(pdf_pages(out / doc["pdf"]))
                assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), doc
                assert not UNIT_IN_CAPITALS.search(text), doc


def test_phones_stay_as_written_and_the_cancellation_cancels_the_invitation(out, index):
    _, text = mail_text(out / sample(index, "02-daratan-duri-spt-tim-6")["mails"][1]["eml"])
    assert "Ibu Sari +62 813-1111-2222" in text
    notices = [m for m in sample(index, "06-dibatalkan")["mails"] if m["kind"] == "notice"]
    team = next(m for m in notices if "andi.saputra@bengkaliskab.go.id" in m["to"])
    msg, _ = mail_text(out / team["eml"])
    ics = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    assert "METHOD:CANCEL" in ics.get_content()


@pytest.mark.skipif(not HAS_PDF, reason="LibreOffice is not installed (CI's .ci/run has it)")
def test_the_lembar_disposisi_keeps_the_letter_number_and_its_labels_on_one_line(out, index):
    sheets = [d for d in sample(index, "04-plh-kepala-bidang")["letters"] if d["kind"] == "lembar_disposisi"]
    for doc in sheets:
        text = "\n".join(pdf_pages(out / doc["pdf"]))
        assert "445/RSUD-MDU/XI/2026/87" in text and "Diterima tanggal" in text, text
