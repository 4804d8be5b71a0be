"""The daemon's heartbeat: its row in `heartbeat`, rewritten every few seconds and at once when the
mailbox connects, is lost or stores a message, with the checks of the shared folder and the PDF
converter; `liputan status` and the Prometheus endpoint read it."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session, sessionmaker

import daemon
from daemon.app import sdnotify
from daemon.core.config import Config
from daemon.core.models import Heartbeat
from daemon.delivery import share
from daemon.mail.health import MailboxHealth, SmtpHealth

log = logging.getLogger("daemon.app.heartbeat")
FOLDER_TIMEOUT = 2.0  # seconds a check of the shared folder may take before it counts as not answering
KEEP_STOPPED = timedelta(days=1)  # rows of cleanly stopped instances are kept this long
KEEP_ANY = timedelta(days=7)  # and rows of crashed ones this long
NAMES = {"folder": "shared folder", "converter": "PDF converter"}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def instance_name() -> str:
    return f"{socket.gethostname()[:200]}:{os.getpid()}"


class FolderProbe:
    """Whether the shared folder can be listed and written, from a thread of its own, so an
    unmounted network share that hangs on stat() is reported instead of hanging the daemon."""

    def __init__(self, root: Path, require_mount: bool = False) -> None:
        self.root, self.require_mount = Path(root), require_mount
        self._thread: threading.Thread | None = None
        self._began = 0.0
        self._result: dict = {"ok": None, "path": str(self.root), "code": "unchecked", "detail": "not checked yet"}

    def check(self, timeout: float = FOLDER_TIMEOUT) -> dict:
        if self._thread is None or not self._thread.is_alive():
            self._began = time.monotonic()
            self._thread = threading.Thread(target=self._probe, name="folder-probe", daemon=True)
            self._thread.start()
        self._thread.join(timeout)
        if self._thread.is_alive():
            return {"ok": False, "path": str(self.root), "code": "no_answer",
                    "detail": f"the folder has not answered for {time.monotonic() - self._began:.0f} s"}
        return self._result

    def _probe(self) -> None:
        code, detail = "ok", ""
        try:
            if (away := share.problem(self.root, self.require_mount)) is not None:
                code, detail = away
            else:
                with os.scandir(self.root) as entries:
                    next(entries, None)
                if not os.access(self.root, os.W_OK | os.X_OK):
                    code, detail = "not_writable", f"{self.root} is not writable by this user"
        except OSError as exc:
            code, detail = "unreadable", str(exc)
        self._result = {"ok": code == "ok", "path": str(self.root), "code": code, "detail": detail}


class HeartbeatWriter:
    """Writes this instance's row; every failure is logged once and the daemon goes on."""

    def __init__(self, cfg: Config, factory: sessionmaker[Session], mailbox: MailboxHealth,
                 converter=None, instance: str | None = None,  # noqa: ANN001 - a PdfConverter
                 smtp: SmtpHealth | None = None) -> None:
        self.cfg, self.factory, self.mailbox, self.converter = cfg, factory, mailbox, converter
        self.smtp = smtp
        self.instance = instance or instance_name()
        self.folder = FolderProbe(Path(cfg.paths.dropbox), cfg.delivery.require_mount)
        self.started_at = utcnow()
        self.failing = False
        self.last_checks: dict = {}

    def checks(self) -> dict:
        converter = self.converter.health() if self.converter is not None else \
            {"ok": None, "mode": "none", "detail": "no converter"}
        checks = {"folder": self.folder.check(), "converter": converter}
        for name, now in checks.items():  # the log says what is wrong too, once per change
            before = self.last_checks.get(name, {}).get("ok")
            if now.get("ok") is False and before is not False:
                log.warning("%s check fails: %s", NAMES[name], now.get("detail"))
            elif before is False and now.get("ok") is not False:
                log.info("%s check passes again", NAMES[name])
        self.last_checks = checks
        if self.smtp is not None:  # the outbox logs its own outages, once each
            checks = {**checks, "smtp": self.smtp.check()}
        return checks

    def write(self, stopped: bool = False) -> bool:
        """Rewrite the row (the checks included, but not again at the stop); True when written."""
        checks = self.last_checks if stopped and self.last_checks else self.checks()
        state = self.mailbox.snapshot()
        try:
            with self.factory() as s, s.begin():
                row = s.get(Heartbeat, self.instance)
                if row is None:
                    row = Heartbeat(instance=self.instance, host=socket.gethostname()[:255],
                                    pid=os.getpid(), version=daemon.__version__, started_at=self.started_at)
                    s.add(row)
                now = utcnow()
                row.beat_at, row.interval = now, self.cfg.status.heartbeat_seconds
                row.stopped_at = now if stopped else None
                row.mailbox, row.mailbox_since, row.mailbox_error = state.state, state.since, state.error
                row.last_message_at, row.checks = state.last_message_at, checks
        except Exception as exc:  # noqa: BLE001 - e.g. the database's disk full: status shows it stale
            if not self.failing:
                log.warning("cannot write the heartbeat (%s: %s); `liputan status` will call this "
                            "instance down until it can", type(exc).__name__, exc)
            self.failing = True
            return False
        if self.failing:
            log.info("heartbeat written again")
        self.failing = False
        return True

    def prune(self) -> None:
        """Forget instances stopped over a day ago and crashed ones of over a week ago."""
        now = utcnow()
        try:
            with self.factory() as s, s.begin():
                s.execute(delete(Heartbeat).where(or_(
                    Heartbeat.beat_at < now - KEEP_ANY,
                    Heartbeat.stopped_at.isnot(None) & (Heartbeat.stopped_at < now - KEEP_STOPPED))))
        except Exception as exc:  # noqa: BLE001 - old rows only cost a line in `liputan status`
            log.warning("cannot prune old heartbeats: %s", exc)


def tell_systemd(cfg: Config, mailbox: MailboxHealth, shown: tuple | None) -> tuple:
    """A STATUS= line for `systemctl status` when the mailbox's state or error changes."""
    now = mailbox.snapshot()
    if (now.state, now.error) != shown:
        where = f"{cfg.mailbox.username}@{cfg.mailbox.host}"
        sdnotify.status(f"running: mailbox {now.state} ({where})" + (f": {now.error}" if now.error else ""))
    return now.state, now.error


async def run(cfg: Config, factory: sessionmaker[Session], mailbox: MailboxHealth, converter,  # noqa: ANN001
              stop: asyncio.Event, smtp: SmtpHealth | None = None) -> None:
    """The service's heartbeat task: a row now, every `[status] heartbeat_seconds`, at once on a
    mailbox event, and a last one saying the instance stopped; serves `[metrics] listen` meanwhile."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def tell() -> None:  # from the mailbox thread
        try:
            loop.call_soon_threadsafe(changed.set)
        except RuntimeError:  # the loop is closed: the daemon has stopped
            pass

    writer = HeartbeatWriter(cfg, factory, mailbox, converter, smtp=smtp)
    mailbox.listener = tell
    if smtp is not None:  # an SMTP outage begins or ends: `liputan status` knows at once
        smtp.listener = tell
    await asyncio.to_thread(writer.prune)
    await asyncio.to_thread(writer.write)
    shown = tell_systemd(cfg, mailbox, None)
    from daemon.app import metrics
    server = await asyncio.to_thread(metrics.serve, cfg)
    try:
        while not stop.is_set():
            changed.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(changed.wait())]
            await asyncio.wait(waiters, timeout=cfg.status.heartbeat_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            if not stop.is_set():
                await asyncio.to_thread(writer.write)
                shown = tell_systemd(cfg, mailbox, shown)
    finally:
        mailbox.listener = None
        if smtp is not None:
            smtp.listener = None
        if server is not None:
            server.close()
        await asyncio.to_thread(writer.write, True)
