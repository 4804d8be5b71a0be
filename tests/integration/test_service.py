"""`liputan run` as an operator runs it: a real process on real servers, stopped by a signal."""

from __future__ import annotations

import email.policy
import json
import signal
import subprocess
import sys
import time

import pytest
from harness import letter, wait_for
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from test_workflow_bodies import BANTAN

from daemon.core.db import make_engine
from daemon.core.models import Request

pytestmark = pytest.mark.integration


def liputan(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon.app.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


def request_steps(database: str):
    """A predicate factory: the recorded requests' steps, read in this process (a CLI start per
    poll would take the CPU the daemon needs); an empty list until the daemon made the tables."""
    def steps() -> list[int]:
        engine = make_engine(database)
        try:
            with engine.connect() as conn:
                return list(conn.scalars(select(Request.step)))
        except DBAPIError:
            return []
        finally:
            engine.dispose()
    return steps


STOP_CAP = 30.0  # s: a loaded machine's stop fits; the IMAP IDLE and read timeouts (300 s) do not


def stopped_cleanly(log_text: str) -> None:
    """The daemon's own account of its stop: every worker ended, none was left behind."""
    assert "stopping" in log_text and log_text.rfind("stopped") > log_text.rfind("stopping"), log_text[-2000:]
    assert "exiting without it" not in log_text


def test_the_daemon_handles_a_request_and_stops_on_sigterm_within_5_s(make_config, dovecot, mailbox_user, smtp,
                                                                      tmp_path, daemons):
    config = make_config(idle_seconds=300, timeout=300)  # a stop that waited on IMAP would take 300 s
    path = str(config.source)
    proc = daemons.start(path)
    dovecot.append(mailbox_user, "INBOX", letter(
        "camat.bantan@bengkaliskab.go.id", "Permohonan peliputan Musrenbang", BANTAN
    ).as_bytes(policy=email.policy.SMTP))

    def listed():
        out = liputan("requests", "-c", path, "--json")
        rows = json.loads(out.stdout or "[]")
        return rows if rows and rows[0]["step"] == 2 else None

    steps = request_steps(config.paths.database)
    wait_for(lambda: steps() == [2], 60)
    rows = listed()  # what the operator's command shows
    assert rows, "the CLI does not list the request at step 2"
    assert rows[0]["waiting_for"] == ["kadis@bengkaliskab.go.id"]
    assert rows[0]["event_start"] == "2026-12-07T09:00:00+07:00"
    assert rows[0]["outside_island"] is False
    wait_for(lambda: any("kadis@bengkaliskab.go.id" in r.rcpt_tos for r in smtp.messages), 30)
    shown = json.loads(liputan("show", rows[0]["code"], "-c", path, "--json").stdout)
    assert {"time", "step", "actor", "decision", "note", "message_id", "kind"} <= set(shown["events"][0])
    daemons.stop(proc, STOP_CAP)  # raises when it did not stop
    stopped_cleanly((tmp_path / "daemon.log").read_text())


def test_sigint_stops_an_idle_daemon_within_5_s(make_config, tmp_path, daemons, no_office_env):
    config = make_config(idle_seconds=300, timeout=300)
    log = tmp_path / "daemon.log"
    # no LibreOffice (the stop with one warming is the test above): no office to warm or stop
    proc = daemons.start(config.source, env=no_office_env)
    # started (signal handlers in place) once it says so; slow under a loaded test run
    wait_for(lambda: "liputan running" in log.read_text(), 30)
    time.sleep(1)
    daemons.stop(proc, STOP_CAP, signal.SIGINT)  # raises when it did not stop
    stopped_cleanly(log.read_text())


def test_a_fatal_configuration_error_exits_non_zero(tmp_path):
    bad = tmp_path / "liputan.toml"
    bad.write_text("[office]\nname = 1\n")
    out = liputan("run", "-c", str(bad))
    assert out.returncode != 0
    assert "liputan.toml" in out.stderr


def test_the_daemon_reads_a_scanned_letter_in_a_job_and_a_text_letter_does_not_wait(
        config, dovecot, mailbox_user, smtp, tmp_path, daemons, no_office_env):
    from pathlib import Path

    scanned = Path(__file__).resolve().parents[1] / "data" / "requests" / "05_bantan_scanned_pdf.eml"
    path = str(config.source)
    proc = daemons.start(path, env=no_office_env)  # Tesseract on PATH, LibreOffice not: letters as .docx
    dovecot.append(mailbox_user, "INBOX", scanned.read_bytes())
    dovecot.append(mailbox_user, "INBOX", letter(
        "dinkes@bengkaliskab.go.id", "Permohonan peliputan Musrenbang", BANTAN
    ).as_bytes(policy=email.policy.SMTP))

    def requests(n):
        def listed():  # recorded, and their first step (a job) entered
            rows = json.loads(liputan("requests", "-c", path, "--json").stdout or "[]")
            return rows if len(rows) >= n and all(r["step"] != 1 for r in rows) else None
        return listed

    steps = request_steps(config.paths.database)
    # the job's end wakes the dispatcher: no 5 s sweep needed
    wait_for(lambda: len(s := steps()) >= 2 and 1 not in s, 90)
    rows = requests(2)()  # what the operator's command shows
    assert rows is not None
    by_sender = {r["requester_email"]: r for r in rows}
    assert by_sender["kec.bantan@gmail.com"]["step"] == 2
    assert by_sender["kec.bantan@gmail.com"]["event_start"] == "2027-01-12T09:00:00+07:00"
    assert by_sender["dinkes@bengkaliskab.go.id"]["step"] == 2
    daemons.stop(proc, 10)
