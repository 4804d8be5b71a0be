"""Claims of an instance that died on another machine, freed without waiting for their leases.

An instance is taken for dead when both hold: its heartbeat is older than `[status]
stale_seconds` (and three of its own intervals) without a clean stop, and PostgreSQL has no
session of its process any more (every connection names its 'host:pid:' in application_name; a
killed process's sessions end at once, a machine that vanished has its sessions ended by the
server's keepalives). Then its running jobs and the messages it had claimed are freed for
anyone to take now. A process that is alive but slow to beat still has its sessions and keeps
its claims; one that comes back after being cut off can no longer complete what was freed (a
completion needs the claim to still name it), so nothing is done twice. SQLite runs one
instance: `work.reclaim_orphans` covers its restarts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.claims import free_claims
from daemon.core.models import Heartbeat, utcnow

log = logging.getLogger("daemon.app.reclaim")
SESSIONS = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE :prefix"


def claim_prefix(instance: str) -> str:
    """The 'host:pid:' its claims and sessions start with, from a heartbeat's 'host:pid'."""
    host, _, pid = instance.rpartition(":")
    return f"{host[:40]}:{pid}:"


def dead_instances(s: Session, stale: timedelta, now: datetime, own: str) -> list[str]:
    """The claim prefixes of instances with a stale heartbeat and no session left."""
    rows = s.execute(select(Heartbeat.instance, Heartbeat.beat_at, Heartbeat.interval)
                     .where(Heartbeat.stopped_at.is_(None), Heartbeat.beat_at < now - stale)).all()
    dead = []
    for instance, beat_at, interval in rows:
        prefix = claim_prefix(instance)
        if prefix == own or now - beat_at < timedelta(seconds=3 * (interval or 0)):
            continue
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if s.execute(text(SESSIONS), {"prefix": like}).scalar() == 0:
            dead.append(prefix)
    return dead


def free_the_dead(factory: sessionmaker[Session], stale: float, own: str,
                  now: datetime | None = None) -> dict[str, int]:
    """Free the jobs and messages of dead instances (PostgreSQL only); what was freed, by kind."""
    now = now or utcnow()
    freed = {"jobs": 0, "messages": 0}
    with factory() as s, s.begin():
        if s.get_bind().dialect.name != "postgresql":
            return freed
        for prefix in dead_instances(s, timedelta(seconds=stale), now, own):
            got = free_claims(s, now, prefix)
            if got["jobs"] or got["messages"]:
                log.warning("instance %s is gone (stale heartbeat, no database session): freed its "
                            "%d running job(s) and %d claimed message(s)", prefix.rstrip(":"),
                            got["jobs"], got["messages"])
            freed["jobs"] += got["jobs"]
            freed["messages"] += got["messages"]
    return freed
