"""`liputan status` counts only timers with something left to do: an answered task's reminder
and an ended request's timers are cancelled, not left to fire for nothing."""

from __future__ import annotations

import pytest
from harness import CAMAT, KABID, KADIS, Office, letter, reply
from sqlalchemy import select
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
