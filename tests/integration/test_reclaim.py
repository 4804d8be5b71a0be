"""Claims of an instance that died on another machine are freed once its heartbeat is stale and
PostgreSQL has no session of its process left; a slow but living instance keeps them."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import select
from test_two_instances import pg_url  # noqa: F401 (a fixture)

from daemon.app.reclaim import claim_prefix, free_the_dead
from daemon.core import db
from daemon.core.models import Heartbeat, Inbound, Job, utcnow

pytestmark = pytest.mark.integration


def beat(instance: str, age: float, **kw) -> Heartbeat:
    now = utcnow()
    host, _, pid = instance.rpartition(":")
    return Heartbeat(instance=instance, host=host, pid=int(pid), version="t", started_at=now - timedelta(hours=1),
                     beat_at=now - timedelta(seconds=age), interval=5.0, mailbox="standby", checks={}, **kw)


def message(n: int, holder: str, until) -> Inbound:
    return Inbound(message_id=f"<m{n}@x>", folder="INBOX", uidvalidity=1, uid=n, raw_path="x",
                   sha256="0" * 64, size=1, lease_until=until, leased_by=holder)


def test_only_a_dead_instances_claims_are_freed(factory, db_url):
    if not db_url.startswith("postgresql"):  # one instance by design: nothing to look for
        assert free_the_dead(factory, 30, "me:1:") == {"jobs": 0, "messages": 0}
        return
    now = utcnow()
    later = now + timedelta(minutes=10)
    holders = {"dead": "other-host:4242", "slow": "slow-host:77", "fresh": "fresh-host:5",
               "stopped": "gone-host:9", "me": "me-host:1"}
    with factory() as s, s.begin():
        s.add_all([beat(holders["dead"], 60), beat(holders["slow"], 60), beat(holders["fresh"], 1),
                   beat(holders["stopped"], 60, stopped_at=now - timedelta(seconds=59)),
                   beat(holders["me"], 60)])
        for n, (name, instance) in enumerate(holders.items()):
            s.add(Job(kind="render_letter", state="running", attempts=1, lease_until=later,
                      leased_by=f"{instance}:jobs", payload={"who": name}))
            s.add(message(n, f"{instance}:dispatcher", later))
    living = psycopg.connect("postgresql://" + db_url.split("://", 1)[1],
                             application_name=f"{claim_prefix(holders['slow'])}db")
    try:
        freed = free_the_dead(factory, 30, claim_prefix(holders["me"]))
        again = free_the_dead(factory, 30, claim_prefix(holders["me"]))
    finally:
        living.close()
    assert freed == {"jobs": 1, "messages": 1} and again == {"jobs": 0, "messages": 0}
    with factory() as s:
        jobs = {j.payload["who"]: j.lease_until for j in s.scalars(select(Job))}
        inbound = {m.leased_by.split(":")[0]: m.lease_until for m in s.scalars(select(Inbound))}
    assert jobs.pop("dead") < now and all(until > now for until in jobs.values())
    assert inbound.pop("other-host") < now and all(until > now for until in inbound.values())
    # the slow one's last session ends (it died too): its claims go at the next look
    assert free_the_dead(factory, 30, claim_prefix(holders["me"])) == {"jobs": 1, "messages": 1}


def test_the_service_names_its_database_sessions_by_process(db_url):
    if not db_url.startswith("postgresql"):
        return
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            from sqlalchemy import text
            name = conn.execute(text("SELECT current_setting('application_name')")).scalar()
            idle = conn.execute(text("SELECT current_setting('tcp_keepalives_idle')")).scalar()
    finally:
        engine.dispose()
    assert name == db.session_name("db") and claim_prefix(name.rsplit(":", 1)[0]) == name[:-2]
    assert idle == "10"


def test_a_running_daemon_frees_what_a_dead_standby_held(pg_url, dovecot, mailbox_user, smtp, tmp_path):
    """The wiring: a real daemon finds the dead instance within seconds, not the 10-minute lease."""
    from test_failover import TOOK_OVER, Daemon, until

    engine = db.make_engine(pg_url)
    db.upgrade(engine)
    factory = db.sessions(engine)
    later = utcnow() + timedelta(minutes=10)
    with factory() as s, s.begin():
        s.add(beat("far-host:4242", 120))
        s.add(Job(kind="no_such_kind", state="running", attempts=1, max_attempts=1, lease_until=later,
                  leased_by="far-host:4242:jobs", payload={}))
    daemon = Daemon(tmp_path / "a", "a", pg_url, dovecot, mailbox_user, smtp)
    try:
        daemon.start()
        until(lambda: daemon.count(TOOK_OVER) == 1, 30, "the daemon to take the lease")

        def freed() -> bool:
            with factory() as s:
                job = s.scalars(select(Job).where(Job.kind == "no_such_kind")).one()
                # taken by another, or (its attempts spent) given up: either way no longer held
                return job.leased_by != "far-host:4242:jobs" or job.lease_until is None \
                    or job.lease_until < utcnow()
        took = until(freed, 30, "the dead instance's job to be freed")
        assert "instance far-host:4242 is gone" in daemon.text()
        print(f"\ndead instance's job freed {took:.1f} s after the daemon took the lease")
    finally:
        daemon.stop(timeout=8)
        daemon.kill()
        engine.dispose()
