"""Watches the shared folder and reports each complete, safe file once: ready, or refused with a reason."""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from watchdog import events as ev
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserverVFS

from daemon.core import quarantine_reasons as reasons
from daemon.core.config_work import DeliveryCfg
from daemon.delivery import share
from daemon.delivery.folders import request_code_of
from daemon.delivery.open_files import open_for_writing
from daemon.delivery.safety import in_quarantine, is_network_fs, judge, relative, unsafe_name_reason
from daemon.delivery.sniff import is_ignored

log = logging.getLogger("daemon.delivery")

EVENTS = [ev.FileCreatedEvent, ev.FileModifiedEvent, ev.FileMovedEvent, ev.FileClosedEvent, ev.FileDeletedEvent,
          ev.DirCreatedEvent, ev.DirMovedEvent]
Report = Callable[[Path], None]
Refusal = Callable[[Path, str], None]


@dataclass
class _Pending:
    path: Path
    size: int
    mtime_ns: int
    since: float
    dirty: bool = False  # written to (inotify) and not closed since


class _Handler(ev.FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: ev.FileSystemEvent) -> None:
        try:
            self.watcher._on_event(event)
        except Exception:  # an event must never kill the observer thread
            log.exception("delivery watcher: cannot handle %r", event)


class FolderWatcher:
    """Reports each file of the shared folder once per (path, size, mtime): on_ready for a complete
    file the team may deliver, on_refused (with an Indonesian reason) for anything else. A file is
    complete on inotify's close-after-write, or when size and mtime stay unchanged stable_seconds
    and no process here holds it open for writing."""

    def __init__(self, root: Path, cfg: DeliveryCfg, on_ready: Report, on_refused: Refusal,
                 clock: Callable[[], float] = time.monotonic, on_back: Callable[[], None] | None = None) -> None:
        self.root = Path(os.path.abspath(root))
        self.cfg, self.on_ready, self.on_refused, self.clock = cfg, on_ready, on_refused, clock
        self.on_back = on_back  # called (in the watcher's thread) each time the share is watched anew
        self.away: str | None = None  # why the share is away now (logged once)
        self.restarts = 0
        self.kind: str | None = None  # inotify | polling, once an observer runs
        self._lock = threading.RLock()
        self._pending: dict[str, _Pending] = {}
        self._seen: set[tuple[str, int, int]] = set()
        self._observer: BaseObserver | None = None
        self._root_id: tuple[int, int] | None = None
        self._next_rescan = float("-inf")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._open_grace = max(60.0, 10 * cfg.stable_seconds)  # a write without close for this long

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the supervising thread (it starts the observer and rescans at once)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="delivery-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        with self._lock:
            obs = self._stop_observer()
        if obs is not None:
            obs.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        interval = max(0.05, min(1.0, self.cfg.stable_seconds / 3, self.cfg.poll_seconds))
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # keep watching: the next tick retries
                log.exception("delivery watcher: tick failed")
            self._stop.wait(interval)

    def tick(self) -> None:
        """One round: supervise the observer, rescan when due, report files that became stable."""
        with self._lock:
            now = self.clock()
            if not self._supervise(now):
                return
            if now >= self._next_rescan:
                self._next_rescan = now + self.cfg.rescan_seconds
                self.rescan()
            self._check_stable(now)

    # -- supervision -----------------------------------------------------------------------

    def _root_identity(self) -> tuple[int, int] | None:
        if share.problem(self.root, self.cfg.require_mount) is not None:
            return None
        try:
            st = os.stat(self.root)
        except OSError:
            return None
        return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None

    def _observer_alive(self) -> bool:
        obs = self._observer
        return obs is not None and obs.is_alive() and all(e.is_alive() for e in obs.emitters)

    def _supervise(self, now: float) -> bool:
        """False while the root is missing; (re)starts the observer and schedules a rescan."""
        root_id = self._root_identity()
        if root_id is None:
            if self.away is None:
                found = share.problem(self.root, self.cfg.require_mount)
                self.away = found[1] if found else f"{self.root} cannot be read"
                log.warning("shared folder away: %s; waiting for it", self.away)
            self._stop_observer()
            return False
        if self._observer is not None and root_id == self._root_id and self._observer_alive():
            return True
        if self._root_id is not None:
            self.restarts += 1
            log.warning("shared folder %s: restarting its observer (restart %d)", self.root, self.restarts)
        self._stop_observer()
        self._start_observer(root_id)
        self._next_rescan = now  # whatever came in meanwhile is found by a full rescan
        if self.away is not None:
            log.info("shared folder %s is back", self.root)
            self.away = None
        if self.on_back is not None:
            try:
                self.on_back()
            except Exception:  # the next start tries again; the watching goes on
                log.exception("delivery watcher: catching up after the share came back failed")
        return True

    def _choose_kind(self) -> str:
        if self.cfg.observer != "auto":
            return self.cfg.observer
        return "polling" if is_network_fs(self.root) else "inotify"

    def _make_observer(self, kind: str) -> BaseObserver:
        if kind == "polling":
            # lstat: the snapshot never descends into a symlinked folder
            return PollingObserverVFS(os.lstat, os.scandir, polling_interval=self.cfg.poll_seconds)
        return Observer()

    def _start_observer(self, root_id: tuple[int, int]) -> None:
        kind = self._choose_kind()
        try:
            obs = self._schedule(self._make_observer(kind))
        except OSError as exc:  # e.g. inotify watch limit reached
            log.warning("shared folder %s: %s observer failed (%s); polling instead", self.root, kind, exc)
            kind, obs = "polling", self._schedule(self._make_observer("polling"))
        self._observer, self._root_id, self.kind = obs, root_id, kind
        log.info("watching shared folder %s (%s)", self.root, kind)

    def _schedule(self, obs: BaseObserver) -> BaseObserver:
        obs.schedule(_Handler(self), str(self.root), recursive=True, event_filter=EVENTS, follow_symlink=False)
        obs.start()
        return obs

    def _stop_observer(self) -> BaseObserver | None:
        """Tell the observer to stop; not joined here, its thread may be waiting for our lock."""
        obs, self._observer = self._observer, None
        if obs is not None:
            try:
                obs.stop()
            except Exception:  # a dead observer may fail to stop; it is dropped either way
                log.exception("delivery watcher: stopping the observer failed")
        return obs

    # -- events and scans ------------------------------------------------------------------

    def _rel(self, path: str | Path) -> str | None:
        return relative(self.root, path)

    def _on_event(self, event: ev.FileSystemEvent) -> None:
        with self._lock:
            src = os.fsdecode(event.src_path)
            if isinstance(event, ev.FileDeletedEvent):
                self._pending.pop(self._rel(src) or "", None)
                return
            path = os.fsdecode(event.dest_path) if isinstance(event, (ev.FileMovedEvent, ev.DirMovedEvent)) else src
            if isinstance(event, ev.FileMovedEvent):
                self._pending.pop(self._rel(src) or "", None)
            if event.is_directory:
                self.rescan(Path(path))
            else:
                inotify = self.kind == "inotify"
                self._note(Path(path), dirty=inotify and isinstance(event, ev.FileModifiedEvent),
                           closed=inotify and isinstance(event, ev.FileClosedEvent))

    def rescan(self, start: Path | None = None) -> None:
        """Walk the tree (never through a symlink) and note every file not handled yet."""
        with self._lock:
            top = Path(start) if start is not None else self.root
            rel = self._rel(top)
            if start is not None and (rel is None or in_quarantine(rel)):
                return
            try:
                if start is not None and stat.S_ISLNK(os.lstat(top).st_mode):
                    self._judge_and_report(top)
                    return
            except OSError:
                return
            for dirpath, dirnames, filenames in os.walk(top, followlinks=False, onerror=self._walk_error):
                self._prune(Path(dirpath), dirnames)
                for name in filenames:
                    self._note(Path(dirpath) / name)

    def _walk_error(self, exc: OSError) -> None:
        log.warning("shared folder: cannot read %s: %s", exc.filename, exc.strerror)

    def _prune(self, folder: Path, dirnames: list[str]) -> None:
        """Do not descend into _KARANTINA, symlinked folders or unsafe names (the last two are refused)."""
        for name in list(dirnames):
            path = folder / name
            rel = self._rel(path) or ""
            if in_quarantine(rel):
                dirnames.remove(name)
            elif unsafe_name_reason(name) or os.path.islink(path):
                dirnames.remove(name)
                self._judge_and_report(path)

    def _note(self, path: Path, dirty: bool = False, closed: bool = False) -> None:
        rel = self._rel(path)
        if rel is None or in_quarantine(rel) or is_ignored(path.name):
            return
        try:
            st = os.lstat(path)
        except OSError:
            self._pending.pop(rel, None)
            return
        if not stat.S_ISREG(st.st_mode) or (rel, st.st_size, st.st_mtime_ns) in self._seen:
            self._pending.pop(rel, None)
            if not stat.S_ISREG(st.st_mode):  # a symlink or a device is complete as it is
                self._judge_and_report(path)
            return
        if closed and st.st_size > 0:
            self._pending.pop(rel, None)
            self._judge_and_report(path)
            return
        old = self._pending.get(rel)
        dirty = dirty or (old is not None and old.dirty and not closed)  # a close ends the writing
        if old is None or (old.size, old.mtime_ns) != (st.st_size, st.st_mtime_ns):
            self._pending[rel] = _Pending(path, st.st_size, st.st_mtime_ns, self.clock(), dirty)
        else:
            old.dirty = dirty

    def _check_stable(self, now: float) -> None:
        """Report each pending file whose size and mtime stayed the same over two looks at least
        stable_seconds apart, unless a process here still holds it open for writing (a file
        found by a rescan, not by events, may be half-written by a writer that paused: the
        first rescan after a start sees files opened before the observer watched)."""
        stable: list[tuple[str, _Pending]] = []
        for rel, item in list(self._pending.items()):
            try:
                st = os.lstat(item.path)
            except OSError:
                del self._pending[rel]
                continue
            if (st.st_size, st.st_mtime_ns) != (item.size, item.mtime_ns):
                item.size, item.mtime_ns, item.since = st.st_size, st.st_mtime_ns, now
                continue
            age = now - item.since
            if age < self.cfg.stable_seconds or (item.dirty and age < self._open_grace):
                continue
            stable.append((rel, item))
        writing = open_for_writing([item.path for _, item in stable]) if stable else set()
        for rel, item in stable:
            if writing and item.path in writing:
                if now - item.since < self._open_grace:
                    continue  # taken at its close (inotify) or at the first look after it
                log.warning("shared folder: %s is still open for writing but unchanged for %.0f s; "
                            "taken as it is", rel, now - item.since)
            del self._pending[rel]
            self._judge_and_report(item.path)

    # -- judging ---------------------------------------------------------------------------

    def _judge_and_report(self, path: Path) -> None:
        try:
            judged = judge(self.root, path, self.cfg.max_file_mb * 1024 * 1024)
        except Exception:  # not marked seen: the next rescan tries again; the other files go on
            log.exception("delivery watcher: judging %r failed", str(path))
            return
        if judged is None:
            return
        target, reason = judged
        if reason is None and target.is_dir():
            return  # a folder is fine; its files are judged one by one
        try:
            st = os.lstat(target)
        except OSError:
            return
        key = (self._rel(target) or "", st.st_size, st.st_mtime_ns)
        if key in self._seen:
            return
        code = request_code_of(key[0]) or "-"
        try:
            if reason is None:
                log.info("%s: ready %s", code, key[0])
                self.on_ready(target)
            else:
                log.warning("%s: refused %r: %s", code, key[0], reasons.for_log(reason))
                self.on_refused(target, reason)
        except Exception:  # not marked seen: the next rescan offers it again
            log.exception("delivery watcher: handling %r failed", key[0])
            return
        self._seen.add(key)
