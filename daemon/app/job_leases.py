"""The job runner's leases: one heartbeat renewing every job a round holds, or one per job."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from daemon.core.jobs import ClaimedJob, renew, renew_many

log = logging.getLogger("daemon.app.jobrunner")


def label(job: ClaimedJob) -> str:
    return f"job {job.id} ({job.kind}, request {job.request_id})"


class LeaseKeeper:
    """Keeps the leases of the jobs a runner holds (claimed and waiting, or running)."""

    factory: sessionmaker[Session]
    holder: str
    lease: timedelta
    now: Callable[[], datetime]

    def __init__(self) -> None:
        self._held: dict[int, ClaimedJob] = {}  # claimed or running in this round, by id
        self._held_lock = threading.Lock()
        self._lost: set[int] = set()  # held jobs whose lease another holder took
        self._beat: threading.Thread | None = None

    @contextmanager
    def _heartbeat(self, job: ClaimedJob) -> Iterator[None]:
        """Renew the lease every third of it while the handler runs, so only a dead worker's
        jobs are taken over: by the runner's heartbeat in a round of run_once (one statement
        for every job it holds), else by a thread of the job's own."""
        if self._beat is not None:
            with self._held_lock:
                self._held[job.id] = job
            try:
                yield
            finally:
                with self._held_lock:
                    self._held.pop(job.id, None)
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
        """One heartbeat thread for the round: renews the lease of every job held (claimed or
        running) every third of the lease."""
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

    def _renew_held(self, done: threading.Event) -> None:
        while not done.wait(self.lease.total_seconds() / 3):
            with self._held_lock:
                held = dict(self._held)
            try:
                kept = renew_many(self.factory, list(held), self.holder, self.lease, now=self.now())
            except Exception:  # noqa: BLE001 - try again at the next beat
                log.warning("could not renew the leases of %d job(s)", len(held), exc_info=True)
                continue
            for job_id in set(held) - kept:
                if job_id not in self._lost:
                    self._lost.add(job_id)
                    log.warning("%s: lease lost while held", label(held[job_id]))

    def _renew_until(self, job: ClaimedJob, done: threading.Event) -> None:
        while not done.wait(self.lease.total_seconds() / 3):
            try:
                if not renew(self.factory, job.id, self.holder, self.lease, now=self.now()):
                    log.warning("%s: lease lost while running", label(job))
                    return
            except Exception:  # noqa: BLE001 - try again at the next beat
                log.warning("%s: could not renew the lease", label(job), exc_info=True)

