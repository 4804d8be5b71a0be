"""Outages of the host, with `liputan run` as a subprocess on the private Dovecot and SMTP capture:
the database's disk full (a size-limited tmpfs), the shared folder unmounted (a bind mount taken
away and put back) and the LibreOffice converter hung (its soffice.bin stopped with SIGSTOP).
Through each: the same daemon pid, `liputan status` (and --json) names the problem, the log says
it once, and afterwards the daemon catches up with nothing lost."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import KABID, KADIS, KASI, reply
from sqlalchemy import func, select
from test_two_instances import request_letter

from daemon.core.db import make_engine, sessions
from daemon.core.models import DeliveryFile, Inbound, Request
from daemon.devservers.config import write_config

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RUNNING = "liputan running"
APPROVED = [(KADIS, 0, "Setuju"), (KABID, 0, "Setuju"), (KASI, 0, "Setuju"), (KABID, 1, "Setuju")]


def wait_for(predicate, timeout: float, what: str, proc=None):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if proc is not None:
            assert proc.poll() is None, f"the daemon died (exit {proc.returncode}) while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def parsed(received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.data, policy=email.policy.default)


def can_mount() -> bool:
    probe = Path(f"/tmp/liputan-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], check=True)
        return ok
    except OSError:
        return False
    finally:
        probe.rmdir()


class Office:
    """A daemon on a config of its own, the mail it sent, and the people answering it."""

    def __init__(self, tmp_path: Path, dovecot, user: str, smtp, paths: dict | None = None,
                 extra: dict | None = None, office_path: bool = False):
        self.tmp, self.dovecot, self.user, self.smtp = tmp_path, dovecot, user, smtp
        paths = {"database": f"sqlite:///{tmp_path / 'liputan.db'}", **(paths or {})}
        self.url = paths["database"]
        self._factory = None
        self.cfg = write_config(
            tmp_path / "liputan.toml", imap_port=dovecot.port, smtp_port=smtp.port,
            database=paths.pop("database"), rules=REPO / "rules", user=user, paths=paths,
            mailbox={"timeout": 10, "idle_seconds": 10, "poll_seconds": 1},
            smtp={"username": "liputan@bengkaliskab.go.id", "password": "rahasia", "timeout": 10},
            extra={"status": {"heartbeat_seconds": 1, "stale_seconds": 6}, **(extra or {})})
        self.log_path = tmp_path / "daemon.log"
        self.office_path = office_path
        self.proc: subprocess.Popen | None = None
        self.letters = 0

    def start(self) -> None:
        env = dict(os.environ)
        if not self.office_path:  # letters as .docx only: no soffice on PATH
            env["PATH"] = str(self.tmp / "no-office")
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(self.cfg)],
                                     stdout=self.logf, stderr=subprocess.STDOUT, cwd=REPO, env=env)
        wait_for(lambda: RUNNING in self.log(), 60, "the daemon to run", self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> None:
        assert self.proc.poll() is None, f"the daemon died (exit {self.proc.returncode})"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "daemon.app.cli", *args, "-c", str(self.cfg)],
                              capture_output=True, text=True, cwd=REPO, timeout=60)

    def status(self) -> dict:
        done = self.cli("status", "--json")
        snap = json.loads(done.stdout)
        assert snap["exit_code"] == done.returncode
        return snap

    def factory(self):
        if self._factory is None:
            self._factory = sessions(make_engine(self.url))
        return self._factory

    def send_letter(self) -> str:
        """A request letter from a unit of its own, on Bengkalis island (no SPT); its sender."""
        i = self.letters
        self.letters += 1
        msg, _outside = request_letter(i * 12)  # every 12th letter is in Bantan (on the island)
        sender = msg["From"].addresses[0].addr_spec
        self.dovecot.append(self.user, "INBOX", msg.as_bytes(policy=email.policy.SMTP))
        return sender

    def mail_to(self, address: str, kind: str | None = None) -> list:
        return [parsed(m) for m in list(self.smtp.messages) if address in [a.lower() for a in m.rcpt_tos]
                and (kind is None or parsed(m)["X-Liputan-Kind"] == kind)]

    def tasks(self, code: str, who: str) -> list:
        seen, out = set(), []
        for m in self.mail_to(who, "task"):
            if f"[{code}]" in str(m["Subject"]) and str(m["Message-ID"]) not in seen:
                seen.add(str(m["Message-ID"]))
                out.append(m)
        return out

    def code_of(self, sender: str) -> str:
        def find():
            with self.factory()() as s:
                return s.scalar(select(Request.code).where(Request.requester_email == sender))
        return wait_for(find, 60, f"the request of {sender}", self.proc)

    def to_assignment(self, code: str, timeout: float = 90) -> None:
        """Every official answers "Setuju" until the team's assignment (step 10)."""
        for who, nth, text in APPROVED:
            task = wait_for(lambda: len(self.tasks(code, who)) > nth and self.tasks(code, who)[nth],
                            timeout, f"task {nth} to {who} on {code}", self.proc)
            self.dovecot.append(self.user, "INBOX", reply(task, who, text).as_bytes(policy=email.policy.SMTP))
        wait_for(lambda: self.step(code) == 10, timeout, f"{code} at step 10", self.proc)

    def step(self, code: str) -> int | None:
        with self.factory()() as s:
            return s.scalar(select(Request.step).where(Request.code == code))

    def inbox_count(self) -> int:
        imap = self.dovecot.client(self.user)
        try:
            return imap.select_folder("INBOX", readonly=True)[b"EXISTS"]
        finally:
            imap.logout()


def problem_codes(snap: dict) -> set[str]:
    return {p["code"] for p in snap.get("problems", [])}


# ---- (c) the converter hung ---------------------------------------------------------------------

def office_processes(state: Path) -> dict[int, str]:
    from daemon.paperwork.pdf import group_pids
    try:
        pgid = int((state / "libreoffice" / "server.pid").read_text())
    except (OSError, ValueError):
        return {}
    return group_pids(pgid)


def attachment_names(msg) -> list[str]:
    return [p.get_filename() for p in msg.iter_attachments() if p.get_filename()]


@pytest.mark.timeout(240)
def test_a_hung_converter_is_killed_the_letter_goes_out_and_the_office_restarts(
        dovecot, mailbox_user, smtp, tmp_path):
    from daemon.paperwork.pdf import default_converter
    if not default_converter().available() or default_converter().mode != "unoserver":
        pytest.skip("needs LibreOffice with unoserver (the long-lived converter)")
    timeout = 8
    office = Office(tmp_path, dovecot, mailbox_user, smtp, office_path=True,
                    extra={"pdf": {"convert_timeout_seconds": timeout}})
    office.start()
    state = tmp_path / "state"
    try:
        first = office.code_of(office.send_letter())
        task = wait_for(lambda: office.tasks(first, KADIS), 90, "the first task mail", office.proc)[0]
        assert any(n.endswith(".pdf") for n in attachment_names(task)), attachment_names(task)
        pid = office.proc.pid
        # ---- the office hangs: its soffice.bin stopped --------------------------------------
        soffice = [p for p, comm in office_processes(state).items() if comm == "soffice.bin"]
        assert soffice, office_processes(state)
        os.kill(soffice[0], signal.SIGSTOP)
        began = time.monotonic()
        second_sender = office.send_letter()
        second = office.code_of(second_sender)
        # other mail flows meanwhile: the acknowledgement to the requester needs no letter
        wait_for(lambda: office.mail_to(second_sender), 30, "the acknowledgement", office.proc)
        assert not office.tasks(second, KADIS), "the task mail went out before its letter was made"
        task = wait_for(lambda: office.tasks(second, KADIS), timeout + 40, "the second task mail",
                        office.proc)[0]
        waited = time.monotonic() - began
        names = attachment_names(task)
        assert any(n.endswith(".docx") for n in names) and not any(n.endswith(".pdf") for n in names), names
        assert soffice[0] not in office_processes(state), "the hung office was not killed"
        snap = office.status()
        assert snap["converter"]["ok"] is False and "converter_failing" in problem_codes(snap), snap
        assert snap["exit_code"] == 1 and snap["daemon"]["pid"] == pid
        text = office.cli("status").stdout
        assert "PDF" in text, text
        assert office.log().count(f"took over {timeout}") == 1, "the log says the hang once"
        # ---- the next letter restarts the office and has its PDF again -------------------------
        third = office.code_of(office.send_letter())
        task = wait_for(lambda: office.tasks(third, KADIS), 120, "the third task mail", office.proc)[0]
        assert any(n.endswith(".pdf") for n in attachment_names(task)), attachment_names(task)
        snap = wait_for(lambda: (s := office.status())["exit_code"] == 0 and s, 20, "status all well")
        assert snap["converter"]["ok"] is True and snap["daemon"]["pid"] == pid
        assert [p for p, comm in office_processes(state).items() if comm == "soffice.bin"] != soffice
        print(f"hung converter: the letter went out as .docx {waited:.1f} s after the letter came "
              f"(timeout {timeout} s)")
    finally:
        office.stop()
        from test_crash import _kill_office
        _kill_office(state / "libreoffice")
