"""PDF copies through one long-lived LibreOffice (unoserver): real letters, reuse, restart, timeout, fallback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
import yaml

from daemon.paperwork import letter_context as C
from daemon.paperwork import letters as L
from daemon.paperwork import pdf
from daemon.paperwork.pdf import PdfConverter

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 26, 10, 15, tzinfo=WIB)
SPT_NO = "800.1.11.1/DISKOMINFOTIK/007/2026"

_probe = PdfConverter()
needs_office = pytest.mark.skipif(
    not (_probe.available() and _probe.mode == pdf.SERVER),
    reason=f"LibreOffice via unoserver is not usable here: {_probe.reason} "
           "(apt-get install libreoffice-writer-nogui python3-uno; pip install -e '.[pdf]')")


def render_spt(out: Path, title: str = "Musyawarah Perencanaan Pembangunan Kecamatan Mandau") -> Path:
    """A real SPT .docx, as tests/unit/test_letters.py renders it."""
    office = yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))
    request = {"code": "LPT-2026-0007", "title": title,
               "start": datetime(2026, 11, 30, 9, 0, tzinfo=WIB), "end": None, "until_done": True,
               "location": "Aula Kantor Camat Mandau, Duri", "requester": "Kantor Camat Mandau",
               "letter_number": "005/KEC-MDU/XI/2026/412", "letter_date": "20 November 2026",
               "subject": "Permohonan Peliputan"}
    kadis = office["roles"]["kadis"]
    ctx = C.spt_context(office, request, office["staff"][:3], SPT_NO, kadis, [], {"name": kadis["name"], "at": NOW},
                        NOW)
    return L.render(L.SPT_TEMPLATE, ctx, out)


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


@pytest.fixture(scope="module")
def converter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PdfConverter]:
    """One converter (one office) shared by the module's tests."""
    with PdfConverter(tmp_path_factory.mktemp("pdf-state")) as conv:
        if conv.available() and conv.mode == pdf.SERVER:
            assert conv.warm() and conv.starts == 1
        yield conv


@needs_office
def test_converts_a_rendered_letter(converter: PdfConverter, tmp_path: Path) -> None:
    docx = render_spt(tmp_path / "spt.docx")
    out = converter.convert(docx)
    assert out == tmp_path / "spt.pdf"
    assert out.read_bytes().startswith(b"%PDF")
    text = " ".join(pdf_text(out).split())
    for expected in ("SURAT PERINTAH TUGAS", SPT_NO, "Musyawarah Perencanaan Pembangunan Kecamatan Mandau"):
        assert expected in text, expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spt.docx", "spt.pdf"]  # no temp files left
    assert converter.starts == 1  # warmed by the fixture, not started again


@needs_office
def test_conversions_reuse_one_office_process(converter: PdfConverter, tmp_path: Path) -> None:
    first = converter.convert(render_spt(tmp_path / "a.docx", "Rapat Pertama"))
    pid = converter.office_pid
    second = converter.convert(render_spt(tmp_path / "b.docx", "Rapat Kedua"))
    assert first and second and pid is not None
    assert converter.office_pid == pid
    assert "Rapat Kedua" in pdf_text(second)


@needs_office
def test_threads_share_the_converter(converter: PdfConverter, tmp_path: Path) -> None:
    docs = [render_spt(tmp_path / f"t{i}.docx", f"Kegiatan Nomor {i}") for i in range(4)]
    results: dict[int, Path | None] = {}
    pid = converter.office_pid
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, converter.convert(docs[i])))
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for i in range(4):
        assert results[i] == tmp_path / f"t{i}.pdf" and f"Kegiatan Nomor {i}" in pdf_text(results[i])
    assert converter.office_pid == pid


@needs_office
def test_killed_office_is_restarted(converter: PdfConverter, tmp_path: Path) -> None:
    assert converter.convert(render_spt(tmp_path / "a.docx"))
    dead, starts = converter.office_pid, converter.starts
    os.kill(dead, signal.SIGKILL)
    out = converter.convert(render_spt(tmp_path / "b.docx", "Setelah Mogok"))
    assert out and "Setelah Mogok" in pdf_text(out)
    assert converter.starts == starts + 1 and converter.office_pid not in (None, dead)


@needs_office
def test_hung_office_times_out_and_is_replaced(tmp_path: Path) -> None:
    with PdfConverter(tmp_path / "state", convert_timeout=3) as conv:
        assert conv.convert(render_spt(tmp_path / "a.docx"))
        os.kill(conv.office_pid, signal.SIGSTOP)  # a frozen office: the conversion never finishes
        assert conv.convert(render_spt(tmp_path / "b.docx")) is None
        assert "took over 3 s" in conv.reason and conv.server_pid is None
        assert conv.convert(render_spt(tmp_path / "c.docx")) == tmp_path / "c.pdf"
        assert conv.starts == 2


@needs_office
def test_render_pdf_goes_through_the_default_converter(tmp_path: Path) -> None:
    out = L.render_pdf(render_spt(tmp_path / "spt.docx"))
    assert out == tmp_path / "spt.pdf" and out.read_bytes().startswith(b"%PDF")
    assert pdf.default_converter().office_pid is not None
    assert pdf.default_converter() is pdf.default_converter()


def test_missing_libreoffice_gives_none_and_a_reason(tmp_path: Path) -> None:
    docx = render_spt(tmp_path / "spt.docx")
    conv = PdfConverter(tmp_path / "state", office=str(tmp_path / "no-such-soffice"))
    assert conv.available() is False
    assert conv.convert(docx) is None
    assert "not found" in conv.reason and "no-such-soffice" in conv.reason
    conv.close()
    assert not (tmp_path / "spt.pdf").exists() and not (tmp_path / "state").exists()


def test_no_soffice_on_path_gives_none_and_a_reason(tmp_path: Path) -> None:
    conv = PdfConverter(office="")
    assert conv.available() is False and conv.convert(render_spt(tmp_path / "spt.docx")) is None
    assert conv.reason == "LibreOffice is not installed (no soffice on PATH)"


@needs_office
def test_office_left_by_a_dead_owner_is_killed(tmp_path: Path) -> None:
    docx, state = render_spt(tmp_path / "spt.docx"), tmp_path / "state"
    owner = ("import os, sys; from pathlib import Path; from daemon.paperwork.pdf import PdfConverter\n"
             "c = PdfConverter(Path(sys.argv[1]), tether=False); assert c.convert(Path(sys.argv[2]))\n"
             "print(c.server_pid, flush=True); os._exit(0)  # dies without close()")
    done = subprocess.run([sys.executable, "-c", owner, str(state), str(docx)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    orphan = int(done.stdout.split()[-1])
    assert pdf.group_pids(orphan)  # the office outlived its owner (untethered: its tether was killed too)
    with PdfConverter(state) as conv:
        assert conv.convert(docx)
        assert not pdf.group_pids(orphan)


@needs_office
def test_server_that_cannot_start_falls_back_to_one_soffice_per_document(tmp_path: Path) -> None:
    fake_python = tmp_path / "python3"
    fake_python.write_text("#!/bin/sh\nexit 0\n")  # "imports uno", but no unoserver ever answers
    fake_python.chmod(0o755)
    with PdfConverter(tmp_path / "state", uno_python=str(fake_python), start_timeout=5) as conv:
        out = conv.convert(render_spt(tmp_path / "spt.docx"))
        assert out == tmp_path / "spt.pdf" and "SURAT PERINTAH TUGAS" in pdf_text(out)
        assert conv.mode == pdf.SERVER and conv.starts == 0
        assert "unoserver did not answer" in conv.reason and "one soffice per document" in conv.reason


@pytest.mark.skipif(pdf.find_office() is None, reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
def test_without_uno_each_letter_gets_its_own_soffice(tmp_path: Path) -> None:
    with PdfConverter(tmp_path / "state", uno_python=str(tmp_path / "no-python3")) as conv:
        out = conv.convert(render_spt(tmp_path / "spt.docx"))
        assert conv.mode == pdf.ONESHOT and "cannot import uno" in conv.reason and conv.server_pid is None
    assert out == tmp_path / "spt.pdf" and SPT_NO in pdf_text(out)
