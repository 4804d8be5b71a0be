"""The parts pdf.py was split into, each on its own: one soffice per document (oneshot.py), the
long-lived office's start (office_server.py), and the process helpers (office_process.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from daemon.paperwork import oneshot, pdf
from daemon.paperwork.office_process import cmdline, group_pids, kill_group
from daemon.paperwork.office_server import OfficeServer


def test_a_oneshot_that_cannot_start_says_so(tmp_path: Path) -> None:
    docx = tmp_path / "surat.docx"
    assert oneshot.run_group([str(tmp_path / "tidak-ada")], docx, 5, tether=False).startswith(
        f"cannot run {tmp_path / 'tidak-ada'}: ")


def test_a_oneshot_that_fails_or_hangs_says_so(tmp_path: Path) -> None:
    docx = tmp_path / "surat.docx"
    failed = oneshot.run_group([sys.executable, "-c", "import sys; sys.exit('rusak')"], docx, 10, tether=False)
    assert failed == "soffice failed on surat.docx: rusak"
    began = time.monotonic()
    hung = oneshot.run_group([sys.executable, "-c", "import time; time.sleep(30)"], docx, 0.5, tether=True)
    assert hung == "soffice took over 0.5 s on surat.docx" and time.monotonic() - began < 10


def test_a_oneshot_that_makes_no_pdf_gives_none_and_why(tmp_path: Path) -> None:
    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"PK")
    assert oneshot.convert("/bin/true", docx, tmp_path, 10, tether=False) == (
        None, "soffice made no PDF of surat.docx")
    assert list(tmp_path.iterdir()) == [docx]  # its temporary folder is gone


def test_a_server_that_never_answers_fails_its_start_and_leaves_nothing(tmp_path: Path) -> None:
    server = OfficeServer("/bin/true", sys.executable, start_timeout=3, convert_timeout=5, tether=True)
    assert server.start(tmp_path, 300) is False
    assert server.failure.startswith("unoserver did not answer within 3 s")
    assert server.failure.endswith("one soffice per document for 300 s")
    assert server.pid is None and server.office_pid is None and server.starts == 0
    assert (tmp_path / "unoserver.log").exists() and (tmp_path / "profile").is_dir()


def test_the_process_helpers_find_and_end_a_group(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", str(tmp_path)],
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while proc.pid not in group_pids(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.pid in group_pids(proc.pid) and str(tmp_path) in cmdline(proc.pid)
        kill_group(proc.pid, signal.SIGKILL)
        assert proc.wait(5) == -signal.SIGKILL
        kill_group(proc.pid, signal.SIGKILL)  # a group already gone is no error
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert cmdline(proc.pid) == ""


def test_the_names_callers_import_from_pdf_are_still_there() -> None:
    assert pdf.group_pids is group_pids and pdf.cmdline is cmdline and pdf.kill_group is kill_group
    assert {pdf.SERVER, pdf.ONESHOT, pdf.NONE} == {"unoserver", "oneshot", "none"}
    assert pdf.OFFICE_PROCESS == "soffice.bin" and callable(pdf.free_port)


class _StoppedOffice:
    """An office server that is down (stopped by close()) and counts the starts asked of it."""

    def __init__(self) -> None:
        self.starts, self.failure = 0, ""

    def healthy(self) -> bool:
        return False

    def start(self, base: Path, retry_s: float) -> bool:
        self.starts += 1
        return False

    def stop(self, grace: float = 0) -> None:
        pass


def test_a_closed_converter_starts_no_office_for_a_letter_still_being_made(tmp_path: Path) -> None:
    import pytest
    conv = pdf.PdfConverter(tmp_path, office="/bin/true")
    conv.mode, office = pdf.SERVER, _StoppedOffice()
    conv._server = office
    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"PK")
    conv.close(wait=0.1)  # closed by a command (contoh, exit): the next letter starts an office
    assert conv.convert(docx) is None and office.starts == 1
    conv.close(wait=0.1, final=True)  # the daemon stopping
    with pytest.raises(pdf.ConverterClosed):  # the job fails and is retried at the next start
        conv.convert(docx)
    assert office.starts == 1 and conv.warm() is False
    conv.reopen()  # a daemon started anew in this process makes PDFs again
    conv._server_retry_at = 0.0
    assert conv.convert(docx) is None and office.starts == 2
