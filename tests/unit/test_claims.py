"""One helper hands back a gone holder's claims; the three places that free claims all use it."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from sqlalchemy import select

from daemon.app import leadership, reclaim, work
from daemon.core.claims import EVERY_MAIL, INTERRUPT_LIMIT, free_claims
from daemon.core.models import Inbound, Job, Outbox, utcnow


def _rows(s, holder: str, n: int, minutes: int = 10, interrupted: int = 0) -> None:
    until = utcnow() + timedelta(minutes=minutes)
    s.add(Job(kind="noop", key=f"k{n}", payload={}, state="running", priority=0, attempts=2,
              max_attempts=8, next_run_at=utcnow(), created_at=utcnow(), leased_by=holder + "jobs",
              lease_until=until, interrupted=interrupted))
    s.add(Inbound(message_id=f"<{n}@x>", folder="INBOX", uidvalidity=1, uid=n, raw_path=f"/r/{n}",
                  sha256="0" * 64, size=1, status="new", leased_by=holder + "dispatcher",
                  lease_until=until))
    s.add(Outbox(message_id=f"<o{n}@x>", kind="task", recipients=["a@x"], subject="s", raw=b"x",
                 status="sending", attempts=1, next_attempt_at=until, leased_by=holder + "outbox"))


def test_only_the_named_holders_live_claims_are_freed(sqlite_factory):
    with sqlite_factory() as s, s.begin():
        _rows(s, "dead:1:", 1)
        _rows(s, "dead:11:", 2)  # another process whose pid starts alike: kept
        _rows(s, "dead:1:", 3, minutes=-1)  # lapsed already: anyone's, left alone
    now = utcnow()
    with sqlite_factory() as s, s.begin():
        assert free_claims(s, now, "dead:1:", mails=True) == {"jobs": 1, "messages": 1, "mails": 1}
    with sqlite_factory() as s:
        jobs = {j.key: j for j in s.scalars(select(Job))}
        mails = {o.message_id: o for o in s.scalars(select(Outbox))}
        messages = {m.uid: m for m in s.scalars(select(Inbound))}
    assert jobs["k1"].lease_until < now and jobs["k2"].lease_until > now
    assert (jobs["k1"].attempts, jobs["k1"].interrupted) == (2, 0)  # not an interruption
    assert messages[1].lease_until < now and messages[2].lease_until > now
    assert (mails["<o1@x>"].status, mails["<o1@x>"].leased_by) == ("queued", None)
    assert mails["<o1@x>"].next_attempt_at < now and mails["<o2@x>"].status == "sending"
    assert mails["<o3@x>"].status == "sending"  # its lease ran out: claimable as it is


def test_an_interrupted_run_gives_its_attempt_back_within_the_limit(sqlite_factory):
    with sqlite_factory() as s, s.begin():
        _rows(s, "a:1:", 1)
        _rows(s, "b:2:", 2, interrupted=INTERRUPT_LIMIT)
    with sqlite_factory() as s, s.begin():
        free_claims(s, utcnow(), "a:1:", interrupted=True)
        free_claims(s, utcnow(), "b:2:", interrupted=True)
    with sqlite_factory() as s:
        jobs = {j.key: (j.attempts, j.interrupted) for j in s.scalars(select(Job))}
    assert jobs == {"k1": (1, 1), "k2": (2, INTERRUPT_LIMIT + 1)}


def test_every_mail_in_flight_or_none(sqlite_factory):
    with sqlite_factory() as s, s.begin():
        _rows(s, "a:1:", 1)
        _rows(s, "b:2:", 2)
    with sqlite_factory() as s, s.begin():
        assert free_claims(s, utcnow(), None, mails=True) == {"jobs": 0, "messages": 0, "mails": 0}
        assert free_claims(s, utcnow(), None, mails=EVERY_MAIL) == {"jobs": 0, "messages": 0, "mails": 2}


@pytest.mark.parametrize("fn", [reclaim.free_the_dead, leadership.take_over, work.reclaim_orphans])
def test_claims_are_freed_by_the_one_helper_only(fn):
    source = inspect.getsource(fn)
    assert "free_claims(" in source and "update(" not in source, fn.__name__
