"""A reply's transaction flushes once: the open tasks and a closed task's reminders are read and
cancelled as the transaction sees them, without flushing what it changed."""

from __future__ import annotations

from harness import CAMAT, Office, letter
from sqlalchemy import event, select
from test_workflow_bodies import BANTAN

from daemon.core import jobs
from daemon.core.models import Job, Request, Task
from daemon.sop import timing
from daemon.sop.waiting import open_tasks


def test_open_tasks_and_cancelled_reminders_see_the_transaction_without_a_flush(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    with office.factory() as s, s.begin():
        flushes: list[int] = []
        event.listen(s, "before_flush", lambda *a: flushes.append(1))
        req = s.scalars(select(Request)).one()
        task = open_tasks(s, req)[0]
        prefix = f"{timing.TIMER}:{req.code}:{timing.REMIND}:{task.id}:"
        reminders = s.scalars(select(Job).where(Job.key.startswith(prefix), Job.state == "queued")).all()
        assert reminders and flushes == []  # (nothing changed yet: nothing to flush)
        later = Job(kind="timer", payload={}, key=prefix + "2", request_id=req.id, state="queued",
                    next_run_at=office.clock(), priority=0, attempts=0)
        s.add(later)
        task.status = "closed"
        assert open_tasks(s, req) == []
        assert jobs.cancel_keyed(s, req.id, prefix, now=office.clock()) == len(reminders)
        assert later.state == "cancelled" and task in s.dirty and later in s.new
        assert flushes == []  # neither read flushed the closed task nor the new job
        other = Task(request_id=req.id, step=2, seq=1, role="sekdis", token="t", who=["x@y.id"],
                     status="open", message_id="<t@y.id>")
        s.add(other)
        assert open_tasks(s, req) == [other] and flushes == []
    with office.factory() as s:
        assert {j.state for j in s.scalars(select(Job).where(Job.key.startswith(prefix)))} == {"cancelled"}
        assert s.get(Task, task.id).status == "closed"
