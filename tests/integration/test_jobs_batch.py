"""Jobs claimed several at once, on SQLite and a real PostgreSQL: each runs once, alone in its fate."""

from __future__ import annotations

import logging
import threading
from concurrent import futures
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from daemon.app import job_leases, jobrunner
from daemon.app.jobrunner import JobRunner
from daemon.core import jobs
from daemon.core.db import transaction
from daemon.core.models import Job, Request

pytestmark = pytest.mark.integration
LETTER = "render_letter"


def add(factory: sessionmaker[Session], n: int, kind: str = LETTER, request_id: int | None = None) -> list[int]:
    with transaction(factory) as s:
        return [jobs.enqueue(s, kind, {"n": i}, request_id=request_id).id for i in range(n)]


def rows(factory: sessionmaker[Session]) -> dict[int, tuple[str, int, str | None]]:
    with factory() as s:
        return {j.id: (j.state, j.attempts, j.last_error) for j in s.scalars(select(Job))}


def test_a_batch_is_claimed_in_one_go_each_job_under_its_own_lease(factory) -> None:
    with transaction(factory) as s:
        req = Request(code="LPT-2026-0042", requester_email="umum@bengkaliskab.go.id")
        s.add(req)
        s.flush()
        request_id = req.id
    ids = add(factory, 5, request_id=request_id)
    taken = jobs.claim_many(factory, "a", limit=3)
    assert [j.id for j in taken] == ids[:3]  # in the order they are due
    assert all(j.attempts == 1 and j.code == "LPT-2026-0042" for j in taken)
    assert [j.id for j in jobs.claim_many(factory, "b", limit=10)] == ids[3:]  # never the same one
    assert jobs.claim_many(factory, "c", limit=10) == []
    with factory() as s:
        leased = {j.id: j.leased_by for j in s.scalars(select(Job))}
    assert leased == {**dict.fromkeys(ids[:3], "a"), **dict.fromkeys(ids[3:], "b")}
    assert jobs.renew_many(factory, ids, "a", timedelta(minutes=10)) == set(ids[:3])
    assert jobs.give_back(factory, ids, "b") == 2  # only b's, and only b may
    assert {i: r[:2] for i, r in rows(factory).items() if i in ids[3:]} == dict.fromkeys(ids[3:], ("queued", 0))


def test_a_batch_of_queued_jobs_is_taken_with_one_update_and_a_changed_one_is_left(factory) -> None:
    """A backlog's claim: the jobs read in the same version (queued, never tried) are taken by
    one UPDATE; one whose version changed after it was read (another claimer won it) is not."""
    ids = add(factory, 6)
    with transaction(factory) as s:  # one of them tried before: a version of its own
        s.get(Job, ids[4]).attempts = 1
    statements: list[str] = []
    engine = factory.kw["bind"]

    def seen(_c, _cur, statement, *_a) -> None:
        statements.append(" ".join(statement.split()))

    read = jobs._candidates
    lost = ids[2]

    def then_lose_one(s, *a, **kw):  # another claimer takes one between the read and the update
        found = read(s, *a, **kw)
        s.execute(jobs.update(jobs.JOB).where(Job.id == lost).values(state="running", attempts=1,
                                                                      leased_by="other"))
        return found

    event.listen(engine, "before_cursor_execute", seen)
    jobs._candidates = then_lose_one
    try:
        taken = jobs.claim_many(factory, "a", limit=6)
    finally:
        jobs._candidates = read
        event.remove(engine, "before_cursor_execute", seen)
    assert [j.id for j in taken] == [i for i in ids if i != lost]
    assert [j.attempts for j in taken] == [1, 1, 1, 2, 1]
    updates = [st for st in statements if st.startswith("UPDATE job SET state")]
    # the other claimer's, then one for the five read as queued (four still so), one for the one tried before
    assert len(updates) == 3, updates
    assert rows(factory)[lost][:2] == ("running", 1)
    with factory() as s:
        assert s.get(Job, lost).leased_by == "other"
        assert {j.leased_by for j in s.scalars(select(Job).where(Job.id != lost))} == {"a"}


def test_n_jobs_claimed_together_are_each_run_and_completed_exactly_once(factory) -> None:
    ids = add(factory, 14) + add(factory, 4, kind="timer")
    ran: Counter[int] = Counter()
    done: Counter[int] = Counter()
    lock = threading.Lock()

    def work(job):
        with lock:
            ran[job.id] += 1
        time.sleep(0.01)
        return {"n": job.payload["n"]}

    runner = JobRunner(factory, {LETTER: work, "timer": work}, "a", parallel=2, parallel_kinds={LETTER},
                       on_done=lambda s, job, result: done.update([job.id]))
    batches: list[int] = []
    claim_many = runner.claim_many
    runner.claim_many = lambda limit: batches.append(len(got := claim_many(limit))) or got  # type: ignore[method-assign]
    assert runner.run_once() == 18
    assert ran == Counter(ids) and done == Counter(ids)
    assert set(rows(factory).values()) == {("done", 1, None)}
    assert max(batches) > 1 and sum(batches) == 18 and len(batches) < 18


def test_one_permanent_failure_in_a_batch_quarantines_that_job_alone(factory) -> None:
    ids = add(factory, 6)
    bad = ids[2]

    def work(job):
        if job.id == bad:
            raise jobs.PermanentJobError("template letters/rusak.docx is missing")
        return {}

    runner = JobRunner(factory, {LETTER: work}, "a", parallel=2, parallel_kinds={LETTER})
    assert runner.run_once() == 6
    states = rows(factory)
    assert states.pop(bad) == ("failed", 1, "template letters/rusak.docx is missing")
    assert set(states.values()) == {("done", 1, None)}


def test_a_stopped_round_gives_back_what_it_claimed_and_did_not_start(factory) -> None:
    ids = add(factory, 12)
    started: list[int] = []
    runner = JobRunner(factory, {LETTER: lambda job: started.append(job.id) or time.sleep(0.05) or {}},
                       "a", parallel=2, parallel_kinds={LETTER})
    assert runner.run_once(halt=lambda: len(started) >= 2) == len(started) < 12
    states = rows(factory)
    assert {states[i][:2] for i in started} == {("done", 1)}
    assert {states[i][:2] for i in ids if i not in started} == {("queued", 0)}  # attempt not counted
    assert not runner._held


def test_a_claimed_job_whose_lease_was_taken_meanwhile_is_not_run(factory) -> None:
    ids = add(factory, 6)
    ran: list[int] = []
    lease = timedelta(seconds=0.6)

    def slow(job):  # the first two run; meanwhile another holder takes over the next two
        ran.append(job.id)
        if job.id == ids[0]:
            with transaction(factory) as s:
                for job_id in ids[2:4]:
                    taken_by_b(s, job_id)
        assert until(lambda: runner._lost >= set(ids[2:4]))  # the heartbeat found those leases gone
        return {}

    runner = JobRunner(factory, {LETTER: slow}, "a", parallel=1, lease=lease)
    runner.parallel, runner.parallel_kinds = 2, frozenset({LETTER})  # claims a batch of 4
    runner.run_once(max_jobs=4)
    assert sorted(ran) == [*ids[:2], *ids[4:]]  # the next claim took the last two
    states = rows(factory)
    assert {states[i][0] for i in ids[2:4]} == {"running"}  # b's to finish


def test_when_the_claimed_jobs_left_are_all_lost_the_round_claims_the_next(factory, monkeypatch) -> None:
    """The two letters in flight end in the same wait (forced here; by chance under load), and
    the two claimed after them were taken over meanwhile: the round goes on with the next two."""
    ids = add(factory, 6)
    ran: list[int] = []

    def slow(job):
        ran.append(job.id)
        if job.id == ids[0]:
            with transaction(factory) as s:
                for job_id in ids[2:4]:
                    taken_by_b(s, job_id)
        assert until(lambda: runner._lost >= set(ids[2:4]))
        return {}

    monkeypatch.setattr(jobrunner, "wait", lambda flying, return_when=None: futures.wait(flying))
    runner = JobRunner(factory, {LETTER: slow}, "a", parallel=2, parallel_kinds={LETTER},
                       lease=timedelta(seconds=0.6))
    assert runner.run_once(max_jobs=4) == 4
    assert sorted(ran) == [*ids[:2], *ids[4:]] and not runner._held
    assert {state(factory, i) for i in ids[2:4]} == {("running", "b")}


def test_two_runners_on_one_database_never_run_a_job_twice(factory) -> None:
    ids = add(factory, 120) + add(factory, 20, kind="timer")
    ran: Counter[int] = Counter()
    lock = threading.Lock()

    def work(job):
        with lock:
            ran[job.id] += 1
        return {}

    runners = [JobRunner(factory, {LETTER: work, "timer": work}, holder, parallel=2,
                         parallel_kinds={LETTER}) for holder in ("d1", "d2")]
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def go(runner: JobRunner) -> None:
        barrier.wait()
        counts.append(runner.run_once())

    threads = [threading.Thread(target=go, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert ran == Counter(ids) and sum(counts) == 140
    assert set(rows(factory).values()) == {("done", 1, None)}


def test_finished_jobs_are_recorded_together_and_a_failing_record_undoes_its_job_alone(factory) -> None:
    ids = add(factory, 10)
    gate = threading.Event()
    seen: list[int] = []

    def work(job):
        gate.wait(5)  # the letters finish together: their results wait to be recorded
        return {"n": job.payload["n"]}

    def on_done(s, job, result):
        s.add(Request(code=f"LPT-2026-{job.id:04d}", requester_email="umum@bengkaliskab.go.id"))
        s.flush()
        if job.id == ids[1]:
            raise RuntimeError("engine bug")
        seen.append(job.id)

    runner = JobRunner(factory, {LETTER: work}, "a", parallel=2, parallel_kinds={LETTER}, on_done=on_done)
    sizes: list[int] = []
    many = runner._finish_many
    runner._finish_many = lambda done: sizes.append(len(done)) or many(done)  # type: ignore[method-assign]
    threading.Timer(0.3, gate.set).start()
    assert runner.run_once() == 10
    states = rows(factory)
    assert states[ids[1]][0] == "queued" and "engine bug" in states[ids[1]][2]  # retried later
    assert {states[i] for i in ids if i != ids[1]} == {("done", 1, None)}
    assert sorted(seen) == sorted(i for i in ids if i != ids[1])
    with factory() as s:  # its savepoint undid its own work only
        codes = set(s.scalars(select(Request.code)))
    assert codes == {f"LPT-2026-{i:04d}" for i in seen}
    assert sizes and max(sizes) > 1


def state(factory: sessionmaker[Session], job_id: int) -> tuple[str, str | None]:
    with factory() as s:
        row = s.get(Job, job_id)
        return row.state, row.leased_by


def taken_by_b(s: Session, job_id: int) -> None:
    """Another holder, alive, takes the job over: its lease is its own for the test's length (a
    lease left to run out would make b a dead holder, whose job `a` may rightly take back)."""
    job = s.get(Job, job_id)
    job.leased_by, job.lease_until = "b", datetime.now(timezone.utc) + timedelta(hours=1)


def until(check, seconds: float = 30.0) -> bool:  # (polled: a loaded machine waits longer)
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize(("kind", "outcome"), [("enter_step", "done"), (LETTER, "done"), (LETTER, "queued")])
def test_a_job_ended_between_the_heartbeats_copy_and_its_renewal_is_not_reported_lost(
        factory, kind, outcome, monkeypatch, caplog) -> None:
    """enter_step runs in the claiming thread, a letter in a thread of its own; "queued": its
    handler failed and it waits for a retry."""
    job_id, = add(factory, 1, kind=kind)
    copied = threading.Event()
    real = job_leases.renew_many

    def renew_many(factory_, ids, holder, lease, now=None):
        if job_id in ids and not copied.is_set():
            copied.set()  # the heartbeat has copied what it holds: the job ends and is recorded now
            assert until(lambda: state(factory, job_id)[0] != "running")
        return real(factory_, ids, holder, lease, now)

    def handler(job):
        assert copied.wait(10)
        if outcome == "queued":
            raise OSError("the shared folder is not mounted")
        return {}

    monkeypatch.setattr(job_leases, "renew_many", renew_many)
    runner = JobRunner(factory, {kind: handler}, "a", parallel=2, parallel_kinds={LETTER},
                       lease=timedelta(seconds=0.3))
    with caplog.at_level(logging.WARNING, logger="daemon.app.jobrunner"):
        assert runner.run_once(max_jobs=1) == 1
    assert copied.is_set() and state(factory, job_id)[0] == outcome
    assert "lease lost" not in caplog.text and not runner._lost and not runner._held


@pytest.mark.parametrize("beat", ["round", "own"])  # the round's heartbeat, or a job's own (parallel = 1)
def test_after_a_failed_renewal_the_heartbeat_tries_again_well_before_the_lease_runs_out(
        factory, beat, monkeypatch) -> None:
    job_id, = add(factory, 1)
    lease = timedelta(minutes=10)
    runner = JobRunner(factory, {LETTER: lambda job: {}}, "a", lease=lease)
    runner._held[job_id] = job = jobs.claim(factory, "a", lease=lease)
    outcomes = iter([OSError("database is locked")] * 3 + [None])
    calls: list[float] = []

    def renew_many(*args, **kwargs):
        if (error := next(outcomes, None)) is not None:
            raise error
        return jobs.renew_many(*args, **kwargs)

    class Beats:  # stands for the round's `done` event: records each pause, ends after 5
        def wait(self, seconds: float) -> bool:
            calls.append(seconds)
            return len(calls) > 5

    monkeypatch.setattr(job_leases, "renew_many", renew_many)
    monkeypatch.setattr(job_leases, "renew", lambda f, i, h, lease, now=None: i in renew_many(f, [i], h, lease, now))
    if beat == "round":
        runner._renew_held(Beats())  # type: ignore[arg-type]
    else:
        runner._renew_until(job, Beats())  # type: ignore[arg-type]
    third, retry = lease.total_seconds() / 3, lease.total_seconds() / job_leases.RETRY_DIVISOR
    assert calls == [third, retry, retry, retry, third, third]
    assert sum(calls[:4]) < lease.total_seconds() * 0.6  # renewed with 40 % of the lease to spare
    assert not runner._lost and state(factory, job_id) == ("running", "a")


def test_a_finished_letter_waiting_to_be_recorded_keeps_its_lease(factory) -> None:
    """The claiming thread runs a slow job past the lease while a letter's result waits for it:
    no other holder may take the letter and run it again."""
    letter, = add(factory, 1)
    timer, = add(factory, 1, kind="timer")
    lease = timedelta(seconds=2)  # (renewed every third: a loaded machine's pauses fit in it)
    slow_started, rendered = threading.Event(), threading.Event()
    ran, recorded, taken = Counter(), Counter(), []

    def render(job):
        assert slow_started.wait(10)  # finishes while the claiming thread is busy
        ran[job.id] += 1
        rendered.set()
        return {"pdf": f"{job.id}.pdf"}

    def slow(job):  # in the claiming thread: the letter's result waits until it returns
        ran[job.id] += 1
        slow_started.set()
        assert rendered.wait(10)
        time.sleep(3 * lease.total_seconds())
        taken.extend(jobs.claim_many(factory, "b", [LETTER], 5, lease=lease))
        return {}

    runner = JobRunner(factory, {LETTER: render, "timer": slow}, "a", parallel=2, parallel_kinds={LETTER},
                       lease=lease, on_done=lambda s, job, result: recorded.update([job.id]))
    assert runner.run_once() == 2
    assert taken == [] and ran == Counter([letter, timer]) and recorded == ran
    assert rows(factory) == {letter: ("done", 1, None), timer: ("done", 1, None)}


def test_a_letter_whose_lease_was_taken_over_is_reported_and_its_result_not_recorded(factory, caplog) -> None:
    """A real loss is still reported; the loser's result and on_done are dropped, the winner's
    recorded once."""
    mine, theirs = add(factory, 2)
    gate = threading.Event()
    recorded: list[tuple[int, str]] = []

    held = threading.Event()

    def render(job):
        if job.id == theirs:  # running: what b takes over is held, not merely claimed
            held.set()
        if job.id == mine:  # meanwhile b takes over the other letter (its lease ran out)
            assert held.wait(30)
            with transaction(factory) as s:
                taken_by_b(s, theirs)
            assert until(lambda: theirs in runner._lost)
            gate.set()
        assert gate.wait(30)
        return {"by": "a"}

    runner = JobRunner(factory, {LETTER: render}, "a", parallel=2, parallel_kinds={LETTER},
                       lease=timedelta(seconds=0.3), on_done=lambda s, job, r: recorded.append((job.id, r["by"])))
    with caplog.at_level(logging.WARNING, logger="daemon.app.jobrunner"):
        assert runner.run_once() == 2
    assert recorded == [(mine, "a")] and state(factory, theirs) == ("running", "b")
    assert f"job {theirs} (render_letter, request None): lease lost while held" in caplog.text
    assert "its lease was taken over: result dropped" in caplog.text
    with transaction(factory) as s:  # b finishes it: recorded once, b's result
        assert jobs.complete(s, theirs, "b", {"by": "b"}) and not jobs.complete(s, theirs, "a", {"by": "a"})
    with factory() as s:
        assert s.get(Job, theirs).result == {"by": "b"}


def test_first_steps_claimed_together_are_entered_in_one_transaction_a_failing_one_alone(factory) -> None:
    """`together` kinds (the engine's first steps: nothing to do outside the transaction) claimed
    in one batch are recorded in one transaction, a savepoint each: one whose engine work fails
    is undone alone and retried; the others are entered."""
    ids = add(factory, 4, kind="enter_step")
    engine = factory.kw["bind"]
    commits: list[int] = []

    def committed(*_a) -> None:
        commits.append(1)

    event.listen(engine, "commit", committed)
    entered: list[int] = []

    def on_done(s, job, result):
        s.add(Request(code=f"LPT-2026-{job.id:04d}", requester_email="umum@bengkaliskab.go.id"))
        s.flush()
        if job.id == ids[2]:
            raise RuntimeError("engine bug")
        entered.append(job.id)

    runner = JobRunner(factory, {"enter_step": lambda job: {}, LETTER: lambda job: {}}, "a",
                       parallel=2, parallel_kinds={LETTER}, on_done=on_done)
    runner.together = frozenset({"enter_step"})
    try:
        assert runner.run_once(max_jobs=4) == 4
    finally:
        event.remove(engine, "commit", committed)
    assert entered == [ids[0], ids[1], ids[3]]
    # the claim, the four recorded together, the failure's record (not one commit per job)
    assert len(commits) <= 3, len(commits)
    states = rows(factory)
    assert [states[i][0] for i in ids] == ["done", "done", "queued", "done"]
    assert "engine bug" in states[ids[2]][2]
    with factory() as s:
        codes = set(s.scalars(select(Request.code)))
    assert codes == {f"LPT-2026-{i:04d}" for i in (ids[0], ids[1], ids[3])}  # the failed one's undone
