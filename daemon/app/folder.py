"""The shared folder, watched: each complete file the team drops into a request's folder is
recorded (or quarantined with its reason) and the request hears of it; nothing stops the daemon."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.core import logctx
from daemon.core import quarantine_reasons as reasons
from daemon.core.context import Context
from daemon.core.models import DeliveryFile, Request, utcnow
from daemon.delivery import intake
from daemon.delivery.watcher import FolderWatcher
from daemon.sop import engine, refused_files, results

log = logging.getLogger("daemon.app.folder")
FOLDER_KINDS = ("coverage", "report")  # the step kinds during which the team uses its folder


class FolderIntake:
    """Owns the watcher of `paths.dropbox`; its callbacks run in the watcher's thread."""

    def __init__(self, ctx: Context, factory: sessionmaker[Session],
                 wake: Callable[[], None] = lambda: None):
        self.ctx, self.factory, self.wake = ctx, factory, wake
        self.lock = threading.Lock()  # a reload swaps the context between two files, never inside one
        self.root = Path(ctx.cfg.paths.dropbox)
        self.watcher = FolderWatcher(self.root, ctx.cfg.delivery, self.ready, self.refused,
                                     on_back=self.make_missing_folders)

    def start(self) -> None:
        if not self.ctx.cfg.delivery.require_mount:  # a share is mounted, never made here
            self.root.mkdir(parents=True, exist_ok=True)
        self.watcher.start()

    def make_missing_folders(self) -> None:
        """Whenever the share is watched anew (at start, and back after it was away): the folder
        of each request whose team works now (coverage and report steps) is made if it is not
        there; a team assigned while the share was away finds its folder."""
        with self.lock:
            steps = [st.number for st in self.ctx.rules.sop.steps if st.kind in FOLDER_KINDS]
            with self.factory() as s:
                rows = s.scalars(select(Request).where(Request.state == "open", Request.step.in_(steps))).all()
                for req in rows:
                    try:
                        results.folder(self.ctx, req)
                    except OSError as exc:  # away again: the next time it is back
                        log.warning("%s: cannot make its folder in the share: %s", req.code, exc)
                        return

    def stop(self) -> None:
        self.watcher.stop()

    def swap(self, ctx: Context) -> None:
        """Reloaded rules (SIGHUP): the next file is handled with them."""
        with self.lock:
            self.ctx = ctx

    def ready(self, path: Path) -> None:
        with self.lock, logctx.about():  # lines about the file name its request once known
            self._ready(path)

    def refused(self, path: Path, reason: str) -> None:
        with self.lock, logctx.about():
            self._refused(path, reason)

    def _ready(self, path: Path) -> None:
        """A complete file: its row, and the request told; a file refused by content is moved away."""
        before = utcnow()
        with self.factory() as s, s.begin():
            row = intake.record_file(s, self.root, path, lambda code: _request_id(s, code),
                                     max_file_mb=self.ctx.cfg.delivery.max_file_mb)
            req = s.get(Request, row.request_id, with_for_update=True) if row.request_id else None
            logctx.set_code(req.code if req is not None else None)
            if req is None and row.status == "accepted":  # e.g. a mistyped or made-up code
                row.status, row.reason = "quarantined", reasons.shown("file_unknown_request")
            if row.status == "quarantined":
                self._move_away(s, row, path, req)
                refused_files.plan(self.ctx, s, row)  # the team told, one mail per short window
            elif req is not None and row.created_at >= before:  # not a file seen before a restart
                row.created_at = self.ctx.now()  # the office clock the request's steps compare with
                engine.delivered(self.ctx, s, req, f"diterima di folder bersama: {row.relpath} ({row.kind})")
        self.wake()

    def _refused(self, path: Path, reason: str) -> None:
        """A file that may not be taken (unsafe name, symlink, wrong content, outside a request
        folder...): moved to _KARANTINA with its reason, and the request's history says so."""
        with self.factory() as s, s.begin():
            try:
                row = intake.refuse(s, self.root, path, reason, lambda code: _request_id(s, code))
            except (OSError, ValueError) as exc:  # gone meanwhile, or under a symlinked folder
                log.warning("could not quarantine %s (%s): %s", path, exc, reasons.for_log(reason))
                return
            if row.request_id is not None:
                engine.record(self.ctx, s, s.get(Request, row.request_id), "quarantined",
                              note=f"{Path(path).name}: {reason}")
            refused_files.plan(self.ctx, s, row)

    def _move_away(self, s: Session, row: DeliveryFile, path: Path, req: Request | None) -> None:
        try:
            moved = intake.quarantine(self.root, path, row.reason or "")
        except (OSError, ValueError) as exc:
            log.warning("could not quarantine %s: %s", path, exc)
            return
        row.relpath = _relative(self.root, moved)
        if req is not None:
            engine.record(self.ctx, s, req, "quarantined", note=f"{row.name}: {row.reason}")


def _request_id(s: Session, code: str | None) -> int | None:
    if not code:
        return None
    return s.scalars(select(Request.id).where(Request.code == code)).first()


def _relative(root: Path, path: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).name
