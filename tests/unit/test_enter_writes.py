"""A new request's first step is written with few flushes and statements, and still writes
the same rows: the task mail keeps the task's Message-ID and waits for its letter, the
reminder names the task, the newest letter is read once per transaction (and read again when
the version made in it is undone), and a keyed job is queued once."""

from __future__ import annotations

from typing import Self

import pytest
from harness import KADIS, Office, letter
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from test_workflow_bodies import BANTAN

from daemon.core import db, jobs
from daemon.core.models import Document, Event, Job, Outbox, Request, Task
from daemon.sop import documents, engine, writer
from daemon.sop.run import sop_of

CAMAT = "camat.bantan@bengkaliskab.go.id"
HISTORY = [("received", 1), ("scheduled", 1), ("done", 1), ("sent", 2)]  # its letter, step 1, the task


@pytest.fixture
def office(tmp_path, db_url):
    return Office(tmp_path, database=db_url)


class Count:
    """Flushes of any session and statements on the office's engine while active."""

    def __init__(self, engine_) -> None:
        self.engine, self.flushes, self.statements = engine_, 0, []

    def _flush(self, *_a) -> None:
        self.flushes += 1

    def _statement(self, _c, _cur, statement, *_a) -> None:
        self.statements.append(" ".join(statement.split()))

    def __enter__(self) -> Self:
        event.listen(Session, "after_flush", self._flush)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *_a) -> None:
        event.remove(Session, "after_flush", self._flush)
        event.remove(self.engine, "before_cursor_execute", self._statement)


def recorded(office, body: str = BANTAN) -> dict:
    """A request letter stored and recorded by the dispatcher: its first step's job payload."""
    office.store(letter(CAMAT, "Permohonan Peliputan", body, display="Kantor Camat Bantan"))
    office.dispatcher.run_once()
    with office.factory() as s:
        return s.scalars(select(Job.payload).where(Job.kind == engine.ENTER)
                         .order_by(Job.id.desc())).first()


def test_the_first_step_is_written_with_one_flush_and_the_same_rows(office):
    first = recorded(office)
    with db.transaction(office.factory) as s:  # the year's first letter: its number's sequence
        engine.enter_step(office.ctx, s, first)  # row is made (in a savepoint of its own)
    payload = recorded(office, BANTAN.replace("Musrenbang Kecamatan Bantan", "Pawai Budaya Bantan")
                       .replace("Senin, 7 Desember 2026", "Selasa, 8 Desember 2026"))
    assert payload["request_id"] != first["request_id"]  # another event: not a repeated letter
    with Count(office.engine) as count, db.transaction(office.factory) as s:
        engine.enter_step(office.ctx, s, payload)
    # SQLite: one, at the commit (the letter's job id, which its mail waits on, is taken up
    # front); PostgreSQL: the warning before the event is queued in a savepoint (another
    # instance may queue it too), and the job's id comes with a flush
    sqlite = office.engine.dialect.name == "sqlite"
    assert count.flushes <= (1 if sqlite else 4), count.flushes
    assert not sqlite or not any(st.startswith("SAVEPOINT") for st in count.statements)
    # the request, its open tasks, the clash check, the ids up front (task, job, document), the
    # warning's key, the newest letter and its number, the original letter's file; then the rows
    assert not sqlite or len(count.statements) <= 23, "\n".join(count.statements)
    assert not any(st.startswith("SELECT inbound.id") for st in count.statements)  # two columns only
    # the history lines of a request on record: plain rows (SQLite: no id read back for them)
    assert not sqlite or not any(st.startswith("INSERT INTO event") and "RETURNING" in st
                                 for st in count.statements)
    assert not any(st.startswith("SELECT outbox") for st in count.statements)  # a new Message-ID
    with office.factory() as s:
        req = s.get(Request, payload["request_id"])
        task = s.scalars(select(Task).where(Task.request_id == req.id)).one()
        mails = s.scalars(select(Outbox).where(Outbox.request_id == req.id).order_by(Outbox.id)).all()
        render = s.scalars(select(Job).where(Job.kind == "render_letter", Job.request_id == req.id)).one()
        doc = s.scalars(select(Document).where(Document.request_id == req.id)).one()
        history = s.scalars(select(Event).where(Event.request_id == req.id).order_by(Event.id)).all()
        timers = s.scalars(select(Job).where(Job.request_id == req.id,
                                             Job.payload["timer"].as_string() == "remind")).all()
    assert [m.kind for m in mails] == ["ack", "task"]  # in the order they were asked for
    assert [(e.kind, e.step) for e in history] == HISTORY, [(e.kind, e.step) for e in history]
    ack, asked = mails
    assert ack.status == "queued" and ack.raw and CAMAT in ack.recipients
    assert asked.message_id == task.message_id and task.who == [KADIS] and task.id is not None
    assert asked.status == "waiting" and asked.waits_on == [render.id]
    assert {"document": doc.id} in asked.parts["items"] and render.payload["document_id"] == doc.id
    assert doc.number and doc.version == 1 and doc.status == "pending"
    assert [t.payload["task"] for t in timers] == [task.id]
    assert timers[0].key.endswith(f":{task.id}:1")


def test_the_newest_letter_is_read_once_and_again_when_its_new_version_is_undone(office):
    payload = recorded(office)
    office.settle()  # the first step entered, its letter rendered
    with db.transaction(office.factory) as s:
        req = s.get(Request, payload["request_id"])
        first = s.scalars(select(Document)).one()
        assert documents.latest(s, req, first.kind) is first
        with Count(office.engine) as count:
            assert documents.latest(s, req, first.kind) is first
        assert count.statements == []  # read once in this transaction
        spec = documents.spec_of(sop_of(office.ctx, s, req), first.kind)
        with pytest.raises(RuntimeError), s.begin_nested():
            second = documents.make(office.ctx, s, req, first.kind, spec, {"number": first.number})
            assert documents.latest(s, req, first.kind) is second and second.version == 2
            assert documents.render_job(s, second).payload["document_id"] == second.id
            raise RuntimeError("undone")
        again = documents.latest(s, req, first.kind)
        assert again.version == 1 and again.id == first.id
    with office.factory() as s:
        assert s.scalars(select(Document.version)).all() == [1]


def test_a_keyed_job_is_queued_once_in_a_transaction_and_after_it(office):
    recorded(office)
    with db.transaction(office.factory) as s:
        one = jobs.enqueue(s, "step_timer", {"n": 1}, key="once")
        assert jobs.enqueue(s, "step_timer", {"n": 2}, key="once") is one  # not written yet
    with db.transaction(office.factory) as s:
        stored = jobs.enqueue(s, "step_timer", {"n": 3}, key="once")
        assert stored.id is not None and stored.payload == {"n": 1}
    with office.factory() as s:
        assert s.scalars(select(Job.payload).where(Job.key == "once")).all() == [{"n": 1}]


def test_a_rendered_letter_is_recorded_without_reading_back_its_rows(office):
    """The letter's UPDATE returns what its history line names; the line reads the request's step
    inside its INSERT; the job finishing now is not read again for the mail waiting on it."""
    payload = recorded(office)
    with db.transaction(office.factory) as s:
        engine.enter_step(office.ctx, s, payload)
    with office.factory() as s:
        job = s.scalars(select(Job).where(Job.kind == "render_letter")).one()
        s.expunge(job)
    result = {"document_id": job.payload["document_id"], "path": job.payload["out"], "pdf": None,
              "pdf_note": "salinan PDF tidak dibuat: LibreOffice tidak terpasang"}
    with Count(office.engine) as count, db.transaction(office.factory) as s:
        writer.letter_rendered(office.ctx, s, job, result)
    before_mail = count.statements[:next(i for i, st in enumerate(count.statements)
                                         if st.startswith("SELECT outbox"))]
    shapes = [st.split(" (")[0].split(" SET")[0] for st in before_mail if not st.startswith("BEGIN")]
    assert shapes == ["UPDATE document", "INSERT INTO event"], before_mail
    assert not any(st.startswith("SELECT job.state") for st in count.statements)
    with office.factory() as s:
        line = s.scalars(select(Event).where(Event.kind == "document")).one()
        mail = s.scalars(select(Outbox).where(Outbox.kind == "task")).one()
    assert line.step == 2 and line.note.startswith("lembar_disposisi v1: salinan PDF")
    assert mail.status == "queued" and mail.raw
