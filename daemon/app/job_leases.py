"""The job runner's leases: one heartbeat renewing every job a round holds, or one per job."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from daemon.core.jobs import ClaimedJob, renew, renew_many

log = logging.getLogger("daemon.app.jobrunner")
# after a failed renewal, try again in a twelfth of the lease, not a third: three failures in a
# row (a database briefly locked or away) still leave the lease time to be renewed
RETRY_DIVISOR = 12


def label(job: ClaimedJob) -> str:
    return f"job {job.id} ({job.kind}, request {job.request_id})"


class LeaseKeeper:
    """Keeps the leases of the jobs a runner holds (claimed and waiting, or running)."""

    factory: sessionmaker[Session]
    holder: str
    lease: timedelta
    now: Callable[[], datetime]

    def __init__(self) -> None:
        self._held: dict[int, ClaimedJob] = {}  # claimed, running or its outcome not yet recorded
        self._held_lock = threading.Lock()
        self._lost: set[int] = set()  # held jobs whose lease another holder took
        self._beat: threading.Thread | None = None

    @contextmanager
    def _heartbeat(self, job: ClaimedJob) -> Iterator[None]:
        """Renew the lease every third of it while the handler runs, so only a dead worker's
        jobs are taken over: by the runner's heartbeat in a round of run_once (one statement
        for every job it holds), else by a thread of the job's own."""
        if self._beat is not None:  # held until its outcome is recorded (_release)
            with self._held_lock:
                self._held[job.id] = job
            yield
            return
        done = threading.Event()
        beat = threading.Thread(target=self._renew_until, args=(job, done), daemon=True,
                                name=f"lease-job-{job.id}")
        beat.start()
        try:
            yield
        finally:
            done.set()
            beat.join()

    @contextmanager
    def _beating(self) -> Iterator[None]:
        """One heartbeat thread for the round: renews the lease of every job held (claimed and
        waiting, running, or finished with its result waiting to be recorded) every third of
        the lease, so none runs out while this runner still means to run or record it."""
        done = threading.Event()
        self._lost = set()
        self._beat = threading.Thread(target=self._renew_held, args=(done,), daemon=True,
                                      name=f"lease-jobs-{self.holder}")
        self._beat.start()
        try:
            yield
        finally:
            done.set()
            self._beat.join()
            self._beat = None

    def _release(self, *jobs: ClaimedJob) -> None:
        """The runner is about to record these jobs' outcomes: no longer renewed, and a renewal
        that misses them from now on (done, failed or retried by us) is no loss."""
        with self._held_lock:
            for job in jobs:
                self._held.pop(job.id, None)

    def _drop_lost(self, pending: deque[ClaimedJob]) -> bool:
        """Drop the claimed jobs whose lease the heartbeat found lost (left to their new holder,
        never started here); whether any job is left."""
        with self._held_lock:
            lost = [job for job in pending if job.id in self._lost]
            for job in lost:
                pending.remove(job)
                self._held.pop(job.id, None)
        for job in lost:
            log.warning("%s: its lease was lost before it started; left to its new holder", label(job))
        return bool(pending)

    def _renew_held(self, done: threading.Event) -> None:
        pause = self.lease.total_seconds() / 3
        while not done.wait(pause):
            pause = self.lease.total_seconds() / (3 if self._renew_once() else RETRY_DIVISOR)

    def _renew_once(self) -> bool:
        """Renew every held job's lease; a job missing from the renewal is lost only if the
        runner still holds it afterwards (one whose outcome it recorded meanwhile was released
        first). False when the renewal failed (tried again soon, before the leases run out)."""
        with self._held_lock:
            held = dict(self._held)
        try:
            kept = renew_many(self.factory, list(held), self.holder, self.lease, now=self.now())
        except Exception:  # noqa: BLE001 - tried again soon
            log.warning("could not renew the leases of %d job(s)", len(held), exc_info=True)
            return False
        with self._held_lock:
            lost = [held[i] for i in set(held) - kept if i in self._held and i not in self._lost]
            self._lost.update(job.id for job in lost)
        for job in lost:
            log.warning("%s: lease lost while held (taken over, or run out and given up)", label(job))
        return True

    def _renew_until(self, job: ClaimedJob, done: threading.Event) -> None:
        pause = self.lease.total_seconds() / 3
        while not done.wait(pause):
            pause = self.lease.total_seconds() / RETRY_DIVISOR
            try:
                if not renew(self.factory, job.id, self.holder, self.lease, now=self.now()):
                    log.warning("%s: lease lost while running", label(job))
                    return
            except Exception:  # noqa: BLE001 - tried again soon
                log.warning("%s: could not renew the lease", label(job), exc_info=True)
                continue
            pause = self.lease.total_seconds() / 3

