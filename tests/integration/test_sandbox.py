"""The README's first command: `liputan sandbox` runs the office on this machine."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from daemon.devservers import free_port

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
LETTER = REPO / "tests" / "data" / "requests" / "01_disdik_labelled_qp.eml"


def kadis_inbox(port: int) -> list:
    imap = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10)
    try:
        imap.login("kadis@bengkaliskab.go.id", "rahasia")
        imap.select_folder("INBOX", readonly=True)
        data = imap.fetch(imap.search(), ["RFC822"]).values()
        return [email.message_from_bytes(d[b"RFC822"], policy=email.policy.default) for d in data]
    finally:
        imap.logout()


def test_a_request_sent_to_the_sandbox_reaches_the_kadis_inbox(tmp_path):
    imap, smtp = free_port(), free_port()
    env = {**os.environ, "LIPUTAN_SANDBOX_IMAP": str(imap), "LIPUTAN_SANDBOX_SMTP": str(smtp),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    log = (tmp_path / "sandbox.log").open("w")  # a file, not a pipe nobody drains
    proc = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "sandbox"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        banner = ""
        deadline = time.monotonic() + 60
        while "Status:" not in banner and time.monotonic() < deadline:
            time.sleep(0.2)
            banner = (tmp_path / "sandbox.log").read_text()
        assert f"127.0.0.1:{smtp}" in banner and f"127.0.0.1:{imap}" in banner
        sent = subprocess.run([sys.executable, "-m", "daemon.app.sandbox_send", "--port", str(smtp),
                               str(LETTER)], capture_output=True, text=True, timeout=30)
        assert sent.returncode == 0, sent.stderr
        deadline = time.monotonic() + 60
        found = []
        while not found and time.monotonic() < deadline:
            found = [m for m in kadis_inbox(imap) if "Mohon disposisi" in str(m["Subject"])]
            time.sleep(0.5)
        assert found, "no disposition request reached the Kadis"
        assert list((tmp_path / "sandbox" / "mail").glob("*.eml"))
        # what the user sees: the sandbox's instructions and each mail sent, not the log's INFO
        # lines (nor the SMTP server's own log of every command, aiosmtpd's "mail.log")
        output = (tmp_path / "sandbox.log").read_text()
        assert "mail.log" not in output and " INFO " not in output, output[-2000:]
        assert any(ln.startswith("mail 0") and "Mohon disposisi" in ln for ln in output.splitlines())
        # the daemon's whole log is kept in the sandbox's folder, as the banner says
        kept = (tmp_path / "sandbox" / "daemon.log").read_text()
        assert f"{tmp_path / 'sandbox' / 'daemon.log'}" in banner
        assert "daemon.app.sandbox" in kept and "liputan running" in kept and "mail.log" not in kept
        assert any("daemon.app.dispatcher" in ln and "[LPT-" in ln for ln in kept.splitlines())
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
