"""A daemon killed with SIGKILL outside systemd takes its LibreOffice down with it: the converter's
process group (tether, unoserver, soffice) is gone within seconds, and a converter started from a
thread that ends lives on while its daemon does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from daemon.paperwork import pdf
from daemon.paperwork.pdf import PdfConverter

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

_probe = PdfConverter()
needs_office = pytest.mark.skipif(
    not (_probe.available() and _probe.mode == pdf.SERVER),
    reason=f"LibreOffice via unoserver is not usable here: {_probe.reason} "
           "(apt-get install libreoffice-writer-nogui python3-uno; pip install unoserver)")

# A small daemon: starts the converter from a thread that then ends (as the service's pdf-warm
# thread does), says the office's process group, and waits to be killed.
OWNER = """
import sys, threading, time
from pathlib import Path
from daemon.paperwork import pdf
state, office, docx = sys.argv[1:4]
if not office:
    conv = pdf.PdfConverter(Path(state))
    warm = threading.Thread(target=conv.warm)
    warm.start()
    warm.join()
    print(conv.server_pid, conv.office_pid, flush=True)
else:  # one soffice per document (no uno here): a conversion that never ends (the 'office' sleeps)
    conv = pdf.PdfConverter(Path(state), office=office, uno_python="/nonexistent/python3")
    threading.Thread(target=conv.convert, args=(Path(docx),), daemon=True).start()
    time.sleep(1.0)
    print(conv.mode, flush=True)
time.sleep(600)
"""


def start_owner(tmp_path: Path, office: str = "", docx: str = "") -> tuple[subprocess.Popen, list[str]]:
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path / "state"), office, docx],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = owner.stdout.readline().split()
    assert line, "the owner said nothing"
    return owner, line


def gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pdf.group_pids(pgid):
            return True
        time.sleep(0.1)
    return not pdf.group_pids(pgid)


@needs_office
def test_it_ends_unoserver_and_soffice_when_the_daemon_is_killed(tmp_path):
    owner, (leader, office) = start_owner(tmp_path)
    try:
        group = pdf.group_pids(int(leader))
        assert int(office) in group and pdf.OFFICE_PROCESS in group.values()
        time.sleep(1.5)  # the thread that started it has ended: the office must still run
        assert os.path.exists(f"/proc/{office}") and pdf.OFFICE_PROCESS in pdf.group_pids(int(leader)).values()
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        assert gone(int(leader), 30), f"left running: {pdf.group_pids(int(leader))}"
    finally:
        owner.kill()
        pdf.kill_group(int(leader), signal.SIGKILL)


def test_a_one_shot_office_run_ends_with_its_killed_daemon(tmp_path):
    """Without unoserver (one soffice per document): the run in flight ends too. A stand-in
    'office' that never finishes; needs no LibreOffice."""
    office = tmp_path / "soffice"
    office.write_text("#!/bin/sh\nsleep 600\n")
    office.chmod(0o755)
    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"PK")
    owner, (mode,) = start_owner(tmp_path, str(office), str(docx))
    try:
        assert mode == pdf.ONESHOT
        runs = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and pdf.cmdline(int(p.name)).startswith(f"/bin/sh {office} ")]
        assert runs, "the office run did not start"
        pgid = os.getpgid(runs[0])
        assert pgid != os.getpgid(owner.pid)
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        assert gone(pgid, 30), f"left running: {pdf.group_pids(pgid)}"
    finally:
        owner.kill()
