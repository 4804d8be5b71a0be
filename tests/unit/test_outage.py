"""A host outage (disk full) is told once in the log and does not use up a job's attempts."""

from __future__ import annotations

import errno
import logging
from datetime import timedelta, timezone

from sqlalchemy.exc import OperationalError

from daemon.app.jobrunner import JobRunner
from daemon.core.jobs import OUTAGE_RETRY, enqueue
from daemon.core.models import Job, utcnow
from daemon.core.outage import Outage, disk_full


def test_a_repeated_failure_is_logged_once_and_its_end_once(caplog) -> None:
    log = logging.getLogger("test.outage")
    outage = Outage(log, "outbox round")
    with caplog.at_level(logging.DEBUG, "test.outage"):
        for _ in range(50):
            try:
                raise OSError(errno.ENOSPC, "No space left on device")
            except OSError as exc:
                outage.failed(exc)
        outage.ok()
        outage.ok()
    loud = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.levelname for r in loud] == ["ERROR", "INFO"]
    assert loud[0].exc_info is not None and "after 50 failed round(s)" in loud[1].getMessage()


def test_disk_full_is_recognised_through_the_chain_and_nothing_else_is() -> None:
    sqlite_full = OperationalError("INSERT ...", {}, Exception("database or disk is full"))
    assert disk_full(sqlite_full)
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("render failed") from inner
    except RuntimeError as outer:
        assert disk_full(outer)
    assert not disk_full(ValueError("bad template"))
    assert not disk_full(OSError(errno.ECONNREFUSED, "Connection refused"))
    assert not disk_full(None)


def test_a_job_that_meets_a_full_disk_waits_without_using_up_its_attempts(sqlite_factory) -> None:
    calls = []

    def render(job):
        calls.append(job.id)
        if len(calls) <= 20:
            raise OSError(errno.ENOSPC, "No space left on device")
        return {"ok": True}

    with sqlite_factory() as s, s.begin():
        job_id = enqueue(s, "render_letter", {}, max_attempts=3).id
    clock = [utcnow()]
    runner = JobRunner(sqlite_factory, {"render_letter": render}, "test:1", clock=lambda: clock[0])
    for _ in range(20):  # 20 rounds of a full disk, far more than its 3 attempts
        assert runner.run_once() == 1
        with sqlite_factory() as s:
            job = s.get(Job, job_id)
            assert (job.state, job.attempts) == ("queued", 0), (job.state, job.attempts, job.last_error)
            due = job.next_run_at.replace(tzinfo=timezone.utc)
            assert due - clock[0] == OUTAGE_RETRY
        assert runner.run_once() == 0  # not due before OUTAGE_RETRY
        clock[0] += OUTAGE_RETRY
    assert runner.run_once() == 1  # space is back
    with sqlite_factory() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.attempts) == ("done", 1)


def test_an_ordinary_failure_still_uses_up_the_attempts(sqlite_factory) -> None:
    def broken(job):
        raise ValueError("template broken")

    with sqlite_factory() as s, s.begin():
        job_id = enqueue(s, "render_letter", {}, max_attempts=2).id
    clock = [utcnow()]
    runner = JobRunner(sqlite_factory, {"render_letter": broken}, "test:1", clock=lambda: clock[0])
    for _ in range(2):
        runner.run_once()
        clock[0] += timedelta(hours=2)
    with sqlite_factory() as s:
        assert s.get(Job, job_id).state == "failed"


def test_status_names_a_full_disk_where_the_database_and_the_state_live(tmp_path, monkeypatch) -> None:
    from datetime import datetime
    from types import SimpleNamespace

    from daemon.app import human, status
    cfg = SimpleNamespace(paths=SimpleNamespace(state=str(tmp_path / "state"),
                                                database=f"sqlite:///{tmp_path / 'db' / 'liputan.db'}"))
    free = {"blocks": 10}
    monkeypatch.setattr("os.statvfs",  # status reads it at each call
                        lambda path: SimpleNamespace(f_bavail=free["blocks"], f_frsize=4096, f_blocks=10**6))
    snap = status._empty(datetime.now(timezone.utc), "no_heartbeat", "test")
    snap["disk"] = status.disk_part(cfg)
    assert snap["disk"]["ok"] is False and [p["level"] for p in snap["disk"]["places"]] == ["full", "full"]
    assert {p["what"] for p in snap["disk"]["places"]} == {"state", "database"}
    snap = status._finish(snap)
    assert [p["code"] for p in snap["problems"]][:2] == ["disk_full", "disk_full"]
    assert "disk PENUH" in human.status_text(snap)
    free["blocks"] = 30_000  # 117 MiB of a 3.8 GiB disk: nearly full
    assert status.disk_part(cfg)["level"] == "low"
    free["blocks"] = 500_000
    assert status.disk_part(cfg)["ok"] is True
