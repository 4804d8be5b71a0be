"""Step 15 from the database: a request's letter, replies, sent mail, letters, delivered files and
history gathered by items_for and written as one valid bag; a file someone deleted is listed in HILANG.txt."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit
import pytest
from sqlalchemy.orm import Session, sessionmaker

from daemon.archive import filing_date, info_for, items_for, verify_bag, write_bag
from daemon.core.db import transaction
from daemon.core.models import DeliveryFile, Document, Event, Inbound, Outbox, Request

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09.00 WIB
OFFICE = "Dinas Komunikasi, Informatika dan Statistik Kabupaten Bengkalis"


def put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def inbound(s: Session, n: int, raw: Path, request_id: int | None, minutes: int) -> Inbound:
    row = Inbound(message_id=f"<m{n}@unit>", folder="INBOX", uidvalidity=1, uid=n, raw_path=str(raw),
                  sha256=hashlib.sha256(raw.read_bytes()).hexdigest(), size=raw.stat().st_size,
                  from_addr=f"u{n}@bengkaliskab.go.id", subject="x", request_id=request_id,
                  received_at=T0 + timedelta(minutes=minutes))
    s.add(row)
    s.flush()
    return row


def seed(factory: sessionmaker[Session], tmp: Path) -> dict[str, Path]:
    """A request at step 15 with every kind of record, plus rows that must stay out of the bag."""
    state, dropbox, docs = tmp / "state", tmp / "dropbox", tmp / "state" / "documents"
    files = {
        "letter": put(state / "raw" / "letter.eml", b"From: umum@disdik\r\nSubject: Permohonan\r\n\r\nMohon diliput\r\n"),
        "reply": put(state / "raw" / "reply.eml", b"From: kadis@bengkaliskab.go.id\r\n\r\nSetuju\r\n"),
        "docx": put(docs / "LPT-2026-0007" / "spt-LPT-2026-0007-v1.docx", b"PK\x03\x04 spt docx"),
        "pdf": put(docs / "LPT-2026-0007" / "spt-LPT-2026-0007-v1.pdf", b"%PDF-1.7 spt"),
        "photo": put(dropbox / "LPT-2026-0007" / "Foto Acara 1.jpg", b"\xff\xd8\xff" + b"j" * 5000),
        "news": put(state / "deliveries" / "abc" / "berita.docx", b"PK\x03\x04 berita"),
        "refused": put(dropbox / "LPT-2026-0007" / "virus.exe", b"MZ"),
    }
    with transaction(factory) as s:
        letter = inbound(s, 1, files["letter"], None, 0)
        req = Request(code="LPT-2026-0007", title="Musrenbang Kecamatan Bantan", requester="Dinas Pendidikan",
                      requester_email="umum@disdik.bengkaliskab.go.id", location="Aula Kantor Camat Bantan",
                      event_start=datetime(2026, 12, 7, 2, 0, tzinfo=UTC), state="open", step=15,
                      team=[{"name": "Andi", "email": "andi@x", "skill": "foto"}], source_inbound_id=letter.id,
                      created_at=T0)
        s.add(req)
        s.flush()
        letter.request_id = req.id
        inbound(s, 2, files["reply"], req.id, 30)
        inbound(s, 3, files["reply"], None, 31).message_id = "<other-request@unit>"
        s.add_all([
            Outbox(message_id="<o1@liputan>", request_id=req.id, kind="ack", recipients=["u@x"],
                   subject="Diterima", raw=b"Subject: Diterima\r\n\r\nok\r\n", status="sent", sent_at=T0),
            Outbox(message_id="<o2@liputan>", request_id=req.id, kind="task", recipients=["k@x"],
                   subject="Disposisi", raw=b"Subject: Disposisi\r\n\r\nmohon\r\n", status="sent",
                   sent_at=T0 + timedelta(minutes=5)),
            Outbox(message_id="<o3@liputan>", request_id=req.id, kind="reminder", recipients=["k@x"],
                   subject="Pengingat", raw=b"not sent yet", status="queued"),
            Document(request_id=req.id, kind="spt", version=1, path=str(files["docx"]),
                     pdf_path=str(files["pdf"]), status="ready"),
            Document(request_id=req.id, kind="nota_dinas", version=1,
                     path=str(docs / "LPT-2026-0007" / "nota-LPT-2026-0007-v1.docx"), status="ready"),
            DeliveryFile(request_id=req.id, source="folder", relpath="LPT-2026-0007/Foto Acara 1.jpg",
                         name="Foto Acara 1.jpg", kind="photo", status="accepted"),
            DeliveryFile(request_id=req.id, source="mail", relpath="deliveries/abc/berita.docx",
                         name="berita.docx", kind="news", status="accepted"),
            DeliveryFile(request_id=req.id, source="folder", relpath="LPT-2026-0007/virus.exe",
                         name="virus.exe", kind="other", status="quarantined", reason="bukan foto"),
            Event(request_id=req.id, time=T0, step=1, actor="umum@disdik", kind="received"),
            Event(request_id=req.id, time=T0 + timedelta(minutes=30), step=2, actor="kadis@bengkaliskab.go.id",
                  kind="decided", decision="approve", note="Setuju,\nlanjutkan", message_id="<m2@unit>"),
        ])
    return files


def test_it_archives_a_whole_request_from_the_database(factory: sessionmaker[Session], tmp_path: Path) -> None:
    files = seed(factory, tmp_path)
    with factory() as s:
        req = s.query(Request).one()
        items = items_for(s, req, dropbox=tmp_path / "dropbox", state=tmp_path / "state", zone="Asia/Jakarta")
        info = info_for(req, OFFICE, zone="Asia/Jakarta")
        when = filing_date(req, zone="Asia/Jakarta")
    path = write_bag(tmp_path / "arsip", req.code, when, items, info)
    assert path == tmp_path / "arsip" / "2026" / "12" / "LPT-2026-0007"
    bagit.Bag(str(path)).validate(processes=1)
    verify_bag(path)
    data = path / "data"
    names = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
    assert names == [
        "HILANG.txt",
        "balasan/20261130-093000-1.eml",
        "hasil-liputan/berita/berita.docx",
        "hasil-liputan/foto/Foto_Acara_1.jpg",
        "naskah/spt-LPT-2026-0007-v1.docx",
        "naskah/spt-LPT-2026-0007-v1.pdf",
        "riwayat.txt",
        "surat-keluar/001-ack.eml",
        "surat-keluar/002-task.eml",
        "surat-permintaan.eml",
    ]
    assert (data / "surat-permintaan.eml").read_bytes() == files["letter"].read_bytes()
    assert (data / "balasan/20261130-093000-1.eml").read_bytes() == files["reply"].read_bytes()
    assert (data / "naskah/spt-LPT-2026-0007-v1.pdf").read_bytes() == files["pdf"].read_bytes()
    assert (data / "hasil-liputan/foto/Foto_Acara_1.jpg").read_bytes() == files["photo"].read_bytes()
    assert (data / "hasil-liputan/berita/berita.docx").read_bytes() == files["news"].read_bytes()
    assert (data / "surat-keluar/002-task.eml").read_bytes() == b"Subject: Disposisi\r\n\r\nmohon\r\n"
    history = (data / "riwayat.txt").read_text().splitlines()
    assert history[1].startswith("2026-11-30 09:00:00 WIB | langkah 1 | umum@disdik | received")
    assert "2026-11-30 09:30:00 WIB | langkah 2 | kadis@bengkaliskab.go.id | decided | approve | " \
           "Setuju, lanjutkan | <m2@unit>" in history
    tags = bagit.Bag(str(path)).info
    assert tags["External-Identifier"] == "LPT-2026-0007"
    assert tags["Judul"] == "Musrenbang Kecamatan Bantan"
    assert tags["Unit-Pengusul"] == "Dinas Pendidikan"
    assert tags["Contact-Email"] == "umum@disdik.bengkaliskab.go.id"
    assert tags["Tanggal-Acara"] == "Senin, 7 Desember 2026 pukul 09.00 WIB"
    assert tags["Tim"] == "Andi (foto)"


def test_a_deleted_letter_is_listed_in_hilang_not_a_crash(factory: sessionmaker[Session], tmp_path: Path) -> None:
    files = seed(factory, tmp_path)
    files["pdf"].unlink()  # someone removed the SPT's PDF copy too
    with factory() as s:
        req = s.query(Request).one()
        items = items_for(s, req, dropbox=tmp_path / "dropbox", state=tmp_path / "state")
    assert [m.split("\t")[0] for m in items.missing] == ["naskah/spt-LPT-2026-0007-v1.pdf",
                                                         "naskah/nota-LPT-2026-0007-v1.docx"]
    path = write_bag(tmp_path / "arsip", req.code, filing_date(req), items, info_for(req, OFFICE))
    verify_bag(path)
    hilang = (path / "data" / "HILANG.txt").read_text()
    assert "naskah/nota-LPT-2026-0007-v1.docx" in hilang and "spt-LPT-2026-0007-v1.pdf" in hilang
    assert str(files["pdf"]) in hilang
    assert not (path / "data" / "naskah" / "spt-LPT-2026-0007-v1.pdf").exists()


def test_a_complete_record_has_no_hilang(factory: sessionmaker[Session], tmp_path: Path) -> None:
    seed(factory, tmp_path)
    with transaction(factory) as s:
        s.query(Document).filter(Document.kind == "nota_dinas").delete()
    with factory() as s:
        items = items_for(s, s.query(Request).one(), dropbox=tmp_path / "dropbox", state=tmp_path / "state")
    assert items.missing == []
    assert "HILANG.txt" not in [i.arcname for i in items]
