"""Mail outages, end to end with `liputan run`: the IMAP server stopped while letters and replies
arrive, and the SMTP server answering 421, then 451, then refusing connections, then back.
Through each the daemon keeps running (same pid), `liputan status` and the log say what is wrong
(once per outage), and afterwards it catches up with nothing lost and nothing sent twice; a 550
for one address fails only the mail to that address, with its reason.

LIPUTAN_OUTAGE_SECONDS sets how long the IMAP server stays down (default 20; 60 is "a minute",
the long mode) and the length of each SMTP phase (a third of it, at least 6 s). The time from the
server's return to the backlog caught up is printed (`-s` shows it)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_crash import RUNNING, Mail, Office, count, quiet, start

from daemon.app import status
from daemon.core.config import load_config
from daemon.core.db import make_engine, sessions, upgrade
from daemon.core.models import Event, Inbound, Job, Outbox, Request, utcnow
from daemon.devservers import free_port
from daemon.devservers.config import write_config
from daemon.devservers.dovecot import Dovecot
from daemon.devservers.smtp import SmtpCapture

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "bengkaliskab.go.id"
USER, PASSWORD = f"liputan@{DOMAIN}", "rahasia"
OUTAGE = float(os.environ.get("LIPUTAN_OUTAGE_SECONDS", "20"))
PHASE = max(6.0, OUTAGE / 3)
RETRY_MAX = 5  # [mailbox] and [smtp] retry_max_seconds here (default 30): the catch-up's bound
REFUSED = f"unit02@{DOMAIN}"  # the SMTP server refuses this address for good (550 at RCPT)


class MaildirOffice(Office):
    """The office stream; while Dovecot is down its mail is delivered into the Maildir, as the
    MTA would go on delivering while the IMAP server is away."""

    def __init__(self, dovecot: Dovecot, *args, **kwargs):
        super().__init__(dovecot, USER, *args, **kwargs)
        self.down = False

    def _append(self, raws: list[bytes]) -> None:
        if not raws:
            return
        if not self.down:
            return super()._append(raws)
        import pwd
        box = self.dovecot.base / "mail" / USER
        pw = pwd.getpwnam("dovecot")
        for raw in raws:
            name = f"{time.time_ns()}.M{random.randrange(10**6)}P{os.getpid()}.outage-test"
            tmp = box / "tmp" / name
            tmp.write_bytes(raw)
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
            tmp.replace(box / "new" / name)
            self.appended += 1


@pytest.fixture
def servers(server_dir: Path, tmp_path: Path):
    """A Dovecot and an SMTP capture of this test's own: they are stopped and started here."""
    dovecot = Dovecot(server_dir / "dovecot", users={USER: PASSWORD}).start()
    smtp = SmtpCapture(port=free_port(), maildir_path=tmp_path / "smtp").start()
    try:
        yield dovecot, smtp
    finally:
        smtp.stop()
        dovecot.stop()


class Run:
    """One daemon on the servers, with its database, its log and the office's stream."""

    def __init__(self, tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, daemons, letters: int,  # noqa: ANN001
                 retry_max: float = RETRY_MAX):
        url = f"sqlite:///{tmp_path / 'liputan.db'}"
        self.engine = make_engine(url)
        upgrade(self.engine)
        self.factory = sessions(self.engine)
        (tmp_path / "hasil-liputan").mkdir()
        self.cfg_path = write_config(
            tmp_path / "liputan.toml", imap_port=dovecot.port, smtp_port=smtp.port, database=url,
            rules=REPO / "rules", user=USER,
            mailbox={"timeout": 5, "idle_seconds": 10, "poll_seconds": 1, "retry_max_seconds": retry_max},
            smtp={"username": USER, "password": PASSWORD, "timeout": 5, "retry_max_seconds": retry_max},
            extra={"status": {"heartbeat_seconds": 1}})
        self.cfg = load_config(self.cfg_path)
        self.log_path = tmp_path / "daemon.log"
        self.log = open(self.log_path, "w")
        self.mail = Mail(smtp)
        self.office = MaildirOffice(dovecot, self.mail, self.factory, random.Random(13), n=letters)
        self.office.rejected = {1}  # one refusal, the rest approved through step 10
        self.proc = start(daemons, self.cfg_path, self.log)

    def alive(self) -> None:
        assert self.proc.poll() is None, f"the daemon died (exit {self.proc.returncode})"

    def pump(self, seconds: float, until=None, answer: bool = True) -> float:  # noqa: ANN001
        """Answer the office's mail for `seconds` or until `until()`; returns when it ended."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.alive()
            if answer:
                self.office.answer()
            if until is not None and until():
                break
            time.sleep(0.2)
        return time.monotonic()

    def status(self) -> dict:
        return status.read(self.cfg)

    def commands(self) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        """`liputan status` and `liputan status --json`, run side by side."""
        procs = [subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "status", "-c", str(self.cfg_path),
                                   *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
                 for extra in ((), ("--json",))]
        out = []
        for p in procs:
            stdout, stderr = p.communicate(timeout=60)
            out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
        return out[0], out[1]

    def log_size(self) -> int:
        self.log.flush()
        return self.log_path.stat().st_size

    def log_between(self, start_at: int, end_at: int) -> list[str]:
        with open(self.log_path, "rb") as f:
            f.seek(start_at)
            return f.read(end_at - start_at).decode(errors="replace").splitlines()

    def backlog(self, back_at: float, timeout: float = 120) -> tuple[float, float]:
        """Seconds from the server's return until what arrived before it is stored and handled and
        the mail it caused is sent, and until those messages are filed out of the INBOX too (the
        mailbox files every 10 s while idle); the office answers nothing new meanwhile."""
        appended = self.office.appended

        def handled() -> bool:
            f = self.factory
            return (count(f, Inbound) == appended and count(f, Inbound, Inbound.status.in_(("new", "waiting"))) == 0
                    and count(f, Job, Job.state == "running") == 0
                    and count(f, Job, Job.state == "queued", Job.next_run_at <= utcnow()) == 0
                    and count(f, Outbox, Outbox.status.in_(("waiting", "queued", "sending"))) == 0)
        end = self.pump(timeout, handled, answer=False)
        assert handled(), "the backlog was not caught up"
        filed = self.pump(timeout, lambda: quiet(self.factory), answer=False)
        assert quiet(self.factory), "the backlog was not filed"
        return end - back_at, filed - back_at

    def catch_up(self, timeout: float = 150) -> float:
        """Send the rest of the letters and answer until every request is where its replies lead."""
        def done() -> bool:
            self.office.send_letters(self.office.n)
            return self.office.finished() and quiet(self.factory)
        end = self.pump(timeout, done)
        assert done(), ("not caught up", self.office.plan)
        return end

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            assert self.proc.wait(timeout=15) == 0
        self.log.close()
        self.engine.dispose()


def nothing_lost(run: Run) -> Counter:
    """Every letter one request, every message handled once, none quarantined; each Message-ID
    reached the SMTP server exactly once. Returns the outbox statuses."""
    f = run.factory
    with f() as s:
        requests = s.execute(select(Request.code, Request.requester_email, Request.state, Request.step)).all()
        statuses = dict(s.execute(select(Inbound.status, func.count()).group_by(Inbound.status)).all())
        received = Counter(s.scalars(select(Event.request_id).where(Event.kind == "received")))
        decided = Counter(s.execute(select(Event.request_id, Event.step, Event.actor)
                                    .where(Event.kind == "decided")).all())
        outbox = s.execute(select(Outbox.message_id, Outbox.status)).all()
    assert len(requests) == run.office.n == len(received) and set(received.values()) == {1}
    wrong = [(code, st, step) for code, who, st, step in requests
             if (st, step if st == "open" else None) != (
                 ("rejected", None) if run.office.senders[who] in run.office.rejected else ("open", 10))]
    assert wrong == []
    assert statuses == {"done": run.office.appended}, statuses  # nothing quarantined, nothing left
    assert [k for k, v in decided.items() if v != 1] == []
    sent = Counter(str(m["Message-ID"]) for _, m in run.mail.all())
    assert {mid for mid, n in sent.items() if n != 1} == set(), "a mail reached the server twice"
    assert set(sent) == {mid for mid, st in outbox if st == "sent"}
    return Counter(st for _, st in outbox)


@pytest.mark.timeout(600)
def test_the_imap_server_stopped_while_letters_and_replies_arrive(servers, tmp_path, daemons):
    dovecot, smtp = servers
    run = Run(tmp_path, dovecot, smtp, daemons, letters=4)
    pid = run.proc.pid
    try:
        run.pump(60, lambda: RUNNING in run.log_path.read_text())
        run.office.send_letters(3)
        run.pump(60, lambda: len(run.mail.all()) >= 6)  # acknowledgements and the Kadis's tasks
        # ---- the IMAP server goes away; letters and replies keep arriving in its store --------
        log_from = run.log_size()
        dovecot.stop()
        run.office.down, down_at = True, time.monotonic()
        run.pump(OUTAGE / 3)
        run.office.send_letters(2)
        run.pump(OUTAGE / 3, lambda: run.status()["mailbox"]["state"] == "away")  # the heartbeat says
        snap = run.status()
        assert snap["mailbox"]["state"] == "away" and snap["mailbox"]["error"], snap["mailbox"]
        assert "mailbox_away" in [p["code"] for p in snap["problems"]] and snap["exit_code"] == status.FAILING
        text, js = run.commands()
        assert text.returncode == js.returncode == status.FAILING
        assert "kotak surat terputus" in text.stdout, text.stdout
        assert json.loads(js.stdout)["mailbox"]["state"] == "away"
        assert json.loads(js.stdout)["daemon"]["pid"] == pid
        run.pump(max(0.0, OUTAGE - (time.monotonic() - down_at)))
        # ---- back, on the same port with the same mail store ------------------------------
        log_to = run.log_size()
        dovecot.start()
        run.office.down, back_at, back_wall = False, time.monotonic(), datetime.now(timezone.utc)
        waiting = run.office.appended - count(run.factory, Inbound)
        backlog, filed = run.backlog(back_at)
        connected = run.status()["mailbox"]
        assert connected["state"] == "connected"
        reconnected = (datetime.fromisoformat(connected["since"]) - back_wall).total_seconds()
        run.catch_up()
        assert run.proc.pid == pid and run.proc.poll() is None
        lines = run.log_between(log_from, log_to)
        away = [line for line in lines if "mailbox" in line and ("WARNING" in line or "ERROR" in line)]
        assert 1 <= len(away) <= 2, away  # the connection lost; not one line per retry
        after = run.log_between(log_to, run.log_size())
        assert sum("back after" in line for line in after) == 1, after[:20]
        final = run.status()
        assert final["mailbox"]["state"] == "connected" and final["exit_code"] == status.OK, final["problems"]
        outbox = nothing_lost(run)
        assert set(outbox) == {"sent"}, outbox
        print(f"\nIMAP server down {OUTAGE:.0f} s: {len(lines)} log lines during it ({len(away)} about the "
              f"mailbox); back -> mailbox reconnected in {reconnected:.1f} s, the {waiting} message(s) "
              f"that arrived meanwhile stored, handled and answered in {backlog:.1f} s, filed in "
              f"{filed:.1f} s ([mailbox] "
              f"retry_max_seconds = {RETRY_MAX}); in all {run.office.appended} messages, "
              f"{len(run.mail.all())} mails, each sent once")
    finally:
        run.stop()


def _smtp_error(run: Run, word: str, seconds: float) -> dict:
    """Answer mail until `liputan status` shows the SMTP server failing with `word` in its error."""
    def shows() -> bool:
        srv = run.status()["outbox"]["server"]
        return srv["ok"] is False and word in (srv["error"] or "")
    run.pump(seconds, shows)
    snap = run.status()
    assert shows(), snap["outbox"]
    return snap


@pytest.mark.timeout(600)
def test_smtp_answering_421_then_451_then_refusing_then_back(servers, tmp_path, daemons):
    dovecot, smtp = servers
    smtp.fail_next(550, times=-1, stage="RCPT", address=REFUSED, message="5.1.1 No such user")
    run = Run(tmp_path, dovecot, smtp, daemons, letters=4)
    pid = run.proc.pid
    try:
        run.pump(60, lambda: RUNNING in run.log_path.read_text())
        run.office.send_letters(1)
        run.pump(60, lambda: len(run.mail.all()) >= 2)
        log_from, began = run.log_size(), time.monotonic()
        # ---- 421 to MAIL FROM: the server closes every session --------------------------------
        smtp.fail_next(421, times=-1, stage="MAIL", message="4.3.2 Service not available, closing channel")
        run.office.send_letters(1)
        snap = _smtp_error(run, "421", PHASE + RETRY_MAX * 2)
        assert "smtp_failing" in [p["code"] for p in snap["problems"]] and snap["exit_code"] == status.FAILING
        waiting = snap["outbox"]["queued"] + snap["outbox"]["sending"]
        assert waiting >= 1 and f"{waiting} mail(s) wait" in \
            next(p["message"] for p in snap["problems"] if p["code"] == "smtp_failing")
        text, js = run.commands()
        assert text.returncode == js.returncode == status.FAILING
        assert "server surat keluar gagal" in text.stdout and "421" in text.stdout, text.stdout
        assert json.loads(js.stdout)["outbox"]["server"]["ok"] is False
        run.pump(max(0.0, PHASE - (time.monotonic() - began)))
        # ---- 451 to DATA (temporary) ---------------------------------------------------------
        smtp.fail_next(451, times=-1, stage="DATA", message="4.3.0 Temporary local problem")
        smtp.heal(stage="MAIL")
        run.office.send_letters(1)
        _smtp_error(run, "451", PHASE + RETRY_MAX * 2)
        run.pump(PHASE / 2)
        # ---- the server stopped: connections refused ----------------------------------------
        smtp.stop()
        smtp.heal(stage="DATA")
        run.office.send_letters(1)
        snap = _smtp_error(run, "connect", PHASE + RETRY_MAX * 2)
        assert snap["outbox"]["queued"] + snap["outbox"]["sending"] >= waiting
        run.pump(PHASE / 2)
        assert run.proc.pid == pid
        # ---- back ------------------------------------------------------------------------------
        log_to = run.log_size()
        with run.factory() as s:
            waiting = s.scalar(select(func.count()).select_from(Outbox)
                               .where(Outbox.status.in_(("queued", "sending"))))
        smtp.start()
        back_at = time.monotonic()
        backlog, _ = run.backlog(back_at)
        run.catch_up()
        assert run.proc.pid == pid and run.proc.poll() is None
        lines = run.log_between(log_from, log_to)
        failing = [line for line in lines if "is failing" in line]
        assert len(failing) == 1, failing  # one outage, one warning: not a line per retry
        noisy = [line for line in lines if any(w in line for w in ("421", "451", "refused", "cannot connect"))]
        assert len(noisy) <= 2, noisy
        after = run.log_between(log_to, run.log_size())
        assert sum("takes mail again" in line for line in after) == 1
        final = run.status()
        assert final["outbox"]["server"]["ok"] is True, final["outbox"]
        # ---- only the mail to the refused address failed, with its reason, and was reported -----
        outbox = nothing_lost(run)
        with run.factory() as s:
            failed = s.execute(select(Outbox.id, Outbox.recipients, Outbox.last_error)
                               .where(Outbox.status == "failed")).all()
        alerts = count(run.factory, Outbox, Outbox.kind == "alert", Outbox.status == "sent")
        assert failed and all(r == [REFUSED] and "550" in (e or "") for _, r, e in failed), failed
        assert alerts == len(failed) and set(outbox) == {"sent", "failed"}, outbox
        assert [p["code"] for p in final["problems"]] == ["outbox_failed"], final["problems"]
        print(f"\nSMTP 421 / 451 / stopped for {back_at - began:.0f} s: {len(lines)} log lines during it "
              f"({len(failing)} warning about the server); back -> the {waiting} waiting mail(s) sent in "
              f"{backlog:.1f} s ([smtp] retry_max_seconds = {RETRY_MAX}); in all {sum(outbox.values())} "
              f"mails, each sent once, {len(failed)} refused for good (550)")
    finally:
        run.stop()
