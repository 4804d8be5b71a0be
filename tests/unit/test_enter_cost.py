"""What entering a step saves per letter: the request letter parsed once for its task mail and
the worker, handed over as bytes, and LibreOffice's PATH search reused while PATH stays."""

from __future__ import annotations

import base64
import os
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest

from daemon.core.bounded import BoundedCache
from daemon.mail import mime, outgoing
from daemon.paperwork import pdf
from daemon.sop import documents


def raw_letter(path: Path, body: bytes) -> Path:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "camat@bantan.example", "liputan@example", "Permohonan"
    msg.set_content("Mohon peliputan.")
    msg.add_attachment(body, maintype="application", subtype="pdf", filename="surat.pdf")
    path.write_bytes(msg.as_bytes())
    return path


@pytest.fixture
def parses(monkeypatch):
    """Count the letter parses documents.py makes; start with an empty cache."""
    count: list[int] = []
    monkeypatch.setattr(documents, "mime", SimpleNamespace(
        parse=lambda raw: count.append(1) or mime.parse(raw), attachments=mime.attachments))
    monkeypatch.setattr(documents, "_LETTERS", BoundedCache(256, documents.LETTER_CACHE_BYTES))
    return count


def test_the_letter_is_parsed_once_for_its_mail_and_its_worker(tmp_path, parses):
    path = raw_letter(tmp_path / "1.eml", b"%PDF-1.4 surat")
    first = documents._letter_files(path, "LPT-2026-0001")
    again = documents._letter_files(path, "LPT-2026-0001")
    assert first == again == [("surat.pdf", "application/pdf", b"%PDF-1.4 surat")]
    assert len(parses) == 1


def test_a_changed_file_is_read_again(tmp_path, parses):
    path = raw_letter(tmp_path / "1.eml", b"%PDF-1.4 lama")
    documents._letter_files(path, "LPT-2026-0001")
    raw_letter(path, b"%PDF-1.4 surat yang baru")
    assert documents._letter_files(path, "LPT-2026-0001")[0][2] == b"%PDF-1.4 surat yang baru"
    assert len(parses) == 2


def test_the_cache_keeps_to_its_byte_budget(tmp_path, parses, monkeypatch):
    monkeypatch.setattr(documents, "_LETTERS", BoundedCache(256, 2500))
    paths = [raw_letter(tmp_path / f"{i}.eml", bytes([65 + i]) * 1000) for i in range(4)]
    for p in paths:
        documents._letter_files(p, "LPT-2026-0001")
    assert documents._LETTERS.size <= 2500 and len(documents._LETTERS) == 2
    documents._letter_files(paths[-1], "LPT-2026-0001")  # the latest is kept
    assert len(parses) == 4
    documents._letter_files(paths[0], "LPT-2026-0001")  # the oldest was dropped
    assert len(parses) == 5
    big = raw_letter(tmp_path / "big.eml", b"x" * 3000)  # over the budget: never kept
    documents._letter_files(big, "LPT-2026-0001")
    assert all(key[0] != str(big) for key in documents._LETTERS.keys())


def test_bytes_items_expand_as_base64_ones_do():
    file = ("surat.pdf", "application/pdf", b"%PDF-1.4 \x00\xff")
    as_bytes = {"name": file[0], "type": file[1], "data": file[2]}
    as_b64 = outgoing.inline(file)
    assert base64.b64decode(as_b64["b64"]) == file[2]
    assert outgoing.expand([as_bytes], lambda item: []) == outgoing.expand([as_b64], lambda item: []) == [file]


def test_a_changed_path_finds_libreoffice_at_once(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "soffice").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "soffice").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert pdf.find_office() is None
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{tmp_path / 'empty'}")
    assert pdf.find_office() == str(bin_dir / "soffice")
    (bin_dir / "soffice").unlink()  # the same PATH: the answer is reused until FIND_TTL
    assert pdf.find_office() == str(bin_dir / "soffice")
    monkeypatch.setattr(pdf, "FIND_TTL", -1.0)
    assert pdf.find_office() is None
