"""The job runner: claims due jobs, runs their handlers outside any transaction, records the outcome."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections import deque
from collections.abc import Collection, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from queue import SimpleQueue
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.app.job_leases import LeaseKeeper
from daemon.app.job_leases import label as _label
from daemon.core import logctx
from daemon.core.db import transaction
from daemon.core.jobs import (
    HOLDER_MAX,
    OUTAGE_RETRY,
    ClaimedJob,
    PermanentJobError,
    claim,
    claim_many,
    complete,
    fail,
    give_back,
    next_due,
)
from daemon.core.models import Request, utcnow
from daemon.core.outage import disk_full, host_outage

log = logging.getLogger("daemon.app.jobrunner")

Handler = Callable[[ClaimedJob], "dict[str, Any] | None"]
OnDone = Callable[[Session, ClaimedJob, "dict[str, Any]"], None]
OnFailed = Callable[[Session, ClaimedJob, str], None]
Finished = tuple[ClaimedJob, "dict[str, Any] | None", float]  # a result None: only its `after`
After = Callable[[ClaimedJob], None]
POLL_SECONDS = 2.0
BATCH_PER_SLOT = 2  # jobs claimed at once per job in flight (letters: per worker process)


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _checked(result: object) -> dict[str, Any]:
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise PermanentJobError(f"the handler returned {type(result).__name__}, not a dict")
    return result


class JobRunner(LeaseKeeper):
    """Runs jobs for one `holder` (unique per process or worker); see core/jobs.py for claims.

    Jobs of the kinds in `parallel_kinds` (letters: their handler waits on a worker process) run
    up to `parallel` at once, each in a thread with its own lease heartbeat; any other kind runs
    in the claiming thread, one at a time as with `parallel = 1`, while letters are in flight
    (so the engine's work here overlaps the rendering there)."""

    def __init__(self, factory: sessionmaker[Session], handlers: Mapping[str, Handler], holder: str,
                 on_done: OnDone | None = None, clock: Callable[[], datetime] | None = None,
                 lease: timedelta = timedelta(minutes=10), poll: float = POLL_SECONDS,
                 on_failed: OnFailed | None = None, parallel: int = 1,
                 parallel_kinds: Collection[str] = ()) -> None:
        if not 0 < len(holder) <= HOLDER_MAX:
            raise ValueError(f"holder must be 1 to {HOLDER_MAX} characters: {holder!r}")
        if parallel < 1:
            raise ValueError(f"parallel must be at least 1, not {parallel}")
        self.factory, self.handlers, self.holder = factory, dict(handlers), holder
        self.on_done, self.on_failed, self.now = on_done, on_failed, clock or utcnow
        self.lease, self.poll = lease, poll
        self.parallel, self.parallel_kinds = parallel, frozenset(parallel_kinds)
        self.skip: frozenset[str] = frozenset()  # kinds left to another instance (see leadership)
        self.lanes: frozenset[str] = frozenset()  # kinds another runner of this process runs (app/lanes.py)
        self.strict = False  # claims only the kinds it has handlers for (a lane's runner)
        # kinds whose handler does nothing outside the transaction (the engine's): several
        # claimed together are recorded in one transaction, each in a savepoint of its own
        self.together: frozenset[str] = frozenset()
        LeaseKeeper.__init__(self)

    def run_once(self, max_jobs: int | None = None, halt: Callable[[], bool] | None = None,
                 after: After | None = None) -> int:
        """Run due jobs until none is due, `max_jobs` were claimed or `halt()` is true (jobs in
        flight finish first); `after(job)` follows each. Returns how many ran."""
        if self.parallel == 1 or not self.parallel_kinds:
            return self._run_serial(max_jobs, halt, after)
        ran = 0
        flying: set[Future] = set()
        pending: deque[ClaimedJob] = deque()  # claimed together, not started yet
        finished: SimpleQueue[Finished] = SimpleQueue()  # handlers done, results not recorded yet
        with self._beating(), ThreadPoolExecutor(self.parallel, thread_name_prefix=f"jobs-{self.holder}") as threads:
            try:
                while (max_jobs is None or ran < max_jobs) and not (halt and halt()):
                    if len(flying) >= self.parallel:
                        flying = wait(flying, return_when=FIRST_COMPLETED).not_done
                    if not self._drop_lost(pending):  # a batch all lost: claim the next at once
                        pending.extend(self._claim_batch(max_jobs, ran))
                    job = self._next(pending)
                    if job is None:
                        if not flying and not pending:
                            break
                        if flying:
                            flying = wait(flying, return_when=FIRST_COMPLETED).not_done
                        self._finish_batch(finished, after)
                        continue
                    ran += 1
                    if job.kind in self.parallel_kinds:
                        flying.add(threads.submit(self._run_deferred, job, finished))
                    else:  # one at a time, here, as before
                        self._run_deferred(job, finished)
                        if job.kind in self.together and pending and pending[0].kind in self.together:
                            continue  # recorded with the next one, in one transaction
                    self._finish_batch(finished, after)
            finally:
                wait(flying)
                self._give_back(pending)
                self._finish_batch(finished, after)
        return ran

    def _claim_batch(self, max_jobs: int | None, ran: int) -> list[ClaimedJob]:
        """The next due jobs, claimed in one transaction: enough for the free slots and the next
        round (each is renewed by the runner's heartbeat until it runs)."""
        limit = BATCH_PER_SLOT * self.parallel
        if max_jobs is not None:
            limit = min(limit, max_jobs - ran)
        taken = self.claim_many(limit)
        with self._held_lock:
            self._held.update((job.id, job) for job in taken)
        return taken

    def _next(self, pending: deque[ClaimedJob]) -> ClaimedJob | None:
        """The next claimed job still ours (one whose lease the heartbeat lost is not run)."""
        return pending.popleft() if self._drop_lost(pending) else None

    def _give_back(self, pending: deque[ClaimedJob]) -> None:
        """Claimed but not started when the round ended (halt): queued again for anyone."""
        ids = [job.id for job in pending]
        pending.clear()
        if not ids:
            return
        with self._held_lock:
            for job_id in ids:
                self._held.pop(job_id, None)
        try:
            give_back(self.factory, ids, self.holder)
        except Exception:  # noqa: BLE001 - their leases run out and anyone claims them then
            log.exception("could not give back %d claimed job(s); retried when their leases end", len(ids))

    def _run_serial(self, max_jobs: int | None, halt: Callable[[], bool] | None,
                    after: After | None) -> int:
        ran = 0
        while (max_jobs is None or ran < max_jobs) and not (halt and halt()):
            job = self.claim()
            if job is None:
                break
            self._run_then(job, after)
            ran += 1
        return ran

    def _run_deferred(self, job: ClaimedJob, finished: SimpleQueue[Finished]) -> None:
        """Run the handler; its success is recorded later with others (_finish_batch)."""
        with logctx.about(self._code_of(job)):
            self._run_job(job, finished)

    def _finish_batch(self, finished: SimpleQueue[Finished], after: After | None) -> None:
        """Record every finished job waiting in `finished` in one transaction, each in its own
        savepoint (a failing on_done undoes its job alone: retried); then `after` for each."""
        batch: list[Finished] = []
        while not finished.empty():
            batch.append(finished.get())
        done = [(job, result, seconds) for job, result, seconds in batch if result is not None]
        if len(done) == 1:
            self._finish(*done[0])
        elif done:
            self._finish_many(done)
        for job, result, _ in batch:
            if result is None:  # the job's last entry: after its result (if any) is recorded
                self._after(job, after)

    def _finish_many(self, done: list[tuple[ClaimedJob, dict[str, Any], float]]) -> None:
        self._release(*(job for job, _, _ in done))
        broken: list[tuple[ClaimedJob, BaseException]] = []
        lost: list[ClaimedJob] = []
        try:
            with transaction(self.factory) as s:
                for job, result, _ in done:
                    try:
                        with logctx.about(job.code), s.begin_nested():
                            if not complete(s, job.id, self.holder, result, now=self.now()):
                                lost.append(job)
                            elif self.on_done is not None:
                                self.on_done(s, job, result)
                    except Exception as exc:  # noqa: BLE001 - this job alone is undone and retried
                        broken.append((job, exc))
        except Exception:  # noqa: BLE001 - the whole batch rolled back: each on its own then
            log.warning("recording %d finished jobs together failed; one by one", len(done), exc_info=True)
            for item in done:
                self._finish(*item)
            return
        for job, result, seconds in done:
            if any(job is j for j in lost):
                log.warning("%s finished, but its lease was taken over: result dropped", _label(job))
            elif not any(job is b for b, _ in broken):
                log.info("%s done in %.2f s (attempt %d)", _label(job), seconds, job.attempts)
        for job, exc in broken:
            log.error("%s: recording its result failed; will retry", _label(job), exc_info=exc)
            self._fail(job, f"after the handler succeeded: {_describe(exc)}", False, disk_full(exc))

    def _after(self, job: ClaimedJob, after: After | None) -> None:
        if after is not None:
            try:
                after(job)
            except Exception:  # noqa: BLE001 - a wake-up only; the job is recorded
                log.exception("%s: the follow-up after it failed", _label(job))

    def _run_then(self, job: ClaimedJob, after: After | None) -> None:
        self.run_job(job)
        self._after(job, after)

    def claim(self) -> ClaimedJob | None:
        return claim(self.factory, self.holder, self._kinds(), lease=self.lease, now=self.now(),
                     exclude=self.lanes)

    def claim_many(self, limit: int) -> list[ClaimedJob]:
        return claim_many(self.factory, self.holder, self._kinds(), limit, lease=self.lease,
                          now=self.now(), exclude=self.lanes)

    def _kinds(self) -> list[str] | None:
        """The kinds this runner takes: all (but a lane's), or (a standby, or a lane's runner)
        those it has handlers for, but those in `skip`."""
        return [k for k in self.handlers if k not in self.skip] if self.skip or self.strict else None

    def run_job(self, job: ClaimedJob) -> None:
        """Run a claimed job's handler and record done, retry or failed (its log lines name its
        request's code)."""
        with logctx.about(self._code_of(job)):
            self._run_job(job)

    def _code_of(self, job: ClaimedJob) -> str | None:
        if job.request_id is None or job.code is not None:
            return job.code
        try:
            with self.factory() as s:
                return s.scalar(select(Request.code).where(Request.id == job.request_id))
        except Exception:  # noqa: BLE001 - only a log label; the job itself meets the error
            return None

    def _run_job(self, job: ClaimedJob, finished: SimpleQueue[Finished] | None = None) -> None:
        """The handler, then its outcome recorded (a success: into `finished`, when given, for
        _finish_batch; a failure at once)."""
        try:
            self._handle(job, finished)
        finally:
            if finished is not None:
                finished.put((job, None, 0.0))  # only `after` for it, unless its result came first

    def _handle(self, job: ClaimedJob, finished: SimpleQueue[Finished] | None) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            known = ", ".join(sorted(self.handlers)) or "none"
            self._fail(job, f"no handler for job kind {job.kind!r} (known: {known})", True)
            return
        started = time.monotonic()
        try:
            with self._heartbeat(job):
                result = _checked(handler(job))
        except PermanentJobError as exc:
            self._fail(job, str(exc) or _describe(exc), True)
        except Exception as exc:  # noqa: BLE001 - any other error is worth another try
            self._fail(job, _describe(exc), False, host_outage(exc))
        else:
            if finished is None:
                self._finish(job, result, time.monotonic() - started)
            else:
                finished.put((job, result, time.monotonic() - started))

    def _finish(self, job: ClaimedJob, result: dict[str, Any], seconds: float) -> None:
        self._release(job)
        try:
            with transaction(self.factory) as s:
                if not complete(s, job.id, self.holder, result, now=self.now()):
                    log.warning("%s finished, but its lease was taken over: result dropped", _label(job))
                    return
                if self.on_done is not None:
                    self.on_done(s, job, result)
        except Exception as exc:  # noqa: BLE001 - rolled back: the job stays ours and is retried
            log.exception("%s: recording its result failed; will retry", _label(job))
            self._fail(job, f"after the handler succeeded: {_describe(exc)}", False, disk_full(exc))
            return
        log.info("%s done in %.2f s (attempt %d)", _label(job), seconds, job.attempts)

    def _fail(self, job: ClaimedJob, error: str, permanent: bool, outage: bool = False) -> None:
        self._release(job)
        try:
            with transaction(self.factory) as s:
                recorded = fail(s, job.id, self.holder, error, permanent, now=self.now(), outage=outage)
                final = not outage and (permanent or job.attempts >= job.max_attempts)
                if recorded and final and self.on_failed is not None:
                    self._failed_for_good(s, job, error)
        except Exception:  # noqa: BLE001 - the lease runs out and the job is claimed again
            log.exception("%s: could not record its failure; retried when the lease ends", _label(job))
            return
        if not recorded:
            log.warning("%s failed, but its lease was taken over: %s", _label(job), error)
        elif outage and not permanent:
            log.warning("%s: the host is failing (disk full, or stopping); tried again in %.0f s "
                        "(attempt not counted): %s",
                        _label(job), OUTAGE_RETRY.total_seconds(), error.splitlines()[-1])
        elif permanent or job.attempts >= job.max_attempts:
            log.error("%s failed for good after attempt %d/%d: %s", _label(job), job.attempts,
                      job.max_attempts, error)
        else:
            log.warning("%s failed (attempt %d/%d), will retry: %s", _label(job), job.attempts,
                        job.max_attempts, error)

    def _failed_for_good(self, s: Session, job: ClaimedJob, error: str) -> None:
        """Tell the engine (in a savepoint: its own error must not undo the failure's record)."""
        try:
            with s.begin_nested():
                self.on_failed(s, job, error)  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - the failure itself stays recorded
            log.exception("%s: handling its failure failed", _label(job))

    def seconds_to_next(self) -> float:
        """How long to sleep: until the earliest job is due, at most the poll interval."""
        with self.factory() as s:
            due = next_due(s, self._kinds(), self.lanes)
        if due is None:
            return self.poll
        return min(self.poll, max(0.05, (due - self.now()).total_seconds()))

    async def run(self, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Run jobs until `stop`; `wake` (set after new jobs are committed) cuts the sleep short.

        Handlers already running when `stop` is set finish first (their threads cannot be
        interrupted: give slow handlers their own timeouts). If the process dies meanwhile, the
        lease runs out and the job runs again later: handlers must be idempotent.
        """
        while not stop.is_set():
            wake.clear()
            try:
                await asyncio.to_thread(self.run_once, None, stop.is_set)
                pause = await asyncio.to_thread(self.seconds_to_next)
            except Exception:  # noqa: BLE001 - e.g. the database restarting: try again later
                log.exception("job runner: database error; trying again in %.0f s", self.poll)
                pause = self.poll
            await _wait_any(stop, wake, pause)


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
