"""An upgrade that replaces the templates on disk under a running daemon (no restart): the daemon
goes on sending the mail and letters of its own start, and fails nothing (once, a template read
after an upgrade met the old code: "'news_files' is undefined", five failures until a restart)."""

from __future__ import annotations

import email.policy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import CAMAT, KADIS, letter
from test_workflow_bodies import BANTAN

from daemon.devservers.config import write_config
from daemon.mail import mime

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
NEW_TEXT = "Teks templat versi baru: {{ news_files | length }} berkas.\n"


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def installed_copy(folder: Path) -> Path:
    """The package and its templates as an installation holds them (files an upgrade replaces)."""
    shutil.copytree(REPO / "daemon", folder / "daemon", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", folder / "templates")
    return folder


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # templates are not the database's
def test_it_sends_the_templates_of_its_start_after_they_change_on_disk(
        tmp_path, db_url, dovecot, mailbox_user, smtp):
    tree = installed_copy(tmp_path / "install")
    path = write_config(tmp_path / "liputan.toml", imap_port=dovecot.port, smtp_port=smtp.port,
                        database=db_url, rules=REPO / "rules", user=mailbox_user,
                        mailbox={"poll_seconds": 1, "idle_seconds": 10, "timeout": 10})
    log = tmp_path / "daemon.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(path)],
                                stdout=out, stderr=subprocess.STDOUT, text=True, cwd=tree,
                                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree),
                                     "LIPUTAN_CACHE_DIR": str(tmp_path / "cache")})
    try:
        wait_for(lambda: "liputan running" in log.read_text(), 60)
        assert f"mail templates from {tree / 'templates' / 'email'}" in log.read_text()  # the installed copy
        for template in (tree / "templates" / "email").glob("*.txt"):  # the upgrade, files only
            template.write_text(NEW_TEXT, encoding="utf-8")
        for template in (tree / "templates" / "letters").glob("*.docx"):
            template.write_bytes(b"not a letter template any more")
        dovecot.append(mailbox_user, "INBOX", letter(CAMAT, "Permohonan peliputan", BANTAN)
                       .as_bytes(policy=email.policy.SMTP))
        got = wait_for(lambda: (sent := {r: m for m in smtp.messages for r in m.rcpt_tos})
                       and CAMAT in sent and KADIS in sent and sent, 120)
        ack, task = mime.body_text(mime.parse(got[CAMAT].data)), mime.parse(got[KADIS].data)
        assert "telah kami terima" in ack and "Teks templat versi baru" not in ack
        assert "Teks templat versi baru" not in mime.body_text(task)
        sheets = [a for a in mime.attachments(task) if "Disposisi" in a.filename]
        assert sheets, [a.filename for a in mime.attachments(task)]  # the sheet, from the template of the start
        text = log.read_text()
        assert "undefined" not in text and "Traceback" not in text, text[-3000:]
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
