"""Why each reply in a request's history was read as it was, for `liputan show --json`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.app import prereading
from daemon.core.context import Context
from daemon.core.models import Inbound, Outbox, Request
from daemon.mail import mime
from daemon.reading import trust
from daemon.reading.classify import references
from daemon.reading.replies import read_reply_with_reasons


def attach(ctx: Context, s: Session, req: Request, events: list[dict[str, Any]]) -> None:
    """Give every history line that came from a reply its `reasons`: the reply read again from its
    stored raw message, against the mail it answered, with the current lexicon (and whether that
    still gives the recorded decision), how the quote was removed and the sender-trust verdict."""
    ids = {e["message_id"] for e in events if e.get("message_id")}
    if not ids:
        return
    rows = {r.message_id: r for r in s.scalars(select(Inbound).where(Inbound.message_id.in_(ids)))}
    read: dict[str, dict[str, Any]] = {}
    for event in events:
        row = rows.get(event.get("message_id") or "")
        if row is None or row.kind not in ("reply", "auto_reply", None):
            continue
        if row.message_id not in read:
            read[row.message_id] = reasons(ctx, s, req, row)
        if event.get("decision") is not None or event.get("kind") in ("decided", "ignored", "refused"):
            why = dict(read[row.message_id])
            if "read_as" in why:
                why["same_as_recorded"] = why["read_as"] == event.get("decision")
            event["reasons"] = why


def reasons(ctx: Context, s: Session, req: Request, row: Inbound) -> dict[str, Any]:
    """The reading of one stored reply with its reasons; a readable error when it cannot be read."""
    try:
        raw = Path(row.raw_path).read_bytes()
    except OSError as exc:
        return {"error": f"raw message not readable: {type(exc).__name__}"}
    msg = mime.parse(raw)
    sent = _answered(s, req, msg)
    reading, why = read_reply_with_reasons(msg, ctx.lexicon, sent, prereading.signer_names(ctx, msg))
    out: dict[str, Any] = {"read_as": reading.decision, "note": reading.note, **why,
                           "answered": sent.message_id if sent is not None else None,
                           "lexicon": "rules/lexicon.yaml as it is now"}
    authserv = ctx.cfg.office.authserv_id
    if authserv:
        ok, verdict = trust.auth_passes(msg, authserv)
        out["trust"] = {"checked": True, "passed": ok, "why": verdict, "authserv_id": authserv}
    else:
        out["trust"] = {"checked": False, "why": "no [office] authserv_id configured"}
    return out


def _answered(s: Session, req: Request, msg) -> Outbox | None:
    """Our mail the reply answers: the nearest of its In-Reply-To/References that we sent for this request."""
    refs = references(msg)
    if not refs:
        return None
    found = {o.message_id: o for o in s.scalars(select(Outbox).where(Outbox.message_id.in_(refs),
                                                                     Outbox.request_id == req.id))}
    return next((found[r] for r in refs if r in found), None)
