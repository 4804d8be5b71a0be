"""The job queue as rows: slow or outside work written in the caller's transaction, run later."""

from __future__ import annotations

import logging
import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, bindparam, func, insert, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from daemon.core import db
from daemon.core.models import Job, Request, utcnow

log = logging.getLogger("daemon.core.jobs")
JOB = Job.__table__  # updates as plain SQL: no ORM bookkeeping, callers hold no Job objects

STATES = ("queued", "running", "done", "failed", "cancelled")
BACKOFF_FIRST = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
OUTAGE_RETRY = timedelta(seconds=20)  # a job that met a full disk is tried again this soon
MAX_ERROR = 4000
HOLDER_MAX = 64  # job.leased_by and inbound.leased_by
BATCH_ROWS = "job_rows"  # session.info: fresh jobs collected for one INSERT (collect_rows)


class PermanentJobError(Exception):
    """Raised by a job handler when retrying cannot help (bad payload, missing template, ...)."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job this holder now runs under a lease: plain data, safe to use outside a session."""

    id: int
    kind: str
    payload: dict[str, Any]
    request_id: int | None
    attempts: int
    max_attempts: int
    code: str | None = None  # its request's code (log lines name it), read with the claim


def enqueue(s: Session, kind: str, payload: dict[str, Any], *, key: str | None = None,
            request_id: int | None = None, run_at: datetime | None = None,
            max_attempts: int = 8, priority: int = 0, fresh: bool = False,
            visible: bool = False, flush: bool = True, defer: bool = False) -> Job | None:
    """Queue a job in the caller's transaction; a job with the same `key` is queued only once.
    `fresh`: the key names something created in this transaction (no job can hold it yet), so
    it is not looked up, and the row is written with the caller's next flush (its id unset), or
    with the batch's rows when the caller collects them (`collect_rows`; then None is returned)
    unless `visible`: a job this transaction looks up later (a letter's, which its mail waits on).
    `flush=False`: a keyed job on SQLite is written with the caller's next flush (its id unset),
    for a caller that does not keep the job returned. `defer`: a job no one looks at in this
    transaction but by its id or key is written as a plain row by the caller's
    `db.write_deferred` (no ORM object: a `Queued` is returned, or None when not `visible`);
    on PostgreSQL a keyed job that is not `fresh` still goes through its savepoint."""
    if key is not None and not fresh:
        existing = _queued_here(s, key)
        if existing is None:
            with s.no_autoflush:  # (what this transaction queued is looked at just above)
                existing = s.scalars(_BY_KEY, {"key": key}).first()
        if existing is not None:
            return existing
    values = dict(kind=kind, key=key, payload=payload, request_id=request_id, state="queued",
                  priority=priority, attempts=0, max_attempts=max_attempts,
                  next_run_at=run_at or utcnow(), created_at=utcnow())
    batch = s.info.get(BATCH_ROWS)
    if fresh and batch is not None and not visible:
        batch.append(values)
        return None
    if defer and (fresh or _ids_up_front(s)):
        values["id"] = db.new_id(s, Job)  # (PostgreSQL: its sequence; a mail may wait on it)
        db.defer(s, JOB, values)
        return Queued(values["id"], key, payload) if visible else None
    job = Job(**values)
    if _ids_up_front(s):  # known now: a mail waiting on the job needs no flush to name it
        job.id = db.new_id(s, Job)
    if fresh:
        s.add(job)
        return job
    if key is None:
        s.add(job)
        s.flush()
        return job
    if s.get_bind().dialect.name == "sqlite":
        # the transaction holds the write lock (BEGIN IMMEDIATE): no other writer can queue the
        # key between the look-up above and this row, so it needs no savepoint
        s.add(job)
        if flush:
            s.flush()
        return job
    try:
        with s.begin_nested():  # another instance may queue the same key at this moment
            s.add(job)
    except IntegrityError:
        existing = s.scalars(select(Job).where(Job.key == key)).first()
        if existing is None:
            raise
        return existing
    return job


@dataclass(frozen=True)
class Queued:
    """A job queued as a plain row (`enqueue(defer=True)`): what its queuer may read of it."""

    id: int
    key: str | None
    payload: dict[str, Any]


_BY_KEY = select(Job).where(Job.key == bindparam("key"))  # built once: its cache key too


def _queued_here(s: Session, key: str) -> Job | Queued | None:
    """A job of `key` this transaction queued and has not written yet (no flush for the look-up)."""
    found = next((obj for obj in s.new if isinstance(obj, Job) and obj.key == key), None)
    if found is None:
        row = next((r for r in db.deferred(s, JOB) if r.get("key") == key), None)
        found = Queued(row["id"], key, row["payload"]) if row is not None else None
    return found


def collect_rows(s: Session) -> list[dict[str, Any]]:
    """From now on, fresh jobs queued in `s` wait in this list (a dispatcher's batch: the
    caller drops a failed message's rows and writes the rest with `write_rows`)."""
    rows: list[dict[str, Any]] = []
    s.info[BATCH_ROWS] = rows
    return rows


def write_rows(s: Session, rows: list[dict[str, Any]]) -> None:
    """The collected jobs, written in one statement in the caller's transaction."""
    s.info.pop(BATCH_ROWS, None)
    if rows and _ids_up_front(s):
        rows = [{**row, "id": db.new_id(s, Job)} for row in rows]
    if rows:
        s.execute(insert(JOB), rows)


def _ids_up_front(s: Session) -> bool:
    """SQLite: every job's id is taken by `db.new_id` (one transaction must not mix those with
    ids the database picks). PostgreSQL: the database's own sequence, at the flush."""
    return s.get_bind().dialect.name == "sqlite"


def _due(now: datetime, kinds: Collection[str] | None,
         exclude: Collection[str] = ()) -> ColumnElement[bool]:
    """Queued and due, or running under a lease that has run out (its holder died)."""
    return _of_kinds(or_(*_due_branches(now)), kinds, exclude)


def _due_branches(now: Any) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Queued and due; running under a lease that has run out."""
    lapsed = or_(Job.lease_until.is_(None), Job.lease_until < now)
    return and_(Job.state == "queued", Job.next_run_at <= now), and_(Job.state == "running", lapsed)


def _of_kinds(where: Any, kinds: Collection[str] | None, exclude: Collection[str]) -> Any:
    """`where` for jobs of `kinds` (None: any kind) but none of `exclude` (another lane's)."""
    if kinds is not None:
        where = and_(where, Job.kind.in_(list(kinds)))
    if exclude:
        where = and_(where, Job.kind.not_in(list(exclude)))
    return where


def claim(factory: sessionmaker[Session], holder: str, kinds: Collection[str] | None = None,
          lease: timedelta = timedelta(minutes=10), now: datetime | None = None,
          exclude: Collection[str] = ()) -> ClaimedJob | None:
    """Take one due job for `holder` (unique per worker) and mark it running under a lease; of
    `kinds` (None: any) except `exclude` (kinds another lane runs). See claim_many."""
    taken = claim_many(factory, holder, kinds, 1, lease, now, exclude)
    return taken[0] if taken else None


def claim_many(factory: sessionmaker[Session], holder: str, kinds: Collection[str] | None = None,
               limit: int = 1, lease: timedelta = timedelta(minutes=10),
               now: datetime | None = None, exclude: Collection[str] = ()) -> list[ClaimedJob]:
    """Take up to `limit` due jobs for `holder` in one transaction, each marked running under
    its own lease, in the order they are due.

    PostgreSQL: the candidate rows are locked with SKIP LOCKED, so concurrent claimers take
    different jobs. Everywhere: each UPDATE only applies if state and attempts are still what
    was read, so a job lost in a race is left to its winner. A job whose lease ran out with no
    attempts left is marked failed instead of being run again.
    """
    now = now or utcnow()
    if (kinds is not None and not kinds) or limit < 1:
        return []
    for _ in range(100):  # only lost races and exhausted orphans loop
        with factory() as s, s.begin():
            rows = _candidates(s, now, kinds, limit, exclude)
            if not rows:
                return []
            for row in rows:
                if row.state == "running" and row.attempts >= row.max_attempts:
                    _give_up_orphan(s, row, now)
            live = [row for row in rows if not (row.state == "running" and row.attempts >= row.max_attempts)]
            won = _take_all(s, live, holder, now + lease)
            taken = [ClaimedJob(row.id, row.kind, dict(row.payload or {}), row.request_id,
                                row.attempts + 1, row.max_attempts, row.code)
                     for row in live if row.id in won]
        if taken:
            return taken
    return []


def give_back(factory: sessionmaker[Session], job_ids: Collection[int], holder: str) -> int:
    """Hand back jobs `holder` claimed but did not start (a runner told to stop): queued again,
    due at once, the attempt their claim counted not counted. Returns how many."""
    if not job_ids:
        return 0
    with factory() as s, s.begin():
        done = s.execute(update(JOB).where(Job.id.in_(list(job_ids)), Job.state == "running",
                                           Job.leased_by == holder)
                         .values(state="queued", leased_by=None, lease_until=None,
                                 attempts=JOB.c.attempts - 1))
        return done.rowcount


def _candidates(s: Session, now: datetime, kinds: Collection[str] | None, limit: int,
                exclude: Collection[str] = ()) -> list[Any]:
    pg = s.get_bind().dialect.name == "postgresql"
    shape = (tuple(kinds) if kinds is not None else None, tuple(exclude), limit, pg)
    query = _CANDIDATES.get(shape)
    if query is None:  # built once per shape (its cache key too), `now` bound at each claim
        if len(_CANDIDATES) >= 64:
            _CANDIDATES.clear()
        query = _pg_candidates(kinds, exclude, limit) if pg else _sqlite_candidates(kinds, exclude, limit)
        _CANDIDATES[shape] = query
    return list(s.execute(query, {"now": now}).all())


_CANDIDATES: dict[tuple, Any] = {}
_COLUMNS = (Job.id, Job.kind, Job.payload, Job.request_id, Job.state, Job.attempts, Job.max_attempts)


def _pg_candidates(kinds: Collection[str] | None, exclude: Collection[str], limit: int) -> Any:
    """One SELECT, its rows locked with SKIP LOCKED (concurrent claimers take different jobs)."""
    code = select(Request.code).where(Request.id == Job.request_id).scalar_subquery().label("code")
    return (select(*_COLUMNS, code)
            .where(_due(bindparam("now", type_=Job.next_run_at.type), kinds, exclude))
            .order_by(Job.priority.desc(), Job.next_run_at, Job.id).limit(limit)
            .with_for_update(skip_locked=True))


def _sqlite_candidates(kinds: Collection[str] | None, exclude: Collection[str], limit: int) -> Any:
    """The queued-and-due and the lapsed-lease rows as two SELECTs (UNION ALL), each read through
    its index (ix_job_due, or ix_job_kind_due for a lane's kinds): SQLite's planner reads an OR
    whose branches share `kind = ?` through the kind alone, i.e. every job of that kind ever run,
    and the queued branch by state alone, i.e. every timer waiting for days."""
    branches = _due_branches(bindparam("now", type_=Job.next_run_at.type))
    both = union_all(*(select(*_COLUMNS, Job.priority, Job.next_run_at).where(_of_kinds(where, kinds, exclude))
                       for where in branches)).subquery()
    code = select(Request.code).where(Request.id == both.c.request_id).scalar_subquery().label("code")
    return (select(*(both.c[c.key] for c in _COLUMNS), code)
            .order_by(both.c.priority.desc(), both.c.next_run_at, both.c.id).limit(limit))


def _unchanged(row: Any) -> ColumnElement[bool]:
    # every claim raises attempts, so (state, attempts) identifies the version that was read
    return and_(Job.id == row.id, Job.state == row.state, Job.attempts == row.attempts)


def _take_all(s: Session, rows: list[Any], holder: str, until: datetime) -> set[int]:
    """Mark `rows` running for `holder`: one UPDATE for the rows read in the same version (a
    backlog's: all queued, never tried), each applying only if that version is still there;
    the ids it applied to."""
    versions: dict[tuple[str, int], list[int]] = {}
    for row in rows:
        versions.setdefault((row.state, row.attempts), []).append(row.id)
    won: set[int] = set()
    for (state, attempts), ids in versions.items():
        won.update(s.scalars(_TAKE, {"ids": ids, "was": state, "tries": attempts,
                                     "lease_until": until, "leased_by": holder}))
    return won


_TAKE = (update(JOB).where(JOB.c.id.in_(bindparam("ids", expanding=True)),
                           JOB.c.state == bindparam("was"), JOB.c.attempts == bindparam("tries"))
         .values(state="running", attempts=JOB.c.attempts + 1, lease_until=bindparam("lease_until"),
                 leased_by=bindparam("leased_by")).returning(JOB.c.id))  # built once


def _give_up_orphan(s: Session, row: Any, now: datetime) -> None:
    error = f"lease ran out after attempt {row.attempts} of {row.max_attempts} (worker died?)"
    gone = s.execute(update(JOB).where(_unchanged(row))
                     .values(state="failed", lease_until=None, last_error=error, finished_at=now))
    if gone.rowcount == 1:
        log.error("job %d (%s, request %s) failed for good: %s", row.id, row.kind, row.request_id,
                  error)


def _mine(job_id: int, holder: str) -> ColumnElement[bool]:
    return and_(Job.id == job_id, Job.state == "running", Job.leased_by == holder)


def complete(s: Session, job_id: int, holder: str, result: dict[str, Any] | None = None,
             *, now: datetime | None = None) -> bool:
    """Mark the job done if `holder` still holds it (even past its lease, if nobody took it over);
    False when the job is no longer this holder's, and then nothing is changed."""
    # on the connection: a plain UPDATE, not the ORM's bulk path (no Job object is held)
    done = s.connection().execute(_COMPLETE, {"job_id": job_id, "holder": holder, "result": result,
                                 "finished_at": now or utcnow()})
    return done.rowcount == 1


# built once (its cache key too): the job marked done if `holder` still holds it
_COMPLETE = (update(JOB).where(JOB.c.id == bindparam("job_id"), JOB.c.state == "running",
                               JOB.c.leased_by == bindparam("holder"))
             .values(state="done", result=bindparam("result", type_=JOB.c.result.type),
                     lease_until=None, last_error=None, finished_at=bindparam("finished_at")))


def renew(factory: sessionmaker[Session], job_id: int, holder: str, lease: timedelta,
          now: datetime | None = None) -> bool:
    """Extend `holder`'s lease on a job it is still running; False when it is no longer its."""
    return job_id in renew_many(factory, [job_id], holder, lease, now)


def renew_many(factory: sessionmaker[Session], job_ids: Collection[int], holder: str,
               lease: timedelta, now: datetime | None = None) -> set[int]:
    """Extend `holder`'s leases on jobs it still holds, in one statement; the ids it still holds."""
    if not job_ids:
        return set()
    with factory() as s, s.begin():
        mine = and_(Job.id.in_(list(job_ids)), Job.state == "running", Job.leased_by == holder)
        s.execute(update(JOB).where(mine).values(lease_until=(now or utcnow()) + lease))
        return set(s.scalars(select(Job.id).where(mine)))


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """Delay before the next try after `attempts` tries: 10 s doubling, +-20 % jitter, at most 1 h."""
    base = BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 20)
    return min(base * (0.8 + 0.4 * rand()), BACKOFF_CAP)


def fail(s: Session, job_id: int, holder: str, error: str, permanent: bool,
         now: datetime | None = None, outage: bool = False) -> bool:
    """Record a failed try if `holder` still holds the job: retry later, or failed for good when
    `permanent` or out of attempts. False when the job is no longer this holder's. `outage`: the
    host failed (its disk full, a part closed as the daemon stops), not the job: tried again in
    OUTAGE_RETRY, the attempt not counted."""
    now = now or utcnow()
    job = s.scalars(select(Job).where(_mine(job_id, holder)).with_for_update()).first()
    if job is None:
        return False
    job.last_error, job.lease_until = error.replace("\x00", "\\0")[:MAX_ERROR], None  # PG text: no NUL
    if outage and not permanent:
        job.state, job.leased_by = "queued", None
        job.attempts, job.next_run_at = max(0, job.attempts - 1), now + OUTAGE_RETRY
    elif permanent or job.attempts >= job.max_attempts:
        job.state, job.finished_at = "failed", now
    else:
        job.state, job.leased_by = "queued", None
        job.next_run_at = now + backoff(job.attempts)
    s.flush()
    return True


def cancel_for_request(s: Session, request_id: int, kinds: Collection[str] | None = None,
                       *, now: datetime | None = None) -> int:
    """Cancel the request's queued jobs (of `kinds`, or all); running ones finish. Returns how many."""
    where = and_(Job.request_id == request_id, Job.state == "queued")
    if kinds is not None:
        where = and_(where, Job.kind.in_(list(kinds)))
    done = s.execute(update(JOB).where(where).values(state="cancelled", finished_at=now or utcnow()))
    return done.rowcount


_CANCEL_KEYED = (update(JOB).where(JOB.c.request_id == bindparam("req"), JOB.c.state == "queued",
                                   JOB.c.key.like(bindparam("pattern"), escape="/"))
                 .values(state="cancelled", finished_at=bindparam("at")))


def cancel_keyed(s: Session, request_id: int, prefix: str, *, now: datetime | None = None) -> int:
    """Cancel the request's queued jobs whose key starts with `prefix` (e.g. a closed task's
    reminders): those in the database, those this transaction queued and has not written yet, and
    Job objects it changed, all without a flush (the caller's one flush writes the rest). Returns
    how many rows in the database were cancelled."""
    now = now or utcnow()
    for values in [*(s.info.get(BATCH_ROWS) or ()), *db.deferred(s, JOB)]:
        if values.get("state") == "queued" and (values.get("key") or "").startswith(prefix):
            values["state"], values["finished_at"] = "cancelled", now
    for obj in (*s.new, *s.dirty):
        if isinstance(obj, Job) and obj.state == "queued" and (obj.key or "").startswith(prefix):
            obj.state, obj.finished_at = "cancelled", now
    pattern = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return s.connection().execute(_CANCEL_KEYED, {"req": request_id, "pattern": pattern,
                                                  "at": now}).rowcount


def backlog(s: Session) -> dict[str, int]:
    """How many jobs are in each state (every state listed, zero included)."""
    counts = dict.fromkeys(STATES, 0)
    counts.update(s.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    return counts


def next_due(s: Session, kinds: Collection[str] | None = None,
             exclude: Collection[str] = ()) -> datetime | None:
    """When the earliest queued job is due or the earliest running lease runs out (None: no work);
    of `kinds` (None: any) except `exclude`."""
    queued = select(func.min(Job.next_run_at)).where(_of_kinds(Job.state == "queued", kinds, exclude))
    running = select(func.min(Job.lease_until)).where(_of_kinds(Job.state == "running", kinds, exclude))
    times = [t for t in (s.scalar(queued), s.scalar(running)) if t is not None]
    return min(times, default=None)
