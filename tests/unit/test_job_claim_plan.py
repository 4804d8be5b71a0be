"""A claim reads only the due jobs through an index (0014): not every queued timer (one or two
per open request, due days later), and a lane's claim not every job of its kind ever run.
Checked on SQLite's own query plan, for the schema the migrations build."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, select

from daemon.core import jobs
from daemon.core.db import make_engine, sessions, upgrade
from daemon.core.models import Job

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)
SHAPES = [(None, ()), (None, ("render_letter",)), (("render_letter",), ()),
          (("render_letter", "convert_pdf"), ())]


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    yield sessions(engine)
    engine.dispose()


def _claim_sql(factory, kinds, exclude) -> list[tuple[str, tuple]]:
    """The statements `_candidates` sends for this shape."""
    seen: list[tuple[str, tuple]] = []
    engine = factory.kw["bind"]

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with factory() as s:
            jobs._candidates(s, NOW, kinds, 8, exclude)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return seen


@pytest.mark.parametrize("kinds,exclude", SHAPES)
def test_every_claim_shape_searches_the_job_table_through_its_due_indexes(factory, kinds, exclude):
    (statement, parameters), = _claim_sql(factory, kinds, exclude)
    with factory() as s:
        plan = [row[3] for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    on_job = [line for line in plan if " job " in f" {line} "]
    assert on_job and not any(line.startswith("SCAN job") for line in on_job), plan
    due = [line for line in on_job if "next_run_at<" in line]
    index = "ix_job_kind_due" if kinds else "ix_job_due"
    assert due and all(index in line for line in due), plan  # queued: by due time, not by state alone


def test_a_claim_takes_the_due_jobs_in_order_past_thousands_of_timers_and_finished_jobs(factory):
    later, before = NOW + timedelta(days=1), NOW - timedelta(minutes=5)
    rows = [dict(kind="step_timer", key=f"t{i}", payload={}, state="queued", next_run_at=later) for i in range(3000)]
    rows += [dict(kind="render_letter", key=f"d{i}", payload={}, state="done", next_run_at=before) for i in range(3000)]
    rows += [dict(kind="render_letter", key="late", payload={}, state="queued", next_run_at=before),
             dict(kind="render_letter", key="reply", payload={}, state="queued", priority=1, next_run_at=NOW),
             dict(kind="convert_pdf", key="pdf", payload={}, state="queued", next_run_at=before - timedelta(minutes=1)),
             dict(kind="render_letter", key="orphan", payload={}, state="running", attempts=1,
                  lease_until=NOW - timedelta(minutes=1), next_run_at=before - timedelta(hours=1)),
             dict(kind="render_letter", key="held", payload={}, state="running", attempts=1,
                  lease_until=NOW + timedelta(minutes=9), next_run_at=before)]
    with factory() as s, s.begin():
        s.execute(insert(Job), rows)
    taken = jobs.claim_many(factory, "me", ("render_letter",), limit=10, now=NOW)
    with factory() as s:
        keys = {j.id: j.key for j in s.scalars(select(Job).where(Job.id.in_([t.id for t in taken])))}
    # the reply's first (priority), then by due time; the lapsed lease taken again; no timer, none held
    assert [keys[t.id] for t in taken] == ["reply", "orphan", "late"]
    assert [t.attempts for t in taken] == [1, 2, 1]
    everything = jobs.claim_many(factory, "me", None, limit=10, now=NOW)
    with factory() as s:
        assert [s.get(Job, t.id).key for t in everything] == ["pdf"]
