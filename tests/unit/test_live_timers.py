"""`liputan status` counts only timers with something left to do: an answered task's reminder
and an ended request's timers are cancelled, not left to fire for nothing; an office upgrading
from before that has the timers its older version left queued cancelled by migration 0013."""

from __future__ import annotations

import pytest
from harness import CAMAT, KABID, KADIS, Office, letter, reply
from sqlalchemy import select, update
from test_workflow_bodies import BANTAN

from daemon.app.status import jobs_part
from daemon.core.models import Job, Task
from daemon.sop.kinds.coverage import TIMER


@pytest.fixture
def office(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    return office


def _timers(office: Office) -> list[Job]:
    with office.factory() as s:
        return list(s.scalars(select(Job).where(Job.kind == TIMER, Job.state == "queued")))


def _reminded_tasks(office: Office) -> set[int]:
    return {j.payload["task"] for j in _timers(office) if j.payload.get("timer") == "remind"}


def _open_tasks(office: Office) -> set[int]:
    with office.factory() as s:
        return set(s.scalars(select(Task.id).where(Task.status == "open", Task.deadline.isnot(None))))


def _scheduled(office: Office) -> int:
    with office.factory() as s:
        return jobs_part(s, office.clock())["scheduled"]


def test_an_answered_task_leaves_no_reminder_scheduled(office):
    before = _scheduled(office)
    assert _reminded_tasks(office) == _open_tasks(office) != set()
    for who in (KADIS, KABID):
        office.deliver(reply(office.last_to(who), who, "Setuju"))
        assert _reminded_tasks(office) == _open_tasks(office), "only open tasks keep a reminder"
    assert _scheduled(office) == before  # one task open then, one now: the same count


def test_a_reminder_that_fired_is_followed_only_while_the_task_is_open(office):
    """The next reminder a fired one plans is cancelled too once the official answers."""
    office.clock.advance(days=2)
    office.settle()
    kadis_task = next(iter(_open_tasks(office)))
    (planned,) = [j for j in _timers(office) if j.payload.get("task") == kadis_task]
    assert planned.payload["n"] == 2  # the first reminder went out; the second is planned
    office.deliver(reply(office.mail_to(KADIS)[0], KADIS, "Setuju"))
    assert kadis_task not in _reminded_tasks(office)


def test_a_cancelled_request_keeps_no_timer(office):
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju"))
    assert _timers(office)
    ack = office.mail_to(CAMAT)[0]
    office.deliver(reply(ack, CAMAT, "Dengan hormat, kegiatan tersebut dibatalkan. Mohon maaf."))
    assert office.request().state == "cancelled"
    assert _timers(office) == [] and _scheduled(office) == 0


def _as_an_older_version_left_them(office: Office) -> None:
    """The timers the engine cancelled queued again, as a version before their cancelling left them."""
    with office.factory() as s, s.begin():
        s.execute(update(Job).where(Job.kind == TIMER, Job.state == "cancelled")
                  .values(state="queued", finished_at=None))


def _migrate_from_0012(db_url: str) -> None:
    from alembic import command

    from daemon.core.db import _alembic_config as alembic_config
    from daemon.core.db import make_engine, upgrade

    command.downgrade(alembic_config(db_url), "0012")
    engine = make_engine(db_url)
    try:
        assert upgrade(engine) is True
    finally:
        engine.dispose()


def test_0013_cancels_an_answered_tasks_reminder_left_queued_and_keeps_the_live_timers(office, db_url):
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju"))
    live = {j.id for j in _timers(office)}
    _as_an_older_version_left_them(office)
    assert _reminded_tasks(office) - _open_tasks(office), "the answered task's reminder is queued again"
    before = _scheduled(office)
    _migrate_from_0012(db_url)
    assert {j.id for j in _timers(office)} == live != set()
    assert _reminded_tasks(office) == _open_tasks(office)
    assert _scheduled(office) < before
    with office.factory() as s:  # cancelled as the engine cancels: never run, with the time
        stale = s.scalars(select(Job).where(Job.kind == TIMER, Job.state == "cancelled")).all()
        assert stale and all(j.attempts == 0 and j.finished_at is not None for j in stale)


def test_0013_cancels_every_timer_of_a_request_that_ended(office, db_url):
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju"))
    office.deliver(reply(office.mail_to(CAMAT)[0], CAMAT, "Dengan hormat, kegiatan tersebut dibatalkan. Mohon maaf."))
    assert office.request().state == "cancelled"
    _as_an_older_version_left_them(office)
    assert _timers(office) and _scheduled(office) > 0
    _migrate_from_0012(db_url)
    assert _timers(office) == [] and _scheduled(office) == 0


@pytest.mark.parametrize("key,state,stale", [
    ("step_timer:LPT-2026-0001:remind:7:1", "open", True),     # task 7 closed
    ("step_timer:LPT-2026-0001:remind:8:2", "open", False),    # task 8 open: its second reminder
    ("step_timer:LPT-2026-0001:near_event:2026-12-03T01:00:00+00:00", "open", False),
    ("step_timer:LPT-2026-0001:9:event_over", "open", False),
    ("step_timer:LPT-2026-0001:9:event_over", "done", True),
    ("step_timer:LPT-2026-0001:near_event:2026-12-03T01:00:00+00:00", None, True),  # no request
    (None, "open", False),
])
def test_0013_judges_a_timer_stale_as_the_engine_would(key, state, stale):
    import importlib

    migration = importlib.import_module("daemon.core.migrations.versions.0013_stale_timers")
    assert migration.stale(key, state, open_tasks={8}) is stale
