"""Worker processes for CPU-bound job work (letters): made on first use, made anew when one dies."""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, TypeVar

log = logging.getLogger("daemon.app.procpool")
T = TypeVar("T")


class WorkerDied(RuntimeError):
    """A worker process ended while it worked (killed, out of memory): the job is tried again."""


ORPHAN_CHECK_S = 0.5


def _worker_start(parent: int, nice: int = 0) -> None:
    """Ctrl-C and SIGTERM are for the daemon, which stops its workers itself (a letter being
    rendered is finished). A worker whose daemon is gone (killed: its task pipe stays open, as
    every worker holds both ends) exits within ORPHAN_CHECK_S. `nice`: the worker runs at that
    much lower a CPU priority, so a backlog of letters never slows the daemon's own work."""
    if nice:
        try:
            os.nice(nice)
        except OSError:  # not allowed here: the letters run at the daemon's priority
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), name="orphan-check", daemon=True).start()


def _import(modules: tuple[str, ...]) -> None:
    """In a worker: import what its letters will need (see ProcessPool.prestart)."""
    for name in modules:
        importlib.import_module(name)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(0)


# Workers are forked from the daemon: its own imports are there already, and the letter's
# libraries (docxtpl, python-docx, lxml: kept out of the main process) are imported by a worker
# started ahead when a message comes in (prestart), so a worker is ready in milliseconds (`spawn` took seconds under load: a daemon killed and restarted often
# never got its letters done). A worker only renders a .docx to a file: it uses none of the
# daemon's threads, connections or converter, and leaves by os._exit (no atexit handlers).
START_METHOD = "fork"


class ProcessPool:
    """Runs a function in one of `processes` worker processes, `nice` below the daemon's priority."""

    def __init__(self, processes: int, nice: int = 0) -> None:
        if processes < 1:
            raise ValueError(f"a pool needs at least one process, not {processes}")
        self.processes, self.nice = processes, nice
        self.recreated = 0  # pools made anew after a worker died
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._busy = 0  # calls in flight
        self.last_used: float | None = None  # monotonic time the last call ended (None: none yet)

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a worker process (fn and args must pickle); its exception is raised here.
        A worker that dies raises WorkerDied for every call it takes down, and the next call
        gets a new pool."""
        executor = self._current(busy=True)
        try:
            return executor.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            self._discard(executor)
            raise WorkerDied("the worker process ended while rendering (killed or out of memory); "
                             "tried again") from exc
        finally:
            with self._lock:
                self._busy -= 1
                self.last_used = time.monotonic()

    def close_if_idle(self, seconds: float) -> float:
        """Stop the workers if no call is in flight and none ended in the last `seconds` (the next
        call forks them again). The seconds until they would be stopped; inf when there is nothing
        to stop (none running, or `seconds` is 0). Safe beside callers in other threads: a call
        that starts meanwhile gets a new pool, never a closed one."""
        with self._lock:
            if not seconds or self._executor is None or self.last_used is None:
                return float("inf")
            left = self.last_used + seconds - time.monotonic()
            if self._busy or left > 0:
                return max(left, 1.0)
            executor, self._executor = self._executor, None
        executor.shutdown(wait=True)
        log.info("letter workers stopped: no letter for %.0f s", seconds)
        return float("inf")

    def warm(self) -> list[int]:
        """Start every worker now (they start one by one as letters come otherwise); their pids."""
        executor = self._current()
        futures = [executor.submit(time.sleep, 0.2) for _ in range(self.processes)]
        for future in futures:
            future.result()
        return self.pids()

    def prestart(self, modules: tuple[str, ...]) -> bool:
        """Fork the workers now when none run, each importing `modules` at once, and return
        without waiting: a message being read meanwhile finds them ready for its letter (the main
        process holds none of a letter's libraries). Counts as a use for close_if_idle. True
        when it started them."""
        with self._lock:
            if self._executor is not None:
                return False
            self.last_used = time.monotonic()
        executor = self._current()
        for _ in range(self.processes):
            executor.submit(_import, modules)
        return True

    def pids(self) -> list[int]:
        """The worker processes now running (none before the first call)."""
        with self._lock:
            procs = getattr(self._executor, "_processes", None) or {}
            return [p.pid for p in list(procs.values()) if p.is_alive()]

    def close(self, wait: bool = True) -> None:
        """Stop the workers (a letter being rendered is finished first when `wait`)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)

    def _current(self, busy: bool = False) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.processes, mp_context=multiprocessing.get_context(START_METHOD),
                    initializer=_worker_start, initargs=(os.getpid(), self.nice))
                log.info("letters are rendered by %d worker process(es) at nice +%d", self.processes,
                         self.nice)
            self._busy += busy
            return self._executor

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        """Drop a broken pool once (several callers may see the same death)."""
        with self._lock:
            if self._executor is not executor:
                return
            self._executor = None
            self.recreated += 1
        log.warning("a worker process died; its jobs are tried again in a new pool")
        executor.shutdown(wait=False, cancel_futures=True)


_shared: ProcessPool | None = None
_shared_lock = threading.Lock()


def shared(processes: int, nice: int | None = None) -> ProcessPool:
    """The daemon's pool (one per process, kept across reloads); made with `processes` workers
    at `nice` (None: the pool's as it is, or 0 for a new one)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.processes != processes or (nice is not None and _shared.nice != nice):
            if _shared is not None:
                _shared.close(wait=False)
            _shared = ProcessPool(processes, nice or 0)
        return _shared


def current_shared() -> ProcessPool | None:
    """The daemon's pool if one was made (none: letters are rendered in-process or none came)."""
    with _shared_lock:
        return _shared


def close_shared(wait: bool = True) -> None:
    with _shared_lock:
        pool = _shared
    if pool is not None:
        pool.close(wait)
