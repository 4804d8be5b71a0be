"""Per-address rate limit of notices: beyond the hourly allowance a notice waits, never dropped."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from daemon.core.models import Outbox

WINDOW = timedelta(hours=1)
# mail that answers or informs a sender (a person outside the chain, or an official's unclear
# reply); the chain's own mail (tasks, reminders, assignments, previews, alerts to the operator,
# the digest, press releases, escalations and event-near warnings) is neither held nor counted
# mail; a summary of held notices (kind "summary") is one notice and counts as one
NOTICE_KINDS = frozenset({"answer", "notice", "forged", "ack", "missing", "rejected",
                          "revise_requester", "summary"})


def lock(session: Session, recipients: list[str]) -> None:
    """Serialise the count-then-claim of notices to these addresses until the transaction ends:
    two senders (a takeover, a second worker) that both counted 9 of 10 would otherwise both send.
    SQLite needs nothing: every transaction begins IMMEDIATE, so one writer counts at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for address in sorted({r.lower() for r in recipients}):  # one order everywhere: no deadlock
        key = int.from_bytes(hashlib.blake2b(address.encode(), digest_size=8).digest(), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def held_together(session: Session, row: Outbox) -> list[Outbox]:
    """The other notices held for exactly `row`'s recipients, oldest first: they go with it, as one
    summary, when its slot opens (a summary itself is never summarised again)."""
    wanted = sorted(r.lower() for r in row.recipients)
    rows = session.scalars(select(Outbox).where(
        Outbox.status == "queued", Outbox.held_at.is_not(None), Outbox.kind.in_(NOTICE_KINDS),
        Outbox.kind != "summary", Outbox.id != row.id).order_by(Outbox.created_at, Outbox.id)).all()
    return [o for o in rows if sorted(r.lower() for r in o.recipients) == wanted]


def held_until(session: Session, kind: str, recipients: list[str], limit: int,
               now: datetime) -> datetime | None:
    """When a notice of `kind` to `recipients` may go, if not now: the moment the oldest of the
    `limit` notices sent to its busiest recipient within the last hour leaves the window."""
    if kind not in NOTICE_KINDS or not recipients:
        return None
    since = now - WINDOW
    rows = session.execute(
        select(Outbox.recipients, Outbox.sent_at, Outbox.status)
        .where(Outbox.kind.in_(NOTICE_KINDS),
               or_(Outbox.sent_at > since, Outbox.status == "sending"))).all()
    wanted = {r.lower() for r in recipients}
    latest: datetime | None = None
    for address in wanted:
        times = sorted((r.sent_at if r.status == "sent" and r.sent_at else now)
                       for r in rows if address in {a.lower() for a in r.recipients}
                       and (r.status == "sending" or r.status == "sent"))
        if len(times) >= limit:
            free_at = times[len(times) - limit] + WINDOW
            latest = free_at if latest is None or free_at > latest else latest
    return latest
