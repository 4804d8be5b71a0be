"""The publication record of a request: one row per channel (and per press contact), so a retry
finds what was made, a failure is kept, and the history says what happened where."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Publication, Request

ENDED = {"done", "skipped", "failed"}
LABELS = {"website": "situs web Diskominfotik", "facebook": "Halaman Facebook",
          "social": "paket media sosial", "press": "rilis ke media massa", "archive": "arsip"}


def row(s: Session, req: Request, channel: str) -> Publication:
    """The channel's row for the request, made on first use."""
    found = s.scalars(select(Publication).where(Publication.request_id == req.id,
                                                Publication.channel == channel)).first()
    if found is None:
        found = Publication(request_id=req.id, channel=channel, status="pending", progress={})
        s.add(found)
        s.flush()
    return found


def configured(ctx: Context, channel: str) -> bool:
    """Whether the office set the channel up (a channel left out is skipped, not failed)."""
    pub = ctx.cfg.publish
    return {"website": pub.website is not None, "facebook": pub.facebook is not None,
            "social": pub.social is not None, "press": pub.press.enabled and bool(ctx.rules.office.media),
            "archive": True}.get(channel, False)


def label(channel: str) -> str:
    return LABELS.get(channel.split(":", 1)[0], channel)


def rows(s: Session, req: Request) -> list[Publication]:
    return list(s.scalars(select(Publication).where(Publication.request_id == req.id)
                          .order_by(Publication.id)))


def bounced(s: Session, request_id: int | None, addresses: list[str], note: str) -> list[str]:
    """A press mail bounced: the contact's row says so. Returns the contacts marked."""
    marked = []
    for addr in addresses:
        pub = s.scalars(select(Publication).where(Publication.request_id == request_id,
                                                  Publication.channel == f"press:{addr.lower()}")).first()
        if pub is not None:
            pub.status, pub.detail = "failed", f"bounce: {note}"[:500]
            marked.append(addr)
    return marked
