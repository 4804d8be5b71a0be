"""Files refused from the shared folder, told by mail: the request's team (or, for a file of no
request or a request with no team yet, the operator) gets one mail per request and short window
(`[delivery] refused_notice_seconds`) naming each file and why, so 50 bad files make one mail."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import jobs
from daemon.core.context import Context
from daemon.core.models import DeliveryFile, Job, Request
from daemon.delivery import folders
from daemon.mail import mails

log = logging.getLogger("daemon.sop.refused_files")
KIND = "refused_files"  # the job, and the outbox kind of its mail
MAX_LISTED = 100  # files named one by one in a mail; the rest are counted


def plan(ctx: Context, s: Session, row: DeliveryFile) -> None:
    """A file of the folder was quarantined: the notice of its request's window is queued, unless
    one is queued already (it will name this file too)."""
    if row.source != "folder" or row.status != "quarantined":
        return
    rid = row.request_id
    waiting = s.scalars(select(Job.id).where(Job.kind == KIND, Job.state == "queued",
                                             Job.request_id.is_(None) if rid is None else Job.request_id == rid)
                        .limit(1)).first()
    if waiting is not None:
        return
    s.flush()  # the row's id: the first file this notice names
    jobs.enqueue(s, KIND, {"request_id": rid, "from_id": row.id}, key=f"{KIND}:{rid or 0}:{row.id}",
                 request_id=rid, run_at=ctx.now() + timedelta(seconds=ctx.cfg.delivery.refused_notice_seconds))


def send(ctx: Context, s: Session, payload: dict) -> None:
    """Mail the files refused since the window opened: to the team, else the operator."""
    rid = payload.get("request_id")
    where = [DeliveryFile.source == "folder", DeliveryFile.status == "quarantined",
             DeliveryFile.id >= int(payload.get("from_id") or 0),
             DeliveryFile.request_id.is_(None) if rid is None else DeliveryFile.request_id == rid]
    files = list(s.scalars(select(DeliveryFile).where(*where).order_by(DeliveryFile.id)))
    if not files:
        return
    req = s.get(Request, rid) if rid is not None else None
    team = sorted({m["email"] for m in (req.team or []) if m.get("email")}) if req is not None else []
    to = team or [ctx.cfg.office.operator]
    lines = [f"- {f.name}: {f.reason or 'alasan tidak tercatat'}" for f in files[:MAX_LISTED]]
    if len(files) > MAX_LISTED:
        lines.append(f"- dan {len(files) - MAX_LISTED} berkas lainnya (lihat folder _KARANTINA)")
    mails.send(s, ctx.cfg, KIND, to=to, request_id=rid, r=req,
               tag=mails.tag(req.code) if req is not None else "[Liputan]", office=ctx.rules.office,
               to_team=bool(team), count=len(files), lines=lines,
               places=sorted({p for p in (_shown(ctx, f) for f in files) if p}))
    log.info("%s: %d refused file(s) told to %s", req.code if req else "no request", len(files), ", ".join(to))


def _shown(ctx: Context, f: DeliveryFile) -> str | None:
    """The _KARANTINA folder a refused file was moved to, as the team opens the share."""
    if "/" not in f.relpath:
        return None
    try:
        return folders.public_path(ctx.cfg.delivery.public_root, f.relpath.rsplit("/", 1)[0],
                                   Path(ctx.cfg.paths.dropbox))
    except ValueError:
        return None
