"""Letters (with their PDF copies) in a lane of their own: a hung LibreOffice holds up no other job.

A letter's PDF copy waits on LibreOffice, up to `[pdf] convert_timeout_seconds` when it hangs.
In the daemon's one job runner that wait held up every other kind: publishing, SLA timers and
reminders, the morning digest. A `Lane` claims only its kinds, with a runner of its own (the main
runner's handlers, outcome hooks and clock; its own holder name, so its claims are its own) in a
thread of its own, and the main runner leaves those kinds to it (`JobRunner.lanes`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection

from daemon.app import procpool
from daemon.app.jobrunner import After, JobRunner
from daemon.core.jobs import HOLDER_MAX
from daemon.core.outage import Outage
from daemon.paperwork import letters

log = logging.getLogger("daemon.app.lanes")
# Letters in flight beyond the worker processes: queued in the pool, so a worker starts the
# next letter at once instead of idling while this process records a result, prepares the next,
# or waits for the write lock the main runner holds while it enters a batch of first steps
# (bench_backlog --timeline: ~23 ms idle per letter with exactly one letter per worker; with one
# ahead the workers were still idle 31% of a backlog, 49-53 letters/s; with two, 59-67/s). A
# reply's letter, claimed first, waits at most for these two (~30 ms).
AHEAD = 2


class Wake(asyncio.Event):
    """An event that, when set, also sets others (the main loop's wake-up wakes the lanes)."""

    def __init__(self, *others: asyncio.Event) -> None:
        super().__init__()
        self.others = list(others)

    def set(self) -> None:
        super().set()
        for other in self.others:
            other.set()


class Lane:
    """Runs the jobs of `kinds` beside the main runner, never in its thread. `idle_workers`: the
    seconds ([jobs] idle_workers_seconds) after which the letter workers it renders in stop (None:
    a lane that renders no letters)."""

    def __init__(self, kinds: Collection[str], role: str = "letters",
                 idle_workers: Callable[[], float] | None = None) -> None:
        self.kinds, self.role, self.idle_workers = frozenset(kinds), role, idle_workers
        self.wake = asyncio.Event()
        self.runner: JobRunner | None = None
        self._main: JobRunner | None = None

    def split(self, main: JobRunner) -> JobRunner:
        """Take the lane's kinds away from `main` (the daemon's runner, made anew after a reload)
        and return the lane's own runner for them, on the same context."""
        if main is self._main and self.runner is not None:
            return self.runner
        main.lanes = main.lanes | self.kinds
        holder = f"{main.holder.rsplit(':', 1)[0]}:{self.role}"[:HOLDER_MAX]
        runner = JobRunner(main.factory, {k: h for k, h in main.handlers.items() if k in self.kinds},
                           holder, on_done=main.on_done, on_failed=main.on_failed, clock=main.now,
                           lease=main.lease, poll=main.poll,
                           parallel=main.parallel + (AHEAD if main.parallel > 1 else 0),
                           parallel_kinds=main.parallel_kinds & self.kinds)
        runner.strict = True
        self.runner, self._main = runner, main
        return runner

    async def run(self, stop: asyncio.Event, current: Callable[[], JobRunner],
                  after: After | None = None, context: Callable[[], object] = lambda: None) -> None:
        """Run the lane's due jobs until `stop`. `current()` (called here, on the event loop) is
        the main runner on the current context; when `context()` changes (a reload), the round
        ends between two jobs and the next one follows the new runner."""
        outage = Outage(log, f"{self.role} lane round")
        while not stop.is_set():
            self.wake.clear()
            pause = 2.0
            try:
                ctx = context()
                runner = self.split(current())
                await asyncio.to_thread(runner.run_once, None,
                                        lambda ctx=ctx: stop.is_set() or context() is not ctx, after)
                pause = await asyncio.to_thread(runner.seconds_to_next)
                pause = min(pause, await self.stop_idle_workers())
                outage.ok()
            except Exception as exc:  # noqa: BLE001 - e.g. the database briefly away; try again
                outage.failed(exc)
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            await asyncio.wait(waiters, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()

    def prestart_workers(self) -> bool:
        """A message came in: fork the letter workers now if they were stopped (idle), so the
        letter its reply may bring does not wait for a worker to import docxtpl (~50-150 ms).
        Only once a pool was made (the first letter of this process makes it); True if started."""
        pool = procpool.current_shared()
        try:
            return pool is not None and pool.prestart(letters.WORKER_IMPORTS)
        except Exception as exc:  # noqa: BLE001 - only a head start: the letter forks its own
            log.warning("letter workers not started ahead: %s", exc)
            return False

    async def stop_idle_workers(self) -> float:
        """The letter workers stop once no letter came for `idle_workers()` seconds, so an idle
        daemon holds no worker's memory; the next letter forks them again (the pool checks, under
        its lock, that no letter is in flight). The seconds until they would be stopped (inf: none)."""
        idle = self.idle_workers() if self.idle_workers else 0
        pool = procpool.current_shared()
        if not idle or pool is None:
            return float("inf")
        return await asyncio.to_thread(pool.close_if_idle, idle)
