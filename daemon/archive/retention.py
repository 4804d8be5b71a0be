"""Retention: raw mail bodies and files removed once the request's archive holds them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from daemon.core import jobs
from daemon.core.config import Config
from daemon.core.models import Inbound, Outbox, Publication, utcnow

log = logging.getLogger("daemon.archive.retention")
KIND = "prune"
BATCH = 500  # rows per transaction: the write lock is never held for long


@dataclass
class Pruned:
    outbox: int = 0
    inbound: int = 0
    bytes: int = 0


def archived(request_id) -> object:  # noqa: ANN001 - a column expression
    """Whether the request's step 15 bag was written and verified."""
    return exists().where(Publication.request_id == request_id, Publication.channel == "archive",
                          Publication.status == "done")


def _kept_elsewhere(request_col) -> object:  # noqa: ANN001
    # mail of no request is never archived: it goes after the same time; a request's mail only
    # once its bag holds it (a rejected or cancelled request keeps its mail: no bag is made)
    return (request_col.is_(None)) | archived(request_col)


def prune(cfg: Config, factory: sessionmaker[Session], now: datetime | None = None) -> Pruned:
    """One pass: outbox bodies (with their attachments) of mail sent `outbox_days` ago and raw
    .eml files of messages handled `inbound_days` ago, where the archive holds them."""
    now = now or utcnow()
    out = Pruned()
    if not cfg.retention.enabled:
        return out
    sent_before = now - timedelta(days=cfg.retention.outbox_days)
    while True:
        with factory() as s, s.begin():
            rows = s.scalars(select(Outbox).where(
                Outbox.status.in_(("sent", "summarised")), Outbox.pruned_at.is_(None), Outbox.sent_at <= sent_before,
                _kept_elsewhere(Outbox.request_id)).order_by(Outbox.id).limit(BATCH)).all()
            for row in rows:
                out.bytes += len(row.raw or b"")
                row.raw, row.parts, row.body_text, row.pruned_at = b"", None, None, now
            out.outbox += len(rows)
        if len(rows) < BATCH:
            break
    handled_before = now - timedelta(days=cfg.retention.inbound_days)
    while True:  # quarantined, waiting and new messages are kept: they may be handled again
        with factory() as s, s.begin():
            rows = s.scalars(select(Inbound).where(
                Inbound.status.in_(("done", "ignored")), Inbound.filed.is_(True),
                Inbound.pruned_at.is_(None), Inbound.processed_at <= handled_before,
                _kept_elsewhere(Inbound.request_id)).order_by(Inbound.id).limit(BATCH)).all()
            for row in rows:
                row.pruned_at = now
            paths = [_path(cfg, r.raw_path) for r in rows]
        for path in paths:  # after the commit: a crash here leaves a file, never a dangling row
            try:
                out.bytes += path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                pass
        out.inbound += len(rows)
        if len(rows) < BATCH:
            break
    if out.outbox or out.inbound:
        log.info("retention: removed %d outgoing and %d incoming raw message(s), %.1f MB",
                 out.outbox, out.inbound, out.bytes / 1e6)
    return out


def _path(cfg: Config, raw_path: str) -> Path:
    path = Path(raw_path)
    return path if path.is_absolute() else cfg.state_dir / path


def plan(cfg: Config, s: Session, now: datetime | None = None) -> None:
    """Queue the next pruning pass (once per slot of `every_hours`, whoever plans it first)."""
    if not cfg.retention.enabled:
        return
    step = cfg.retention.every_hours * 3600
    now = now or utcnow()
    at = datetime.fromtimestamp((now.timestamp() // step + 1) * step, timezone.utc)
    jobs.enqueue(s, KIND, {}, key=f"{KIND}:{at.isoformat(timespec='minutes')}", run_at=at)



