"""A request on record gets its first step's new rows (task, letter, jobs, mail) as plain INSERTs,
one per table, not as ORM objects flushed by the unit of work; a savepoint rolled back drops the
rows queued inside it and only those; and the hot statements are built once, so a second call
makes no new cache key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from harness import Office
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import cache_key
from test_enter_writes import recorded
from test_workflow_bodies import BANTAN

from daemon.core import db, jobs
from daemon.core.models import Document, Job, Outbox, Request, Task
from daemon.sop import documents, engine, requests, writer
from daemon.sop.waiting import open_tasks

ROWS = (Task, Document, Job, Outbox)
OTHER = BANTAN.replace("Musrenbang Kecamatan Bantan", "Pawai Budaya Bantan").replace(
    "Senin, 7 Desember 2026", "Selasa, 8 Desember 2026")


@pytest.fixture
def office(tmp_path, db_url):
    return Office(tmp_path, database=db_url)


class Flushed:
    """The classes of the new objects each flush of any session writes, while active."""

    def __init__(self) -> None:
        self.kinds: list[set[str]] = []

    def _before(self, session, _ctx, _objects) -> None:  # noqa: ANN001
        self.kinds.append({type(obj).__name__ for obj in session.new})

    def __enter__(self) -> "Flushed":
        event.listen(Session, "before_flush", self._before)
        return self

    def __exit__(self, *_a) -> None:
        event.remove(Session, "before_flush", self._before)


def rows_of(office, request_id: int) -> dict[str, int]:
    with office.factory() as s:
        return {m.__name__: len(s.scalars(select(m.id).where(m.request_id == request_id)).all())
                for m in ROWS}


def test_a_first_step_flushes_no_new_object(office):
    payload = recorded(office)
    with Flushed() as flushed, db.transaction(office.factory) as s:
        engine.enter_step(office.ctx, s, payload)
    # (PostgreSQL: the warning before the event, a keyed job another instance may queue too, is
    # queued in a savepoint of its own, as an ORM object)
    plain = {m.__name__ for m in ROWS} - ({"Job"} if office.engine.dialect.name == "postgresql" else set())
    assert not any(kinds & plain for kinds in flushed.kinds), flushed.kinds
    # the same rows as before: the task, its letter, the letter's job and the reminder (and on
    # most days the warning before the event, and the first step's own), the two mails
    got = rows_of(office, payload["request_id"])
    assert got["Task"] == 1 and got["Document"] == 1 and got["Outbox"] == 2 and got["Job"] >= 3, got


def test_a_savepoint_undone_drops_only_its_own_rows(office):
    first, second = recorded(office), recorded(office, OTHER)
    before = rows_of(office, first["request_id"])  # (its first step's job)
    with db.transaction(office.factory) as s:
        with pytest.raises(RuntimeError), s.begin_nested():
            engine.enter_step(office.ctx, s, first)  # written at its step's end, then undone
            raise RuntimeError("undone")
        with s.begin_nested():  # a row queued and not written when an inner savepoint is undone
            req = s.get(Request, second["request_id"])
            db.defer(s, Task.__table__, {"id": db.new_id(s, Task), "request_id": req.id, "step": 9,
                                         "seq": 0, "role": "kadis", "who": [], "token": "t1",
                                         "message_id": "<kept@x>", "status": "open"})
            with pytest.raises(RuntimeError), s.begin_nested():
                db.defer(s, Task.__table__, {"id": db.new_id(s, Task), "request_id": req.id, "step": 9,
                                             "seq": 0, "role": "kadis", "who": [], "token": "t2",
                                             "message_id": "<gone@x>", "status": "open"})
                raise RuntimeError("undone")
            assert [r["token"] for r in db.deferred(s, Task.__table__)] == ["t1"]
        # (written with the commit)
    assert rows_of(office, first["request_id"]) == before
    with office.factory() as s:
        assert s.scalars(select(Task.message_id).where(Task.request_id == second["request_id"])).all() \
            == ["<kept@x>"]


def test_a_letter_made_in_an_undone_savepoint_is_forgotten_and_one_before_it_kept(office):
    payload = recorded(office)
    with db.transaction(office.factory) as s:
        req = s.get(Request, payload["request_id"])
        spec = documents.spec_of(engine.Run.of(office.ctx, s, req).sop, "lembar_disposisi")
        kept = documents.make(office.ctx, s, req, "lembar_disposisi", spec, {"number": "1"})
        with pytest.raises(RuntimeError), s.begin_nested():
            gone = documents.make(office.ctx, s, req, "lembar_disposisi", spec, {"number": "1"})
            assert documents.latest(s, req, "lembar_disposisi") is gone and gone.version == 2
            raise RuntimeError("undone")
        assert documents.latest(s, req, "lembar_disposisi") is kept  # not written yet: still known
        assert documents.render_job(s, kept).payload["document_id"] == kept.id
        assert documents.document(s, kept.id) is kept
        db.write_deferred(s)
    with office.factory() as s:
        assert s.scalars(select(Document.version).where(Document.request_id == req.id)).all() == [1]
        assert s.scalars(select(Job.key).where(Job.kind == "render_letter")).all() == \
            [documents.render_key(kept.id)]


def test_the_hot_statements_make_their_cache_key_once(office, monkeypatch):
    payload = recorded(office)
    later = recorded(office, OTHER)
    for p in (payload, later):
        with db.transaction(office.factory) as s:
            engine.enter_step(office.ctx, s, p)
    made: list[str] = []
    counting: list[bool] = [False]
    real = cache_key.HasCacheKey._generate_cache_key

    def counted(self):  # noqa: ANN001, ANN202 - a memoized statement's key is not made again
        if counting[0]:
            made.append(type(self).__name__)
        return real(self)

    monkeypatch.setattr(cache_key.HasCacheKey, "_generate_cache_key", counted)

    def hot(req_id: int) -> None:
        with db.transaction(office.factory) as s:
            req = s.get(Request, req_id)  # (the ORM builds its own load statement)
            counting[0] = True
            requests.clashes(s, req)
            open_tasks(s, req)
            documents.latest(s, req, "lembar_disposisi")
            writer.release_waiting(office.ctx, s, req.id)
            counting[0] = False
        counting[0] = True
        taken = jobs.claim_many(office.factory, "test:1:x", ["render_letter"], 1,
                                lease=timedelta(minutes=1))
        with db.transaction(office.factory) as s:
            assert jobs.complete(s, taken[0].id, "test:1:x", {})
        counting[0] = False

    hot(payload["request_id"])  # the first calls build (or find) each statement's key
    made.clear()
    hot(later["request_id"])
    assert made == [], made
