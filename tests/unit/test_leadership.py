"""The new lease holder frees the claims of every other process, and only those; [ha] is checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from daemon.app.leadership import SINGLE_KINDS, Leadership, own_prefix, prefix_of, take_over
from daemon.core.config_running import HaCfg
from daemon.core.models import Inbound, Job, Outbox, utcnow


def _job(s, n: int, state: str, holder: str | None, minutes: int) -> None:
    s.add(Job(kind="render_letter", key=f"k{n}", payload={}, state=state, priority=0, attempts=1,
              max_attempts=8, next_run_at=utcnow(), created_at=utcnow(), leased_by=holder,
              lease_until=utcnow() + timedelta(minutes=minutes)))


def _inbound(s, n: int, holder: str | None, status: str = "new") -> None:
    s.add(Inbound(message_id=f"<{n}@x>", folder="INBOX", uidvalidity=1, uid=n, raw_path=f"/r/{n}",
                  sha256="0" * 64, size=1, status=status, leased_by=holder,
                  lease_until=utcnow() + timedelta(minutes=5)))


def _outbox(s, n: int, status: str) -> None:
    s.add(Outbox(message_id=f"<o{n}@x>", kind="task", recipients=["a@x"], subject="s", raw=b"x",
                 status=status, next_attempt_at=utcnow() + timedelta(minutes=15)))


def test_take_over_frees_the_old_holders_claims_only(sqlite_factory):
    mine, dead, alive = own_prefix() + "jobs", "otherhost:4242:jobs", "thirdhost:7:jobs"
    with sqlite_factory() as s, s.begin():
        _job(s, 1, "running", dead, 10)
        _job(s, 2, "running", mine, 10)
        _job(s, 3, "queued", None, 10)
        _job(s, 4, "running", dead, -1)  # already lapsed: left as it is
        _job(s, 5, "running", alive, 10)  # a third instance's: not the old holder's
        _inbound(s, 1, "otherhost:4242:dispatcher")
        _inbound(s, 2, own_prefix() + "dispatcher")
        _inbound(s, 3, "otherhost:4242:dispatcher", status="done")
        _outbox(s, 1, "sending")
        _outbox(s, 2, "queued")
    before = utcnow()
    assert take_over(sqlite_factory, prefix_of("otherhost:4242:lease")) == {"jobs": 1, "messages": 1, "mails": 1}
    with sqlite_factory() as s:
        jobs = {j.key: j for j in s.scalars(select(Job))}
        inbound = {i.uid: i for i in s.scalars(select(Inbound))}
        outbox = {o.message_id: o for o in s.scalars(select(Outbox))}
        assert jobs["k1"].lease_until < before and jobs["k2"].lease_until > before
        assert jobs["k3"].lease_until > before  # queued: its lease field means nothing
        assert jobs["k5"].lease_until > before
        assert inbound[1].lease_until < before and inbound[2].lease_until > before
        assert inbound[3].lease_until > before
        assert outbox["<o1@x>"].next_attempt_at < before  # sent again at once, same Message-ID
        assert outbox["<o2@x>"].next_attempt_at > before  # a retry's backoff is kept
    assert take_over(sqlite_factory, "otherhost:4242:") == {"jobs": 0, "messages": 0, "mails": 0}


def test_no_old_holder_seen_frees_only_the_mails_being_sent(sqlite_factory):
    with sqlite_factory() as s, s.begin():
        _job(s, 1, "running", "otherhost:4242:jobs", 10)
        _outbox(s, 1, "sending")
    assert take_over(sqlite_factory, None) == {"jobs": 0, "messages": 0, "mails": 1}
    assert prefix_of(None) is None and prefix_of("psql") is None
    assert prefix_of(own_prefix() + "lease") == own_prefix()


def test_the_mail_this_process_is_sending_is_not_freed_under_it(sqlite_factory):
    """The term begins (the outbox claims and sends) before the old holder's claims are freed:
    the mail this process is sending stays its own, or it went out twice (seen in the crash test)."""
    with sqlite_factory() as s, s.begin():
        _outbox(s, 1, "sending")
        s.add(Outbox(message_id="<mine@x>", kind="task", recipients=["a@x"], subject="s", raw=b"x",
                     status="sending", leased_by=own_prefix() + "outbox",
                     next_attempt_at=utcnow() + timedelta(minutes=15)))
        s.add(Outbox(message_id="<dead@x>", kind="task", recipients=["a@x"], subject="s", raw=b"x",
                     status="sending", leased_by="otherhost:4242:outbox",
                     next_attempt_at=utcnow() + timedelta(minutes=15)))
    assert take_over(sqlite_factory, None) == {"jobs": 0, "messages": 0, "mails": 2}
    with sqlite_factory() as s:
        status = {o.message_id: o.status for o in s.scalars(select(Outbox))}
    assert status == {"<o1@x>": "queued", "<dead@x>": "queued", "<mine@x>": "sending"}


def test_a_standby_leaves_the_schedulers_to_the_holder(sqlite_factory):
    from daemon.app.jobrunner import JobRunner
    from daemon.core import jobs
    from daemon.mail.mailbox_lock import MailboxLock

    kinds = {"render_letter", *SINGLE_KINDS}
    runner = JobRunner(sqlite_factory, {k: (lambda job: {}) for k in kinds}, own_prefix() + "jobs")
    with sqlite_factory() as s, s.begin():
        for kind in sorted(kinds):
            jobs.enqueue(s, kind, {}, key=kind)
    lock = MailboxLock(sqlite_factory.kw["bind"], 1)
    lead = Leadership(lock, sqlite_factory, 2.0, runner)
    assert runner.skip == SINGLE_KINDS  # standing by from the start
    first = runner.claim()
    assert first is not None and first.kind == "render_letter" and runner.claim() is None
    lead._single(True)
    assert {runner.claim().kind, runner.claim().kind} == set(SINGLE_KINDS)


def test_ha_defaults_bound_the_takeover_and_a_slow_renewal_is_refused():
    cfg = HaCfg()
    assert cfg.lease_seconds + cfg.check_seconds < 30
    assert HaCfg(lease_seconds=30, check_seconds=10).check_seconds == 10
    with pytest.raises(ValueError, match="third"):
        HaCfg(lease_seconds=15, check_seconds=6)
    with pytest.raises(ValueError):
        HaCfg(lease_seconds=2)
