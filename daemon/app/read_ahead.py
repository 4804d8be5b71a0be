"""Reading the next batch of stored messages in a second process while this batch is written, so
the reading's CPU runs on another core; the reading budget's time limit is enforced there."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import time
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from daemon.app import procpool
from daemon.core import quarantine_reasons as reasons
from daemon.core.config_running import ReadingCfg
from daemon.core.places import Places
from daemon.reading import budget, quotes
from daemon.reading.extract import extract_requests
from daemon.reading.ocr import OcrCache, OcrSource

log = logging.getLogger("daemon.app.dispatcher")
NOT_LETTERS = ("bounce", "auto_reply", "list")
SLACK_SECONDS = 10.0  # beyond the budget, before the reading process is given up on
START_SECONDS = 60.0  # a new reading process's start (imports), on a busy machine
MAX_BREAKS = 3  # reading processes that died or hung: then every batch is read inline
RECYCLE_MESSAGES = 5_000  # a reading process reads at most this many messages, then a new one starts
RECYCLE_USS_MB = 40.0  # ... or fewer, once its own memory (USS: the pages no other process shares)
# passes this: lxml's, the PDF and image readers' heaps. Forked from the daemon, the process shares
# the daemon's imports, so its RSS (64 MB retired it every batch: intake 300 -> 124-160/s; 128 MB
# never did, and it reached 85 MB RSS / 73 MB USS over 5,000 messages) says little about its cost.
RECYCLE_MIN_MESSAGES = 32  # read at least this many before the USS bound retires it (no thrashing)
# The reading process is forked from the daemon, as the letter workers are (app/procpool.py): it
# starts in milliseconds with every reader imported, and its imports' pages stay shared with the
# daemon. A forkserver start re-imported the readers (~1 s, 31 MB of its own) beside a forkserver
# and a resource tracker (~10 MB each). It uses none of the daemon's threads or connections.
START_METHOD = "fork"
PROCESS_NAME = "liputan-read"  # its name in /proc/PID/comm

@dataclass(frozen=True)
class Settings:
    """What reading a message needs, with no database: sent to the reading process once."""

    reading: ReadingCfg
    domain: str | None
    places: Places
    ocr_cache: OcrCache | None
    defer_ocr: bool


def read_alone(settings: Settings, inbound_id: int, raw_path: str, now: datetime) -> budget.Prepared:
    """Parse and classify the message within its budget and, for what may be a new letter,
    extract its requests (scans only from the OCR cache when OCR is deferred)."""
    pre = budget.prepare(Path(raw_path).read_bytes(), settings.reading, settings.domain)
    pre.inbound_id = inbound_id
    c = pre.c
    if pre.over is None and not (c.references or c.tag) and c.kind not in NOT_LETTERS:
        ocr = OcrSource(settings.ocr_cache) if settings.defer_ocr else None
        pre.letters = extract_requests(pre.msg, settings.places, now, ocr)
        pre.ocr_needed = list(ocr.needed) if ocr is not None else []
    return pre


# ---- in the reading process ----------------------------------------------------------------------
_settings: Settings | None = None


class _OverTime(BaseException):
    """Not an Exception: the readers' own `except Exception` guards must not swallow it."""


def _start(settings: Settings, our_text: str | None = None, parent: int | None = None) -> None:
    """In the new reading process: the settings kept; Ctrl-C and SIGTERM are the daemon's (it
    stops this process itself); forked, it exits once the daemon is gone, and its signals no
    longer wake the daemon's event loop (the wake-up fd was inherited)."""
    global _settings
    _settings = settings
    if our_text is not None:  # the templates' sentences of the daemon's start (an upgrade may have replaced the files)
        quotes.pin(our_text)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the service stops it; Ctrl-C is the parent's
    if parent is not None:
        # what it inherited is out of its collector's sight: a collection would otherwise write to
        # those objects' headers and copy their pages into this process (what still becomes its own
        # is mostly the daemon's writes after the fork: the USS bound and the idle stop cover that)
        gc.freeze()
        procpool._worker_start(parent)
        try:  # `ps -o comm`, top and the memory benchmark tell it from the letter workers
            Path("/proc/self/comm").write_text(PROCESS_NAME)
        except OSError:
            pass
        try:
            signal.set_wakeup_fd(-1)
        except ValueError:  # not the main thread (never, in a process of its own)
            pass


def _alarm(signum: int, frame: Any) -> None:
    raise _OverTime


def _read(inbound_id: int, raw_path: str, now: datetime) -> budget.Prepared | None:
    """One message read in the reading process; stopped when it runs over the time budget.
    None: it failed here, and is read again where the failure is handled as always."""
    limit = _settings.reading.max_seconds
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return read_alone(_settings, inbound_id, raw_path, now)
    except _OverTime:
        return budget.Prepared(over=budget.over_time(limit, _settings.reading), seconds=limit,
                               inbound_id=inbound_id)
    except Exception:
        logging.getLogger(__name__).debug("inbound %d: not read ahead", inbound_id, exc_info=True)
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# ---- in the dispatcher -----------------------------------------------------------------------------
@dataclass
class Pending:
    """A batch being read in the reading process, in claim order."""

    futures: list[tuple[int, Future]]
    fresh: bool  # the process was started for it (its start counts against the first message)
    pool: ProcessPoolExecutor | None = None  # the process reading it (it may since have been retired)


class ReadAhead:
    """One reading process, started when a backlog first needs it and reused; when it dies or
    hangs, the message it was reading is quarantined as over budget, the rest read inline. After
    RECYCLE_MESSAGES messages, or once its own memory (USS) passes RECYCLE_USS_MB, the next batch
    goes to a new process; the old one finishes the batch it holds and then exits (its heap goes
    with it). Once no batch came for `close_if_idle`'s seconds, it stops (forked again for the
    next backlog)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.pool: ProcessPoolExecutor | None = None
        self.breaks = 0
        self.stopped = False  # the service is stopping: no new process, nothing judged
        self.proven = False  # the process has read a batch: its start-up is behind it
        self.given = 0  # messages given to the current process
        self.retired: list[ProcessPoolExecutor] = []  # finishing what they hold, then exiting
        self.recycled = 0  # processes retired for their age or size
        self.last_used = time.monotonic()  # a batch was last given or collected
        self.idled = 0  # processes stopped for want of work

    def submit(self, items: list[tuple[int, str]], now: datetime) -> Pending | None:
        """Start reading `items` (id, raw path); None: read them inline."""
        if self.breaks >= MAX_BREAKS or self.stopped or not items:
            return None
        if self.pool is not None and self._worn():
            self._retire()
        fresh = self.pool is None or not self.proven
        try:
            pool = self._pool()
            self.given += len(items)
            self.last_used = time.monotonic()
            return Pending([(i, pool.submit(_read, i, path, now)) for i, path in items], fresh, pool)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            self._broken(f"could not start: {exc}")
            return None

    def warm(self) -> Future | None:
        """Start the reading process now (with the service), so that the first backlog after a
        start does not wait for it; the future is done once the process is ready."""
        if self.breaks >= MAX_BREAKS or self.stopped:
            return None
        try:
            ready = self._pool().submit(os.getpid)
            if self.stopped:  # the service stopped meanwhile
                self.close(final=True)
            return ready
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            self._broken(f"could not start: {exc}")
            return None

    def _worn(self) -> bool:
        """The current process has read its share, or grown past the bound."""
        if self.given >= RECYCLE_MESSAGES:
            return True
        if self.given < RECYCLE_MIN_MESSAGES:
            return False
        return any(uss_mb(proc.pid) > RECYCLE_USS_MB
                   for proc in list((getattr(self.pool, "_processes", None) or {}).values()))

    def close_if_idle(self, seconds: float) -> bool:
        """Stop the reading process once no batch was given or collected for `seconds` (0: it
        stays); a retired one still finishing is left to exit by itself. Called by the thread
        that submits and collects, between two rounds. True when it stopped one."""
        if not seconds or self.pool is None or time.monotonic() - self.last_used < seconds:
            return False
        pool, self.pool = self.pool, None
        self.idled += 1
        log.info("reading process: stopped after %.0f s without a backlog (%d messages read)",
                 seconds, self.given)
        pool.shutdown(wait=True)
        return True

    def _retire(self) -> None:
        """The next batch goes to a new process: this one reads what it was given (the batch the
        dispatcher will collect next) and exits; nothing queued is cancelled."""
        pool, self.pool = self.pool, None
        if getattr(pool, "_pending_work_items", None):  # a batch to finish: collected, then it leaves
            self.retired.append(pool)  # (kept only until then: one retired between two backlogs
            # was kept for the daemon's life, with its queues, each time)
        self.recycled += 1
        log.info("reading process: retired after %d messages; a new one reads the next batch", self.given)
        pool.shutdown(wait=False)

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.proven = False
            self.given = 0
            ctx = multiprocessing.get_context(START_METHOD)
            self.pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=_start,
                                            initargs=(self.settings, quotes.warm(), os.getpid()))
        return self.pool

    def collect(self, pending: Pending) -> dict[int, budget.Prepared | None]:
        """The messages read so far: an id left out is read inline; one that stopped the
        process is over its budget (quarantined with the reason, never read again here)."""
        out: dict[int, budget.Prepared | None] = {}
        wait = self.settings.reading.max_seconds + SLACK_SECONDS
        for n, (inbound_id, fut) in enumerate(pending.futures):
            try:
                out[inbound_id] = fut.result(timeout=wait + (START_SECONDS if pending.fresh and n == 0 else 0))
            except FutureTimeout:
                out[inbound_id] = self._over(inbound_id, "reading_stopped", limit=f"{wait:g}")
                self._broken(f"inbound {inbound_id} not read within {wait:g} s", pending.pool)
                break
            except (BrokenProcessPool, CancelledError):
                if self.stopped:  # stopped on purpose: the rest is read inline
                    break
                out[inbound_id] = self._over(inbound_id, "reader_ended")
                self._broken(f"it ended while reading inbound {inbound_id}", pending.pool)
                break
        else:
            self.last_used = time.monotonic()
            if pending.pool is not None and pending.pool is self.pool:
                self.proven = True
            elif pending.pool in self.retired:  # its last batch: it exits by itself
                self.retired.remove(pending.pool)
        return out

    def _over(self, inbound_id: int, code: str, **fields: str) -> budget.Prepared:
        return budget.Prepared(over=reasons.english(code, **fields), inbound_id=inbound_id)

    def _broken(self, why: str, pool: ProcessPoolExecutor | None = None) -> None:
        """The process that failed is stopped: the current one, or a retired one (then the
        current one, already reading the next batch, is left alone: MAX_BREAKS still counts)."""
        self.breaks += 1
        log.warning("reading process: %s; this batch is read inline%s", why,
                    " from now on" if self.breaks >= MAX_BREAKS else "")
        if pool is not None and pool in self.retired:
            self.retired.remove(pool)
            _kill(pool)
            return
        self.close()

    def close(self, final: bool = False) -> None:
        """Stop the reading process at once (`final`: the service stops; what it was reading is
        read inline, never judged)."""
        self.stopped = self.stopped or final
        pool, self.pool = self.pool, None
        if final:
            retired, self.retired = self.retired, []
            for old in retired:
                _kill(old)
        if pool is not None:
            _kill(pool)


def _kill(pool: ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def uss_mb(pid: int) -> float:
    """A process's own memory in MB: the pages of its RSS that no other process shares
    (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup); 0 when it is gone or unreadable."""
    kb = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                kb += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return kb / 1024


def rss_mb(pid: int) -> float:
    """A process's resident memory (VmRSS) in MB; 0 when it is gone or unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
