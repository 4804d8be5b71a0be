"""Per-address rate limit of notices: beyond the hourly allowance a notice waits, never dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from daemon.core.models import Outbox

WINDOW = timedelta(hours=1)
# mail that answers or informs a sender (a person outside the chain, or an official's unclear
# reply); the chain's own mail (tasks, reminders, assignments, previews, alerts to the operator,
# the digest, press releases) is neither held nor counted
NOTICE_KINDS = frozenset({"answer", "notice", "forged", "ack", "missing", "rejected",
                          "revise_requester"})


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
