"""The job queue and inbound claims on SQLite and a real PostgreSQL: leases, retries, races."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from conftest import _backends
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from daemon.app.jobrunner import JobRunner
from daemon.core.db import make_engine, sessions, transaction, upgrade
from daemon.core.jobs import (
    ClaimedJob,
    PermanentJobError,
    backlog,
    backoff,
    cancel_for_request,
    claim,
    complete,
    enqueue,
    fail,
    next_due,
)
from daemon.core.models import Inbound, Job, Request, Sequence, utcnow
from daemon.mail.inbound_claim import claim_inbound, release_inbound

pytestmark = pytest.mark.integration

HOLDERS = ("p1", "p2")
T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
LEASE = timedelta(minutes=10)


@pytest.fixture(scope="module", params=_backends())
def shared_db(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """One upgraded database per backend for this module: building one per test cost most of
    its time. `factory` empties the tables these tests use before each test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('jobs') / 'liputan.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database(name)
    engine = make_engine(url)
    upgrade(engine)
    yield url, sessions(engine)
    engine.dispose()
    if request.param == "postgresql":
        request.getfixturevalue("postgres").drop_database(name)


@pytest.fixture
def db_url(shared_db: tuple[str, sessionmaker[Session]]) -> str:
    return shared_db[0]


@pytest.fixture
def factory(shared_db: tuple[str, sessionmaker[Session]]) -> sessionmaker[Session]:
    with transaction(shared_db[1]) as s:
        for table in (Job, Request, Inbound, Sequence):  # children before parents
            s.execute(delete(table))
    return shared_db[1]


def add_jobs(factory: sessionmaker[Session], n: int, kind: str = "race", run_at: datetime = T0,
             **kw: Any) -> list[int]:
    with transaction(factory) as s:
        return [enqueue(s, kind, {"n": i}, run_at=run_at, **kw).id for i in range(n)]


def job(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as s:
        return s.get(Job, job_id)


def add_request(factory: sessionmaker[Session], code: str) -> int:
    with transaction(factory) as s:
        request = Request(code=code, requester_email="umum@bengkaliskab.go.id")
        s.add(request)
        s.flush()
        return request.id


def add_inbound(factory: sessionmaker[Session], n: int, status: str = "new") -> list[int]:
    with transaction(factory) as s:
        rows = [Inbound(message_id=f"<{status}{i}@x>", folder=status, uidvalidity=1, uid=i,
                        raw_path="x", sha256="0" * 64, size=1, status=status) for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


# --- claim, complete, fail ------------------------------------------------------------------

def test_claim_takes_the_due_job_and_leases_it(factory: sessionmaker[Session]) -> None:
    assert claim(factory, "a", now=T0) is None
    first, = add_jobs(factory, 1)
    add_jobs(factory, 1, run_at=T0 + timedelta(minutes=1))
    got = claim(factory, "a", now=T0)
    assert got == ClaimedJob(first, "race", {"n": 0}, None, 1, 8)
    row = job(factory, first)
    assert (row.state, row.attempts, row.leased_by, row.lease_until) == ("running", 1, "a", T0 + LEASE)
    assert claim(factory, "b", now=T0) is None  # the other one is not due yet
    assert claim(factory, "b", kinds=["other"], now=T0 + timedelta(minutes=2)) is None
    assert claim(factory, "b", kinds=["race"], now=T0 + timedelta(minutes=2)).id == first + 1


def test_complete_only_by_the_holder_and_only_once(factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1)
    claim(factory, "a", now=T0)
    with transaction(factory) as s:
        assert complete(s, job_id, "b", {"x": 1}) is False
        assert complete(s, job_id, "a", {"x": 2}) is True
        assert complete(s, job_id, "a", {"x": 3}) is False
    row = job(factory, job_id)
    assert (row.state, row.result, row.lease_until) == ("done", {"x": 2}, None)
    assert row.finished_at is not None


def test_backoff_doubles_from_ten_seconds_with_jitter_up_to_an_hour() -> None:
    assert backoff(1, lambda: 0.5) == timedelta(seconds=10)
    assert backoff(2, lambda: 0.5) == timedelta(seconds=20)
    assert backoff(4, lambda: 0.0) == timedelta(seconds=64)
    assert backoff(4, lambda: 1.0) == timedelta(seconds=96)
    assert backoff(12, lambda: 0.0) == backoff(500, lambda: 1.0) == timedelta(hours=1)


def test_fail_retries_with_backoff_then_fails_for_good(factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1, max_attempts=3)
    now = T0
    for attempt in (1, 2):
        assert claim(factory, "a", now=now).attempts == attempt
        with transaction(factory) as s:
            assert fail(s, job_id, "a", f"boom {attempt}", permanent=False, now=now)
        row = job(factory, job_id)
        delay = row.next_run_at - now
        low = timedelta(seconds=8 * 2 ** (attempt - 1))
        assert (row.state, row.leased_by, row.last_error) == ("queued", None, f"boom {attempt}")
        assert low <= delay <= low * 1.5
        assert claim(factory, "a", now=row.next_run_at - timedelta(seconds=1)) is None
        now = row.next_run_at
    claim(factory, "a", now=now)
    with transaction(factory) as s:
        assert fail(s, job_id, "a", "boom 3", permanent=False, now=now)
        assert fail(s, job_id, "a", "again", permanent=False, now=now) is False
    row = job(factory, job_id)
    assert (row.state, row.attempts, row.last_error, row.finished_at) == ("failed", 3, "boom 3", now)


def test_a_permanent_failure_is_not_retried(factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1)
    claim(factory, "a", now=T0)
    with transaction(factory) as s:
        assert fail(s, job_id, "b", "not mine", permanent=True) is False
        assert fail(s, job_id, "a", "bad payload \x00", permanent=True, now=T0)
    row = job(factory, job_id)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "bad payload \\0")
    assert claim(factory, "a", now=T0 + timedelta(days=1)) is None


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(
        factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1)
    assert claim(factory, "a", now=T0).attempts == 1
    assert claim(factory, "b", now=T0 + LEASE - timedelta(seconds=1)) is None
    taken = claim(factory, "b", now=T0 + LEASE + timedelta(seconds=1))
    assert (taken.id, taken.attempts) == (job_id, 2)
    with transaction(factory) as s:
        assert complete(s, job_id, "a", {"by": "a"}) is False
        assert fail(s, job_id, "a", "late", permanent=False) is False
        assert complete(s, job_id, "b", {"by": "b"}) is True
    assert job(factory, job_id).result == {"by": "b"}


def test_a_job_whose_worker_died_on_its_last_attempt_fails(factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1, max_attempts=1)
    claim(factory, "a", now=T0)
    assert claim(factory, "b", now=T0 + 2 * LEASE) is None
    row = job(factory, job_id)
    assert row.state == "failed" and "lease ran out after attempt 1 of 1" in row.last_error


def test_enqueue_by_key_is_idempotent(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        first = enqueue(s, "letter", {"doc": "spt"}, key="req-1/spt")
        again = enqueue(s, "letter", {"doc": "other"}, key="req-1/spt")
        assert again.id == first.id
    with factory() as s:
        assert s.scalars(select(Job)).all() == [s.get(Job, first.id)]


def test_cancel_backlog_and_next_due(factory: sessionmaker[Session]) -> None:
    one, two = add_request(factory, "LPT-2026-0001"), add_request(factory, "LPT-2026-0002")
    with transaction(factory) as s:
        for kind in ("letter", "letter", "publish"):
            enqueue(s, kind, {}, request_id=one, run_at=T0)
        enqueue(s, "letter", {}, request_id=two, run_at=T0 + timedelta(hours=1))
    running = claim(factory, "a", now=T0)  # the oldest letter of request one
    with transaction(factory) as s:
        assert next_due(s) == T0
        assert cancel_for_request(s, one, kinds=["publish"]) == 1
        assert cancel_for_request(s, one) == 1  # the running one finishes
        assert backlog(s) == {"queued": 1, "running": 1, "done": 0, "failed": 0, "cancelled": 2}
        assert next_due(s) == T0 + LEASE  # the running job's lease, before the other request
        assert next_due(s, kinds=["publish"]) is None
        assert complete(s, running.id, "a")


def test_postgresql_claims_skip_rows_another_claimer_has_locked(factory: sessionmaker[Session],
                                                                db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises claims with BEGIN IMMEDIATE")
    first_job, second_job = add_jobs(factory, 2)
    first_mail, second_mail = add_inbound(factory, 2)
    with factory() as s, s.begin():  # another claimer between its SELECT and its UPDATE
        s.execute(select(Job.id).where(Job.id == first_job).with_for_update())
        s.execute(select(Inbound.id).where(Inbound.id == first_mail).with_for_update())
        assert claim(factory, "b", now=T0).id == second_job
        assert claim_inbound(factory, "b", now=T0) == second_mail


# --- the runner -----------------------------------------------------------------------------

class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_runner_runs_handlers_and_calls_on_done_in_the_same_transaction(
        factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture) -> None:
    request_id = add_request(factory, "LPT-2026-0007")
    with transaction(factory) as s:
        job_id = enqueue(s, "letter", {"doc": "spt"}, request_id=request_id, run_at=T0).id
    seen: list[tuple[str, dict]] = []

    def on_done(s: Session, done: ClaimedJob, result: dict) -> None:
        seen.append((s.get(Job, done.id).state, result))
        s.add(Sequence(name="after-letter", year=2026, value=done.id))

    def render(j: ClaimedJob) -> dict:
        with transaction(factory) as s:  # no transaction of the runner's is open meanwhile
            assert (s.get(Job, j.id).state, s.get(Job, j.id).leased_by) == ("running", "a")
            s.add(Sequence(name="rendered", year=2026, value=1))
        return {"path": j.payload["doc"] + ".docx"}

    runner = JobRunner(factory, {"letter": render}, "a", on_done=on_done, clock=Clock())
    with caplog.at_level("INFO", logger="daemon.app.jobrunner"):
        assert runner.run_once() == 1
    assert seen == [("done", {"path": "spt.docx"})]
    assert job(factory, job_id).result == {"path": "spt.docx"}
    with factory() as s:
        assert s.get(Sequence, ("after-letter", 2026)).value == job_id
    assert f"job {job_id} (letter, request {request_id}) done" in caplog.text


def test_runner_failures_unknown_kind_permanent_and_transient(
        factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture) -> None:
    with transaction(factory) as s:
        ids = [enqueue(s, kind, {}, run_at=T0).id for kind in ("ocr", "bad", "flaky", "odd")]

    def bad(_: ClaimedJob) -> None:
        raise PermanentJobError("template letters/spt.docx is missing")

    def flaky(_: ClaimedJob) -> None:
        raise ConnectionError("WordPress is down")

    runner = JobRunner(factory, {"bad": bad, "flaky": flaky, "odd": lambda j: 42}, "a", clock=Clock())
    assert runner.run_once() == 4
    rows = [job(factory, i) for i in ids]
    assert [r.state for r in rows] == ["failed", "failed", "queued", "failed"]
    assert rows[0].last_error == "no handler for job kind 'ocr' (known: bad, flaky, odd)"
    assert rows[1].last_error == "template letters/spt.docx is missing"
    assert rows[2].last_error == "ConnectionError: WordPress is down" and rows[2].next_run_at > T0
    assert rows[3].last_error == "the handler returned int, not a dict"
    assert f"job {ids[2]} (flaky, request None) failed (attempt 1/8), will retry" in caplog.text


def test_a_crash_in_on_done_rolls_back_and_the_job_is_retried(factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1)
    calls: list[int] = []

    def on_done(s: Session, done: ClaimedJob, result: dict) -> None:
        s.add(Sequence(name="half-done", year=2026, value=1))
        s.flush()
        raise RuntimeError("engine bug")

    clock = Clock()
    runner = JobRunner(factory, {"race": lambda j: calls.append(j.attempts)}, "a",
                       on_done=on_done, clock=clock)
    assert runner.run_once() == 1
    row = job(factory, job_id)
    assert (row.state, row.result) == ("queued", None)
    assert "engine bug" in row.last_error
    with factory() as s:
        assert s.get(Sequence, ("half-done", 2026)) is None
    clock.now = row.next_run_at
    runner.on_done = None
    assert runner.run_once() == 1
    assert calls == [1, 2] and job(factory, job_id).state == "done"


def test_a_runner_whose_lease_was_taken_over_drops_its_result(factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1)
    clock = Clock()
    done: list[int] = []

    def slow(j: ClaimedJob) -> dict:
        claim(factory, "b", now=T0 + 2 * LEASE)  # meanwhile the lease ran out and b took it
        return {"by": "a"}

    runner = JobRunner(factory, {"race": slow}, "a", on_done=lambda s, j, r: done.append(j.id),
                       clock=clock)
    assert runner.run_once() == 1
    row = job(factory, job_id)
    assert (row.state, row.leased_by, row.attempts, done) == ("running", "b", 2, [])


def test_a_slow_handler_keeps_its_lease(factory: sessionmaker[Session]) -> None:
    job_id, = add_jobs(factory, 1, run_at=datetime.now(timezone.utc))
    lease = timedelta(seconds=1.2)
    others: list[ClaimedJob | None] = []

    def slow(j: ClaimedJob) -> None:
        time.sleep(1.6)  # past the first lease: renewed twice meanwhile
        others.append(claim(factory, "b", lease=lease))

    assert JobRunner(factory, {"race": slow}, "a", lease=lease).run_once() == 1
    row = job(factory, job_id)
    assert (others, row.state, row.attempts, row.leased_by) == ([None], "done", 1, "a")


def test_run_loop_sleeps_until_the_next_job_is_due_wakes_early_and_stops(
        factory: sessionmaker[Session]) -> None:
    ran: list[int] = []
    runner = JobRunner(factory, {"race": lambda j: ran.append(j.id)}, "a", poll=600)

    async def until(n: int) -> None:  # a generous cap, far below the 10-minute poll
        for _ in range(1200):
            if len(ran) >= n:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{n} job(s) not run in 60 s: the loop waited for its poll")

    async def scenario() -> None:
        stop, wake = asyncio.Event(), asyncio.Event()
        add_jobs(factory, 1, run_at=datetime.now(timezone.utc) + timedelta(seconds=0.3))
        task = asyncio.create_task(runner.run(stop, wake))
        await until(1)  # no wake: the sleep ends when the job is due, not after the poll
        add_jobs(factory, 1, run_at=datetime.now(timezone.utc))
        wake.set()
        await until(2)
        stop.set()
        await asyncio.wait_for(task, 60)  # a stop that waited for the poll would take 10 minutes

    asyncio.run(scenario())
    assert len(ran) == 2
    with factory() as s:
        assert backlog(s)["done"] == 2


def test_run_loop_survives_a_database_error(factory: sessionmaker[Session],
                                            caplog: pytest.LogCaptureFixture) -> None:
    add_jobs(factory, 1)
    ran = threading.Event()
    runner = JobRunner(factory, {"race": lambda j: ran.set()}, "a", poll=0.1)
    claim_for_real, failures = runner.claim, [ConnectionError("server closed the connection")]

    def flaky_claim() -> ClaimedJob | None:
        if failures:
            raise failures.pop()
        return claim_for_real()

    runner.claim = flaky_claim  # type: ignore[method-assign]

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop, asyncio.Event()))
        await asyncio.to_thread(ran.wait, 60)
        stop.set()
        await asyncio.wait_for(task, 60)

    asyncio.run(scenario())
    assert ran.is_set() and "job runner: database error" in caplog.text


# --- races: every job runs exactly once -----------------------------------------------------

def race_threads(work: Callable[[str], list[int]]) -> list[list[int]]:
    results: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def worker(holder: str) -> None:
        barrier.wait()
        results[holder] = work(holder)

    threads = [threading.Thread(target=worker, args=(h,)) for h in ("t1", "t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return [results["t1"], results["t2"]]


def claim_everything(url: str, holder: str, outdir: Path, go: Any) -> None:
    """One worker process: runs jobs until none is due, then claims messages until none is left,
    writing each id it ran to OUTDIR/<jobs|inbound>-HOLDER.txt."""
    engine = make_engine(url)  # its own connections: nothing of the parent's is used
    factory = sessions(engine)
    go.wait(30)
    with open(outdir / f"jobs-{holder}.txt", "w") as out:
        JobRunner(factory, {"race": lambda j: print(j.id, file=out)}, holder).run_once()
    with open(outdir / f"inbound-{holder}.txt", "w") as out:
        while (inbound_id := claim_inbound(factory, holder)) is not None:
            print(inbound_id, file=out)
            with transaction(factory) as s:
                s.get(Inbound, inbound_id).status = "done"
    engine.dispose()


def race_processes(db_url: str, tmp_path: Path) -> dict[str, list[list[int]]]:
    """Two forked worker processes, started together; the ids each ran, per kind of work."""
    ctx = multiprocessing.get_context("fork")  # no second import of everything: fast to start
    go = ctx.Event()
    procs = [ctx.Process(target=claim_everything, args=(db_url, h, tmp_path, go)) for h in HOLDERS]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    return {name: [[int(i) for i in (tmp_path / f"{name}-{h}.txt").read_text().split()]
                   for h in HOLDERS] for name in ("jobs", "inbound")}


def assert_each_once(runs: list[list[int]], expected: list[int]) -> None:
    everything = [i for run in runs for i in run]
    assert sorted(everything) == sorted(expected)  # none missing, none twice
    # which worker won how many is the scheduler's business (on a loaded machine one may win all)


def test_two_threads_run_200_jobs_exactly_once(factory: sessionmaker[Session]) -> None:
    ids = add_jobs(factory, 200)

    def work(holder: str) -> list[int]:
        mine: list[int] = []
        JobRunner(factory, {"race": lambda j: mine.append(j.id)}, holder).run_once()
        return mine

    runs = race_threads(work)
    assert_each_once(runs, ids)
    with factory() as s:
        assert backlog(s)["done"] == 200


def test_two_processes_run_200_jobs_and_claim_100_messages_exactly_once(
        factory: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    job_ids, inbound_ids = add_jobs(factory, 200), add_inbound(factory, 100)
    runs = race_processes(db_url, tmp_path)
    assert_each_once(runs["jobs"], job_ids)
    assert_each_once(runs["inbound"], inbound_ids)
    with factory() as s:
        assert backlog(s)["done"] == 200
        assert set(s.scalars(select(Inbound.status))) == {"done"}


# --- inbound claims -------------------------------------------------------------------------

def test_claim_inbound_takes_the_oldest_free_new_message(factory: sessionmaker[Session]) -> None:
    assert claim_inbound(factory, "a", now=T0) is None
    add_inbound(factory, 2, status="done")
    first, second = add_inbound(factory, 2)
    assert claim_inbound(factory, "a", now=T0) == first
    assert claim_inbound(factory, "b", now=T0) == second
    assert claim_inbound(factory, "b", now=T0 + timedelta(minutes=4)) is None
    assert claim_inbound(factory, "b", now=T0 + timedelta(minutes=6)) == first  # a's lease ran out
    with transaction(factory) as s:
        row = s.get(Inbound, first)
        assert (row.leased_by, row.lease_until) == ("b", T0 + timedelta(minutes=11))
        assert release_inbound(s, second, "b") and not release_inbound(s, second, "b")
    assert claim_inbound(factory, "c", now=T0) == second


def test_two_threads_claim_100_messages_exactly_once(factory: sessionmaker[Session]) -> None:
    ids = add_inbound(factory, 100)

    def work(holder: str) -> list[int]:
        mine: list[int] = []
        while (inbound_id := claim_inbound(factory, holder)) is not None:
            mine.append(inbound_id)
        return mine

    assert_each_once(race_threads(work), ids)


def test_a_restarted_daemon_takes_back_what_a_killed_process_of_this_host_held(factory):
    import os
    import socket

    from daemon.app.work import reclaim_orphans
    from daemon.core.jobs import claim, enqueue

    host = socket.gethostname()[:40]
    dead = subprocess_pid_that_has_exited()
    holders = {f"{host}:{dead}:jobs": True, f"{host}:{os.getpid()}:jobs": False,
               f"elsewhere:{dead}:jobs": False}
    ids = {}
    for holder in holders:
        with transaction(factory) as s:
            job = enqueue(s, "noop", {}, key=f"reclaim-{holder}")
            ids[holder] = job.id
        assert claim(factory, holder, kinds=["noop"]) is not None
    assert claim(factory, "new-process", kinds=["noop"]) is None  # all leased for 10 minutes
    assert reclaim_orphans(factory) == 1
    taken = claim(factory, "new-process", kinds=["noop"])
    assert taken is not None and taken.id == ids[f"{host}:{dead}:jobs"]
    assert taken.attempts == 1  # the run the kill cut short was not a failed attempt
    assert claim(factory, "new-process", kinds=["noop"]) is None
    with factory() as s:
        assert s.get(Job, taken.id).interrupted == 1


def test_a_job_that_kills_its_process_every_time_still_ends(factory):
    import socket

    from daemon.app.work import INTERRUPT_LIMIT, reclaim_orphans
    from daemon.core.jobs import claim, enqueue

    with transaction(factory) as s:
        job_id = enqueue(s, "noop", {}, key="poison", max_attempts=2).id
    taken = None
    for _ in range(INTERRUPT_LIMIT + 10):
        holder = f"{socket.gethostname()[:40]}:{subprocess_pid_that_has_exited()}:jobs"
        taken = claim(factory, holder, kinds=["noop"])
        if taken is None:
            break
        reclaim_orphans(factory)
    with factory() as s:
        row = s.get(Job, job_id)
        assert (row.state, row.interrupted) == ("failed", INTERRUPT_LIMIT + 2), (row.state, row.interrupted)
        assert "worker died" in row.last_error


def test_mail_a_killed_process_was_sending_is_sent_again_at_once(factory):
    import socket

    from daemon.app.work import reclaim_orphans
    from daemon.core.models import Outbox

    host = socket.gethostname()[:40]
    later = utcnow() + timedelta(minutes=15)  # the outbox lease of the dead sender
    with transaction(factory) as s:
        for n, holder in enumerate([f"{host}:{subprocess_pid_that_has_exited()}:outbox",
                                    f"{host}:{os.getpid()}:outbox", "elsewhere:1:outbox"]):
            s.add(Outbox(message_id=f"<m{n}@x>", kind="task", recipients=["a@x"], subject="s",
                         raw=b"x", status="sending", attempts=1, next_attempt_at=later,
                         leased_by=holder))
    assert reclaim_orphans(factory) == 1
    with factory() as s:
        rows = {o.message_id: (o.status, o.next_attempt_at <= utcnow())
                for o in s.scalars(select(Outbox))}
    assert rows == {"<m0@x>": ("queued", True), "<m1@x>": ("sending", False),
                    "<m2@x>": ("sending", False)}


def subprocess_pid_that_has_exited() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
