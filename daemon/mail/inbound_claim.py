"""Claiming stored messages for dispatch, so two instances on one database never handle the same one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.models import Inbound, utcnow

# a message whose subject names a request (a reply, in practice) before a backlog of new letters
REPLIES_FIRST = case((Inbound.subject.like("%LPT-%"), 0), else_=1)
INBOUND = Inbound.__table__  # updates as plain SQL: no ORM bookkeeping


def claim_inbound(factory: sessionmaker[Session], holder: str,
                  lease: timedelta = timedelta(minutes=5), now: datetime | None = None) -> int | None:
    """The id of the oldest 'new' message not leased by anyone (or whose lease ran out), now
    leased to `holder` until now + lease; None when there is none.

    PostgreSQL skips rows another claimer has locked (SKIP LOCKED); everywhere the UPDATE only
    applies if the lease is still the one read, so a lost race tries the next message.
    """
    now = now or utcnow()
    for _ in range(100):  # only lost races loop
        with factory() as s, s.begin():
            row = _candidate(s, now)
            if row is None:
                return None
            if _take(s, row, holder, now + lease):
                return row.id
    return None


def claim_inbound_batch(factory: sessionmaker[Session], holder: str, limit: int,
                        lease: timedelta = timedelta(minutes=5), now: datetime | None = None,
                        max_bytes: int | None = None, at_least: int = 1) -> list[int]:
    """Up to `limit` message ids claimed as `claim_inbound` claims one, in its order (replies
    first, then the oldest), in one transaction: a backlog costs one commit per batch, not one
    per message. A row another claimer took meanwhile is simply not in the list. `max_bytes`:
    beyond the first `at_least` messages, only while their stored sizes add up to no more
    (a batch is read and held in memory at once)."""
    now = now or utcnow()
    until = now + lease
    with factory() as s, s.begin():
        rows = _candidates(s, now, limit)
        if max_bytes is not None:
            rows = _within(rows, max_bytes, at_least)
        if not rows:
            return []
        ids = [row.id for row in rows]
        # one UPDATE for the batch; a row someone else took meanwhile no longer matches
        s.execute(update(INBOUND).where(INBOUND.c.id.in_(ids), INBOUND.c.status == "new", _free(now))
                  .values(lease_until=until, leased_by=holder))
        mine = set(s.scalars(select(Inbound.id).where(Inbound.id.in_(ids), Inbound.leased_by == holder,
                                                      Inbound.lease_until == until)))
        return [i for i in ids if i in mine]


def _within(rows: list[Any], max_bytes: int, at_least: int) -> list[Any]:
    total = 0
    for n, row in enumerate(rows):
        total += row.size or 0
        if n >= at_least and total > max_bytes:
            return rows[:n]
    return rows


def _free(now: datetime) -> Any:
    """Not leased by anyone, or leased with a lease that ran out."""
    return or_(Inbound.lease_until.is_(None), Inbound.lease_until < now)


def _candidates(s: Session, now: datetime, limit: int) -> list[Any]:
    """Up to `limit` new, free messages in claiming order (PostgreSQL: rows others hold skipped)."""
    query = (select(Inbound.id, Inbound.lease_until, Inbound.size)
             .where(Inbound.status == "new", _free(now)).order_by(REPLIES_FIRST, Inbound.id).limit(limit))
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return s.execute(query).all()


def _candidate(s: Session, now: datetime) -> Any:
    rows = _candidates(s, now, 1)
    return rows[0] if rows else None


def _take(s: Session, row: Any, holder: str, until: datetime) -> bool:
    unchanged = and_(Inbound.id == row.id, Inbound.status == "new",
                     Inbound.lease_until.is_not_distinct_from(row.lease_until))
    done = s.execute(update(INBOUND).where(unchanged).values(lease_until=until, leased_by=holder))
    return done.rowcount == 1


def postpone_inbound(factory: sessionmaker[Session], inbound_id: int, holder: str,
                     delay: timedelta = timedelta(seconds=5), now: datetime | None = None,
                     count: bool = False) -> bool:
    """Keep a claimed message but try it again only after `delay` (e.g. after a deadlock);
    `count` adds the try to its attempts (a transient failure, as opposed to a lost race)."""
    mine = and_(Inbound.id == inbound_id, Inbound.leased_by == holder, Inbound.status == "new")
    values: dict[str, Any] = {"lease_until": (now or utcnow()) + delay}
    if count:
        values["attempts"] = INBOUND.c.attempts + 1
    with factory() as s, s.begin():
        done = s.execute(update(INBOUND).where(mine).values(**values))
        return done.rowcount == 1


def release_inbound(s: Session, inbound_id: int, holder: str) -> bool:
    """Give a claimed message back (e.g. on shutdown) so another instance may take it at once."""
    mine = and_(Inbound.id == inbound_id, Inbound.leased_by == holder)
    done = s.execute(update(INBOUND).where(mine).values(lease_until=None, leased_by=None))
    return done.rowcount == 1


WAITING = "waiting"  # handled up to a slow step (OCR) that runs as a job; back to 'new' after it


def resume_waiting(s: Session, inbound_id: int, reason: str) -> bool:
    """A waiting message becomes 'new' again (its job has ended), free for any dispatcher to take
    at once; False when it was not waiting (requeued or handled meanwhile)."""
    waiting = and_(Inbound.id == inbound_id, Inbound.status == WAITING)
    done = s.execute(update(INBOUND).where(waiting).values(status="new", reason=reason,
                                                            lease_until=None, leased_by=None))
    return done.rowcount == 1
