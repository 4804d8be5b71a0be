"""`liputan status` against a real daemon on a real Dovecot: up and connected, the mailbox away
with its error when Dovecot stops, down once the daemon is stopped or killed; the Prometheus
endpoint scraped over HTTP; the queues' figures read from a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator

import pytest

from daemon.app import human, status
from daemon.app.heartbeat import FolderProbe, HeartbeatWriter
from daemon.core.config import Config
from daemon.core.models import Heartbeat, Job, Outbox, Request, Task, utcnow
from daemon.devservers.dovecot import Dovecot
from daemon.mail import health

pytestmark = pytest.mark.integration
OFFICE = "liputan@bengkaliskab.go.id"


def liputan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon.app.cli", *args], capture_output=True,
                          text=True, timeout=60)


def status_of(path: str) -> tuple[int, dict]:
    out = liputan("status", "-c", path, "--json")
    assert out.stderr == ""  # no library chatter, no traceback
    return out.returncode, json.loads(out.stdout)


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, every: float = 0.5) -> object:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met in time (last: {last!r})")


def state_reached(cfg: Config, part: str, state: str, timeout: float = 60.0) -> None:
    """Wait, reading the status in this process (not a CLI start per poll), for a state that
    stays until the test changes something; the CLI is then asked what it shows."""
    wait_for(lambda: status.read(cfg)[part]["state"] == state, timeout, every=0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[str, float]:
    """The endpoint's samples, as `name{labels}` -> value."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line.startswith("liputan_")}


@pytest.fixture
def own_dovecot(server_dir: Path) -> Iterator[Dovecot]:
    """A Dovecot of this test's own, which it stops."""
    server = Dovecot(server_dir, users={OFFICE: "rahasia"})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def daemon_config(own_dovecot: Dovecot, make_config: Callable[..., Config]) -> tuple[Config, int]:
    port = free_port()
    cfg = make_config(imap_port=own_dovecot.port, imap_user=OFFICE, extra={
        "status": {"heartbeat_seconds": 1, "stale_seconds": 4},
        "metrics": {"listen": f"127.0.0.1:{port}"}})
    return cfg, port


def kill_converter(cfg: Config) -> None:
    """The LibreOffice (unoserver's process group) that a SIGKILLed daemon leaves running."""
    try:
        pgid = int((Path(cfg.paths.state) / "libreoffice" / "server.pid").read_text())
        cmdline = Path(f"/proc/{pgid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return
    if "unoserver" in cmdline and str(cfg.paths.state) in cmdline:  # ours, not a reused pid
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def stop(proc: subprocess.Popen, cfg: Config) -> None:
    """Stop the daemon as an operator does (SIGTERM), killing it only if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    kill_converter(cfg)


def start(cfg: Config, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`liputan run`; `env` = conftest's no_office_env where LibreOffice is beside the point."""
    log = open(tmp_path / "daemon.log", "w")
    return subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(cfg.source)],
                            stdout=log, stderr=subprocess.STDOUT, text=True, env=env)


def test_status_follows_the_daemon_up_mailbox_away_and_killed(daemon_config, own_dovecot, tmp_path):
    cfg, port = daemon_config
    path = str(cfg.source)
    code, snap = status_of(path)
    assert code == status.DOWN and snap["daemon"]["state"] == "never"
    proc = start(cfg, tmp_path)
    try:
        def connected(timeout: float = 60.0):
            state_reached(cfg, "mailbox", "connected", timeout)
            code, snap = status_of(path)
            assert snap["mailbox"]["state"] == "connected", snap
            return code, snap
        code, snap = connected()
        assert code == status.OK, snap["problems"]
        assert snap["daemon"]["up"] is True and snap["daemon"]["pid"] == proc.pid
        assert snap["daemon"]["host"] == socket.gethostname()
        assert snap["folder"]["ok"] is True and snap["problems"] == []
        text = liputan("status", "-c", path)
        assert text.returncode == 0
        assert "Liputan      : BERJALAN" in text.stdout and "Kotak surat  : tersambung" in text.stdout
        assert "Semua baik." in text.stdout
        metrics = wait_for(lambda: (m := scrape(port)).get("liputan_mailbox_connected") == 1.0 and m)
        assert metrics["liputan_up"] == 1.0 and metrics["liputan_status_code"] == 0.0
        assert metrics['liputan_outbox_messages{status="retrying"}'] == 0.0
        assert metrics["liputan_shared_folder_ok"] == 1.0

        own_dovecot.stop()  # the IMAP server goes away: status says so, with the error

        state_reached(cfg, "mailbox", "away")
        code, snap = status_of(path)
        assert snap["mailbox"]["state"] == "away", snap
        assert code == status.FAILING and snap["daemon"]["up"] is True
        assert snap["mailbox"]["error"]
        assert [p["code"] for p in snap["problems"]] == ["mailbox_away"]
        text = liputan("status", "-c", path)
        assert text.returncode == 1 and "Kotak surat  : TERPUTUS" in text.stdout
        assert "kotak surat: kotak surat terputus: " in text.stdout
        assert wait_for(lambda: scrape(port)["liputan_mailbox_connected"] == 0.0 or None)
        assert scrape(port)["liputan_status_code"] == 1.0

        own_dovecot.start()  # back: the worker reconnects (backoff) and status is clean again
        code, snap = connected(90)
        assert code == status.OK and snap["mailbox"]["error"] is None

        proc.kill()  # no goodbye: the heartbeat goes stale
        proc.wait(10)
        kill_converter(cfg)
        state_reached(cfg, "daemon", "stale", 30)
        code, snap = status_of(path)
        assert snap["daemon"]["state"] == "stale", snap
        assert code == status.DOWN and snap["daemon"]["up"] is False
        assert snap["mailbox"]["state"] == "unknown"
        assert [p["code"] for p in snap["problems"]] == ["stale"]
        text = liputan("status", "-c", path)
        assert text.returncode == 3 and "MATI (tidak ada detak)" in text.stdout
    finally:
        stop(proc, cfg)


def test_a_daemon_stopped_by_sigterm_is_down_at_once(config, tmp_path, no_office_env):
    path = str(config.source)
    proc = start(config, tmp_path, no_office_env)
    try:
        wait_for(lambda: status.read(config)["daemon"]["up"], every=0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0  # (the stop cap of test_service: a loaded machine)
        code, snap = status_of(path)  # no waiting for staleness: it said goodbye
        assert code == status.DOWN and snap["daemon"]["state"] == "stopped"
        assert snap["daemon"]["stopped_at"] is not None
        assert "BERHENTI" in liputan("status", "-c", path).stdout
    finally:
        stop(proc, config)


def test_smtp_answering_451_shows_as_failing_sends_until_it_recovers(make_config, dovecot, mailbox_user, smtp,
                                                                      tmp_path, no_office_env):
    """Issue 13's outage: the SMTP server answers 451; status names the failing sends and the
    server's answer, exit 1; once it accepts again the retry sends them and status is clean."""
    import email.policy

    from harness import letter
    from test_workflow_bodies import BANTAN
    # the failing server probed every 2 s at most (default 30): the recovery is seen without
    # waiting out a 30 s pause; every probe before smtp.clear() still gets the 451
    config = make_config(smtp={"retry_max_seconds": 2})
    path = str(config.source)
    smtp.fail_next(451, times=-1, message="Mailbox busy, try again later")
    proc = start(config, tmp_path, no_office_env)  # (the letter as .docx: no office start to wait for)
    try:
        dovecot.append(mailbox_user, "INBOX", letter(
            "camat.bantan@bengkaliskab.go.id", "Permohonan peliputan Musrenbang", BANTAN
        ).as_bytes(policy=email.policy.SMTP))
        wait_for(lambda: status.read(config)["outbox"]["retrying"], 90, every=0.2)
        code, snap = status_of(path)  # it stays retrying while the server answers 451
        assert code == status.FAILING and "outbox_retrying" in [p["code"] for p in snap["problems"]]
        assert "451" in snap["outbox"]["errors"][0]["error"]
        assert "surat gagal terkirim dan sedang dicoba lagi" in liputan("status", "-c", path).stdout
        smtp.clear()  # the server accepts again: the next probe (2 s at most) sends what waited
        wait_for(lambda: status.read(config)["outbox"]["retrying"] == 0, 120, every=0.2)
        code, snap = status_of(path)
        assert snap["outbox"]["retrying"] == 0, snap
        assert code == status.OK, snap["problems"]
        assert smtp.messages
    finally:
        stop(proc, config)


def test_figures_come_from_the_queues_and_the_heartbeat(make_config, factory):
    """Late steps, failing sends and jobs, and the heartbeat's age, on SQLite and PostgreSQL."""
    cfg = make_config(extra={"status": {"stale_seconds": 30}})
    now = utcnow()
    with factory() as s, s.begin():
        req = Request(code="LPT-2026-0001", title="Musrenbang", requester_email="a@b.id")
        s.add(req)
        s.flush()
        s.add_all([
            Task(request_id=req.id, step=2, role="kadis", who=["kadis@bengkaliskab.go.id"], token="t1",
                 message_id="<t1@x>", deadline=now - timedelta(minutes=90)),
            Task(request_id=req.id, step=3, role="kabid", who=["kabid@bengkaliskab.go.id"], token="t2",
                 message_id="<t2@x>", deadline=now + timedelta(hours=1)),
            Outbox(message_id="<o1@x>", kind="task", recipients=["k@b.id"], subject="s", raw=b"x",
                   status="queued", attempts=2, last_error="451 try again later"),
            Outbox(message_id="<o2@x>", kind="task", recipients=["k@b.id"], subject="s", raw=b"x"),
            Job(kind="render_letter", state="failed", attempts=8, last_error="template broken",
                finished_at=now - timedelta(hours=1)),
            Job(kind="render_letter", state="failed", attempts=8, last_error="long ago",
                finished_at=now - timedelta(days=3)),
            Job(kind="timer", next_run_at=now + timedelta(hours=5))])
    snap = status.read(cfg)
    assert snap["daemon"]["state"] == "never" and snap["exit_code"] == status.DOWN
    assert snap["late"]["count"] == 1
    late = snap["late"]["tasks"][0]
    assert (late["code"], late["step"], late["role"]) == ("LPT-2026-0001", 2, "kadis")
    assert 89 <= late["minutes_late"] <= 91
    assert snap["outbox"]["queued"] == 2 and snap["outbox"]["retrying"] == 1
    assert snap["outbox"]["errors"][0]["error"] == "451 try again later"
    assert snap["jobs"]["failed_24h"] == 1 and snap["jobs"]["scheduled"] == 1

    mailbox = health.MailboxHealth()
    mailbox.set(health.CONNECTED)
    writer = HeartbeatWriter(cfg, factory, mailbox, instance="test-host:1")
    assert writer.write() is True
    snap = status.read(cfg)
    assert snap["daemon"]["up"] is True and snap["daemon"]["instance"] == "test-host:1"
    assert {p["code"] for p in snap["problems"]} == {"outbox_retrying", "jobs_failed"}
    assert snap["exit_code"] == status.FAILING
    text = human.status_text(snap)
    assert "LPT-2026-0001 langkah 2 (kadis, kadis@bengkaliskab.go.id)" in text
    assert "1 surat gagal terkirim dan sedang dicoba lagi" in text

    with factory() as s, s.begin():  # the beat is older than [status] stale_seconds
        s.get(Heartbeat, "test-host:1").beat_at = now - timedelta(seconds=31)
    snap = status.read(cfg)
    assert snap["daemon"]["state"] == "stale" and snap["exit_code"] == status.DOWN


def test_two_instances_the_one_working_the_mailbox_is_shown(make_config, factory):
    cfg = make_config()
    working, standby = health.MailboxHealth(), health.MailboxHealth()
    standby.set(health.STANDBY)
    HeartbeatWriter(cfg, factory, standby, instance="b:2").write()
    snap = status.read(cfg)
    assert [p["code"] for p in snap["problems"]] == ["no_mailbox_holder"]
    working.set(health.CONNECTED)
    HeartbeatWriter(cfg, factory, working, instance="a:1").write()
    HeartbeatWriter(cfg, factory, standby, instance="b:2").write()  # the newest beat, but standing by
    snap = status.read(cfg)
    assert snap["daemon"]["instance"] == "a:1" and snap["mailbox"]["state"] == "connected"
    assert {i["instance"] for i in snap["instances"]} == {"a:1", "b:2"}
    assert snap["exit_code"] == status.OK
    assert "Instans lain: b:2" in human.status_text(snap)


def test_a_mail_sent_after_the_smtp_outage_began_ends_it_before_the_heartbeat_says_so(make_config, factory):
    """The outbox marks a mail sent, then the heartbeat is rewritten: in between (or when another
    instance sent it) status does not show the server failing with 0 mails waiting."""
    cfg = make_config()
    mailbox, smtp = health.MailboxHealth(), health.SmtpHealth("127.0.0.1:25", 30)
    mailbox.set(health.CONNECTED)
    now = utcnow()
    with factory() as s, s.begin():  # sent before the outage: it says nothing about the server now
        s.add(Outbox(message_id="<old@x>", kind="task", recipients=["k@b.id"], subject="s", raw=b"x",
                     status="sent", sent_at=now - timedelta(minutes=5)))
        s.add(Outbox(message_id="<o1@x>", kind="task", recipients=["k@b.id"], subject="s", raw=b"x",
                     status="queued", attempts=1, last_error="451 try again later"))
    smtp.fail("451 try again later")
    writer = HeartbeatWriter(cfg, factory, mailbox, instance="test-host:3", smtp=smtp)
    writer.write()
    snap = status.read(cfg)
    assert snap["outbox"]["server"]["ok"] is False
    assert [(p["code"], p["count"]) for p in snap["problems"]] == [("smtp_failing", 1), ("outbox_retrying", 1)]
    with factory() as s, s.begin():  # the server took it; the heartbeat still says failing
        row = s.query(Outbox).filter_by(message_id="<o1@x>").one()
        row.status, row.sent_at = "sent", utcnow()
    snap = status.read(cfg)
    assert snap["outbox"]["server"]["ok"] is True and snap["outbox"]["server"]["error"] is None
    assert snap["problems"] == [] and snap["exit_code"] == status.OK
    assert "GAGAL" not in human.status_text(snap)
    smtp.ok()  # the outbox's own word, then a new outage after that mail: shown again
    smtp.fail("421 closing")
    writer.write()
    assert [p["code"] for p in status.read(cfg)["problems"]] == ["smtp_failing"]


def test_a_missing_shared_folder_is_reported_and_logged(make_config, factory, caplog):
    cfg = make_config()
    Path(cfg.paths.dropbox).rmdir()  # the share is not mounted
    mailbox = health.MailboxHealth()
    mailbox.set(health.CONNECTED)
    writer = HeartbeatWriter(cfg, factory, mailbox, instance="test-host:2")
    with caplog.at_level("INFO", logger="daemon.app.heartbeat"):
        writer.write()
        writer.write()
    assert [r.getMessage() for r in caplog.records].count(
        f"shared folder check fails: {cfg.paths.dropbox} is missing or not a folder (share unmounted?)") == 1
    snap = status.read(cfg)
    assert snap["folder"]["ok"] is False and "missing" in snap["folder"]["detail"]
    assert [p["code"] for p in snap["problems"]] == ["folder_unreachable"]
    assert "TIDAK DAPAT DIJANGKAU" in human.status_text(snap)
    Path(cfg.paths.dropbox).mkdir()
    assert FolderProbe(Path(cfg.paths.dropbox)).check()["ok"] is True
    with caplog.at_level("INFO", logger="daemon.app.heartbeat"):
        writer.write()
    assert "shared folder check passes again" in caplog.text
    assert status.read(cfg)["exit_code"] == status.OK


def test_an_unreadable_database_gives_exit_code_4(make_config):
    cfg = make_config()
    cfg.paths.database = "postgresql+psycopg://nobody:x@127.0.0.1:1/none"  # nothing listens there
    snap = status.read(cfg)
    assert snap["exit_code"] == status.UNKNOWN and snap["database"]["ok"] is False
    assert "basis data tidak dapat dibaca" in human.status_text(snap)


def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_daemon(make_config, tmp_path):
    from daemon.core.db import make_engine, sessions
    cfg = make_config()
    engine = make_engine(f"sqlite:///{tmp_path / 'never-upgraded.db'}")  # no heartbeat table
    writer = HeartbeatWriter(cfg, sessions(engine), health.MailboxHealth(), instance="x:1")
    assert writer.write() is False and writer.failing is True
    engine.dispose()


def test_a_hung_pdf_converter_is_reported_then_its_failure(tmp_path):
    """A `soffice` that never answers: while it runs the converter is reported busy, after the
    conversion timeout it is reported failing with the reason (issue 13's outage)."""
    import threading

    from daemon.paperwork.pdf import PdfConverter
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"PK not really a docx")
    conv = PdfConverter(tmp_path / "state", office=str(fake), uno_python="/nonexistent/python3",
                        convert_timeout=6)  # (busy from 1 s, timed out at 6 s: room for a loaded machine)
    assert conv.available() and conv.mode == "oneshot"
    assert conv.health()["ok"] is True
    worker = threading.Thread(target=conv.convert, args=(docx,))
    worker.start()
    try:
        busy = wait_for(lambda: (h := conv.health(busy_after=1))["ok"] is False and h, 10, every=0.1)
        assert "a conversion has run for" in busy["detail"] and worker.is_alive()
    finally:
        worker.join(20)
    after = conv.health()
    assert after["ok"] is False and "took over 6 s" in after["detail"]
    conv.close()


def test_no_libreoffice_is_not_a_failure(tmp_path):
    from daemon.paperwork.pdf import PdfConverter
    conv = PdfConverter(tmp_path, office="/nonexistent/soffice")
    assert conv.available() is False
    assert conv.health()["ok"] is None


def test_the_lease_holder_and_the_standby_are_named(make_config, factory, db_url):
    """Who holds the HA lease, since when, who stands by: on PostgreSQL as the server's pg_locks
    says (a heartbeat still claiming the lease after losing it is not believed); in status, its
    JSON and the metrics."""
    from daemon.app.metrics import StatusCollector
    from daemon.core.db import make_engine
    from daemon.mail.mailbox_lock import MailboxLock, lock_key
    cfg = make_config()
    working, standby = health.MailboxHealth(), health.MailboxHealth()
    working.set(health.CONNECTED)
    standby.set(health.STANDBY)
    engine = make_engine(db_url)
    box = cfg.mailbox
    a = MailboxLock(engine, lock_key(box.host, box.port, box.username, box.folder), name="a:1:lease")
    b = MailboxLock(engine, lock_key(box.host, box.port, box.username, box.folder), name="b:2:lease")
    try:
        assert a.acquire() and (not b.acquire() if a.enabled else True)
        HeartbeatWriter(cfg, factory, working, instance="a:1", lease=a.facts).write()
        HeartbeatWriter(cfg, factory, standby, instance="b:2", lease=b.facts).write()
        lease = status.read(cfg)["lease"]
        assert lease["holder"]["instance"] == "a:1" and lease["holder"]["heartbeat"] is True
        assert [i["instance"] for i in lease["standby"]] == ["b:2"]
        if not a.enabled:  # SQLite: one instance by design, holding since it started
            assert lease["mode"] == "single" and lease["verified"] is False
            return
        assert lease["mode"] == "shared" and lease["verified"] is True and lease["error"] is None
        assert lease["holder"]["since"] == status._iso(a.held_at)
        snap = status.read(cfg)
        text = human.status_text(snap)
        assert "Pemegang lease: a:1 (host " in text and "menurut PostgreSQL" in text
        assert "Siaga      : b:2" in text
        metrics = {m.name: m for m in StatusCollector(cfg).collect()}
        held = {s.labels["instance"]: s.value for s in metrics["liputan_lease_holder"].samples}
        assert held == {"a:1": 1.0, "b:2": 0.0}
        assert metrics["liputan_lease_since_timestamp_seconds"].samples[0].value == \
            pytest.approx(a.held_at.timestamp(), abs=1)

        a.release()  # the holder lets go (or dies); its last heartbeat still says it holds
        assert b.acquire()
        working2 = health.MailboxHealth()
        working2.set(health.CONNECTED)
        HeartbeatWriter(cfg, factory, working2, instance="b:2", lease=b.facts).write()
        lease = status.read(cfg)["lease"]
        assert lease["holder"]["instance"] == "b:2" and lease["holder"]["since"] == status._iso(b.held_at)
        assert [i["instance"] for i in lease["standby"]] == ["a:1"]

        b.release()  # nobody holds it: said so, not guessed from the heartbeats
        lease = status.read(cfg)["lease"]
        assert lease["holder"] is None and lease["verified"] is True
        assert "Pemegang lease: TIDAK ADA" in human.status_text(status.read(cfg))
    finally:
        a.release()
        b.release()
        engine.dispose()
