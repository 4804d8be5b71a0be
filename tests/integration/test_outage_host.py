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
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)], check=False,
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

    def status(self) -> tuple[dict, str]:
        """`liputan status --json` and `liputan status` as the operator runs them (side by side)."""
        cmd = [sys.executable, "-m", "daemon.app.cli", "status", "-c", str(self.cfg)]
        procs = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True, cwd=REPO) for c in (cmd + ["--json"], cmd)]
        (out, _), (text, _) = (p.communicate(timeout=60) for p in procs)
        snap = json.loads(out)
        assert snap["exit_code"] == procs[0].returncode == procs[1].returncode
        return snap, text

    def snap(self) -> dict:
        """The same status read in-process (the command's start-up costs seconds on a busy machine)."""
        from daemon.app import status
        from daemon.core.config import load_config
        return status.read(load_config(self.cfg))

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

    def to_assignment(self, code: str, answers=APPROVED, timeout: float = 90) -> None:
        """The officials answer "Setuju" (by default until the team's assignment, step 10)."""
        for who, nth, text in answers:
            def task(who=who, nth=nth):
                got = self.tasks(code, who)
                return len(got) > nth and got[nth]
            got = wait_for(task, timeout, f"task {nth} to {who} on {code}", self.proc)
            self.dovecot.append(self.user, "INBOX", reply(got, who, text).as_bytes(policy=email.policy.SMTP))
        if answers[-1] == APPROVED[-1]:
            wait_for(lambda: self.step(code) == 10, timeout, f"{code} at step 10", self.proc)

    def team_of(self, code: str) -> str:
        """The first team member's address of a request (as assigned)."""
        with self.factory()() as s:
            team = s.scalar(select(Request.team).where(Request.code == code))
        return team[0]["email"]

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
    timeout = 6
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
        snap, text = office.status()
        assert snap["converter"]["ok"] is False and "converter_failing" in problem_codes(snap), snap
        assert snap["exit_code"] == 1 and snap["daemon"]["pid"] == pid
        assert "PDF" in text, text
        assert office.log().count(f"took over {timeout}") == 1, "the log says the hang once"
        # ---- the next letter restarts the office and has its PDF again -------------------------
        third = office.code_of(office.send_letter())
        task = wait_for(lambda: office.tasks(third, KADIS), 120, "the third task mail", office.proc)[0]
        assert any(n.endswith(".pdf") for n in attachment_names(task)), attachment_names(task)
        snap = wait_for(lambda: (s := office.snap())["exit_code"] == 0 and s, 60, "status all well")
        assert snap["converter"]["ok"] is True and snap["daemon"]["pid"] == pid
        assert [p for p, comm in office_processes(state).items() if comm == "soffice.bin"] != soffice
        print(f"hung converter: the letter went out as .docx {waited:.1f} s after the letter came "
              f"(timeout {timeout} s)")
    finally:
        office.stop()
        from test_crash import _kill_office
        _kill_office(state / "libreoffice")


# ---- (a) the database's disk full ---------------------------------------------------------------

def fill(folder: Path) -> Path:
    """Fill the filesystem of `folder` to the last byte with one file; returns it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096):  # megabytes, then the last pages
            block = b"\0" * size
            try:
                while True:
                    os.write(fd, block)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.timeout(240)
def test_the_database_disk_full_loses_no_mail_and_catches_up(dovecot, mailbox_user, smtp, tmp_path):
    if not can_mount():
        pytest.skip("no tmpfs mount here (needs root in a namespace that allows it)")
    disk, state_disk = tmp_path / "disk", tmp_path / "state"
    for folder in (disk, state_disk):  # the database's disk, and the state folder's (raw mail)
        folder.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], check=True)
    from test_status import scrape

    from daemon.paperwork.pdf import free_port
    port = free_port()
    office = Office(tmp_path, dovecot, mailbox_user, smtp,
                    paths={"database": f"sqlite:///{disk / 'liputan.db'}", "state": str(state_disk)},
                    extra={"metrics": {"listen": f"127.0.0.1:{port}"}})
    try:
        office.start()
        pid = office.proc.pid
        first = office.send_letter()
        office.code_of(first)
        wait_for(lambda: office.mail_to(first), 30, "the first acknowledgement", office.proc)
        wait_for(lambda: office.tasks(office.code_of(first), KADIS), 30, "the first task", office.proc)
        wait_for(lambda: office.inbox_count() == 0, 30, "the first letter filed", office.proc)
        # ---- first the state folder's disk: the database still takes the heartbeat ----------
        fillers = [fill(state_disk)]
        senders = [office.send_letter()]
        began = time.monotonic()
        snap = wait_for(lambda: (s := office.snap())["mailbox"]["state"] == "cannot_store" and s, 30,
                        "status to say mail cannot be stored", office.proc)
        assert snap["daemon"]["up"] and snap["exit_code"] == 1, snap
        assert {"mailbox_cannot_store", "disk_full"} <= problem_codes(snap), snap["problems"]
        assert "No space left" in snap["mailbox"]["error"]
        # ---- then the database's disk too ------------------------------------------------
        fillers.append(fill(disk))
        senders += [office.send_letter() for _ in range(2)]
        wait_for(lambda: [p["what"] for p in office.snap()["disk"]["places"] if p["level"] == "full"]
                 == ["state", "database"], 30, "status to say the database's disk is full", office.proc)
        snap, text = office.status()
        print("status while full:", snap["exit_code"], [p["message"] for p in snap["problems"]])
        assert snap["exit_code"] != 0 and snap["disk"]["ok"] is False, snap
        metrics = scrape(port)  # the daemon's own endpoint reads the same, disk full or not
        assert metrics['liputan_disk_free_bytes{what="database"}'] < 1 << 20, metrics
        assert "PENUH" in text, text
        time.sleep(5)  # a while full: nothing lost, the log does not flood
        office.alive()
        assert office.proc.pid == pid
        assert office.inbox_count() == 3, "the letters stay in the mailbox while they cannot be stored"
        assert not any(office.mail_to(s) for s in senders)
        full_lines = [line for line in office.log().splitlines() if line[:2] == "20"
                      and ("no space left" in line.lower() or "disk is full" in line.lower())]
        print(f"{len(full_lines)} log lines about the full disk in {time.monotonic() - began:.0f} s:")
        print("\n".join(full_lines))
        assert 1 <= len(full_lines) <= 4, full_lines  # once per worker that met it, not per retry
        # ---- space comes back ---------------------------------------------------------------
        for filler in fillers:
            filler.unlink()
        back = time.monotonic()
        for sender in senders:
            wait_for(lambda sender=sender: office.mail_to(sender), 60, f"the acknowledgement to {sender}",
                     office.proc)
        caught_up = time.monotonic() - back
        snap = wait_for(lambda: (s := office.snap())["exit_code"] == 0 and s, 30, "status all well",
                        office.proc)
        assert snap["daemon"]["pid"] == pid
        with office.factory()() as s:
            assert s.scalar(select(func.count()).select_from(Request)) == 4
            assert dict(s.execute(select(Inbound.status, func.count()).group_by(Inbound.status)).all()) == {"done": 4}
        print(f"disk full: caught up {caught_up:.1f} s after the space came back")
    finally:
        office.stop()
        for folder in (disk, state_disk):
            subprocess.run(["umount", "-l", str(folder)], check=False)


# ---- (b) the shared folder unmounted ------------------------------------------------------------

def unmount(mnt: Path, attempts: int = 25) -> None:
    """umount, again while "target is busy" (a folder of the share open in the daemon at that
    instant); still busy after 5 s, detached lazily (`umount -l`), as a share that drops away
    under open files: the local folder shows at once, what was open stays on the gone share."""
    for _ in range(attempts):
        if subprocess.run(["umount", str(mnt)], check=False, capture_output=True).returncode == 0:
            return
        time.sleep(0.2)
    subprocess.run(["umount", "-l", str(mnt)], check=True)


def accepted_files(office: Office) -> list[str]:
    with office.factory()() as s:
        return sorted(s.scalars(select(DeliveryFile.relpath).where(DeliveryFile.status == "accepted")))


@pytest.mark.timeout(240)
def test_an_unmounted_share_is_reported_and_taken_up_again_when_it_is_back(
        dovecot, mailbox_user, smtp, tmp_path):
    if not can_mount():
        pytest.skip("no bind mount here (needs root in a namespace that allows it)")
    from harness import jpeg
    server, mnt = tmp_path / "fileserver", tmp_path / "hasil-liputan"
    server.mkdir()
    mnt.mkdir()
    subprocess.run(["mount", "--bind", str(server), str(mnt)], check=True)
    office = Office(tmp_path, dovecot, mailbox_user, smtp, extra={"delivery": {
        "observer": "inotify", "stable_seconds": 0.5, "rescan_seconds": 2, "settle_seconds": 60}})
    try:
        office.start()
        pid = office.proc.pid
        first = office.code_of(office.send_letter())
        second = office.code_of(office.send_letter())
        office.to_assignment(first)
        office.to_assignment(second, APPROVED[:-1])
        folder_a = wait_for(lambda: list((server / "2026").glob(f"{first} *")), 30, "the first folder")[0]
        # ---- the share goes away: an empty local folder is left in its place ---------------
        unmount(mnt)
        assert list(mnt.iterdir()) == []
        wait_for(lambda: office.snap()["folder"]["ok"] is False, 60, "status to say the share is away",
                 office.proc)
        snap, text = office.status()
        assert snap["folder"]["code"] == "unmounted" and "folder_unreachable" in problem_codes(snap), snap
        assert snap["exit_code"] == 1 and snap["daemon"]["pid"] == pid
        assert "share tidak terpasang" in text, text
        # an assignment made meanwhile still goes out, naming the folder; nothing is written locally
        office.to_assignment(second, APPROVED[-1:])
        wait_for(lambda: [m for m in office.mail_to(office.team_of(second), "assignment")
                          if f"[{second}]" in str(m["Subject"])], 30, "the second assignment", office.proc)
        assert list(mnt.iterdir()) == [], "written into the local folder in place of the share"
        (folder_a / "foto-saat-share-lepas.jpg").write_bytes(jpeg())  # on the file server meanwhile
        time.sleep(2)
        assert accepted_files(office) == []
        # ---- mounted again ------------------------------------------------------------------
        subprocess.run(["mount", "--bind", str(server), str(mnt)], check=True)
        back = time.monotonic()
        folder_b = wait_for(lambda: list((mnt / "2026").glob(f"{second} *")), 60, "the second folder made")[0]
        (folder_b / "foto-setelah-kembali.jpg").write_bytes(jpeg((20, 120, 40)))
        expected = sorted([f"2026/{folder_a.name}/foto-saat-share-lepas.jpg",
                           f"2026/{folder_b.name}/foto-setelah-kembali.jpg"])
        wait_for(lambda: accepted_files(office) == expected, 30, "both files taken", office.proc)
        caught_up = time.monotonic() - back
        snap = wait_for(lambda: (s := office.snap())["exit_code"] == 0 and s, 60, "status all well")
        assert snap["folder"]["ok"] is True and snap["daemon"]["pid"] == pid
        log = office.log()
        assert log.count("shared folder away") == 1 and log.count("is back") == 1, "once per outage"
        assert log.count("shared folder check fails") == 1
        print(f"share unmounted: both files taken {caught_up:.1f} s after it was mounted again")
    finally:
        office.stop()
        subprocess.run(["umount", "-l", str(mnt)], check=False)
