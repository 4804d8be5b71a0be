"""Claims of a holder that is gone (running jobs, leased messages, mails in flight), handed back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, update
from sqlalchemy.orm import Session

from daemon.core.models import Inbound, Job, Outbox

INTERRUPT_LIMIT = 10  # runs cut short by a dead process given back; past it they count as attempts
EVERY_MAIL = "every"  # free_claims(mails=EVERY_MAIL): every mail in 'sending', whoever sends it


def free_claims(s: Session, now: datetime, prefix: str | None, *, interrupted: bool = False,
                mails: bool | str = False, keep: str | None = None) -> dict[str, int]:
    """In the caller's transaction, hand back what the holders named 'prefix...' (a 'host:pid:')
    still claim: their running jobs and the 'new' messages they leased, due at once. `interrupted`:
    the run was cut short by the holder's death, not a failed attempt (its attempt is given back,
    up to INTERRUPT_LIMIT times). `mails`: also the mails they were sending (EVERY_MAIL: every
    mail in 'sending', since only one holder sends), queued again at once with the same
    Message-ID. Only live leases are touched: a lapsed one is anyone's already. `keep`: the caller's
    own 'host:pid:', whose mails in flight are left alone (its outbox may already be sending one:
    queued again, it went out twice). How many of each."""
    past = now - timedelta(seconds=1)
    freed = {"jobs": 0, "messages": 0, "mails": 0}
    if prefix is not None:
        mine = prefix + "%"
        job_values: dict[str, Any] = {"lease_until": past}
        if interrupted:
            job_values |= {"interrupted": Job.interrupted + 1, "attempts": case(
                (Job.interrupted < INTERRUPT_LIMIT, Job.attempts - 1), else_=Job.attempts)}
        freed["jobs"] = s.execute(update(Job.__table__).where(and_(
            Job.state == "running", Job.lease_until > now, Job.leased_by.like(mine)))
            .values(**job_values)).rowcount
        freed["messages"] = s.execute(update(Inbound.__table__).where(and_(
            Inbound.status == "new", Inbound.lease_until > now, Inbound.leased_by.like(mine)))
            .values(lease_until=past)).rowcount
    if mails:
        sending = and_(Outbox.status == "sending", Outbox.next_attempt_at > now)
        if mails != EVERY_MAIL:
            if prefix is None:
                return freed
            sending = and_(sending, Outbox.leased_by.like(prefix + "%"))
        if keep is not None:
            sending = and_(sending, or_(Outbox.leased_by.is_(None), ~Outbox.leased_by.like(keep + "%")))
        freed["mails"] = s.execute(update(Outbox.__table__).where(sending).values(
            status="queued", next_attempt_at=past, leased_by=None)).rowcount
    return freed
