"""Two instances queueing the same keyed job at one moment (e.g. both planning tomorrow's digest
as they start): the later one gets the existing job, and its transaction goes on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from daemon.core import jobs
from daemon.core.models import Job


def test_a_key_queued_meanwhile_by_another_instance_is_the_same_job(factory, monkeypatch) -> None:
    with factory() as s:
        if s.get_bind().dialect.name == "sqlite":
            pytest.skip("on SQLite every transaction begins IMMEDIATE: no other instance can queue "
                        "the key between the look-up and the row (test_sqlite_holds_the_write_lock...)")
    with factory() as s, s.begin():
        first = jobs.enqueue(s, "digest", {"day": "2026-12-01"}, key="digest:2026-12-01")
        first_id = first.id
    real_scalars, missed = type(s).scalars, []

    def scalars_missing_once(self, statement, *a, **kw):  # noqa: ANN001, ANN202
        if not missed and "job.key" in str(statement):
            missed.append(1)  # as if looked up just before the other instance committed
            return real_scalars(self, select(Job).where(Job.id < 0))
        return real_scalars(self, statement, *a, **kw)

    monkeypatch.setattr(type(s), "scalars", scalars_missing_once)
    with factory() as s, s.begin():
        again = jobs.enqueue(s, "digest", {"day": "2026-12-01"}, key="digest:2026-12-01")
        jobs.enqueue(s, "retention", {}, key="retention:2026-12-01")  # the transaction goes on
        assert again.id == first_id
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 2
    assert missed == [1]


def test_sqlite_holds_the_write_lock_from_the_look_up_to_the_row(tmp_path) -> None:
    """Why SQLite needs no savepoint for a keyed job: once a transaction has begun, another
    instance cannot write (it waits), so no key can be queued between our look-up and our row."""
    from sqlalchemy import create_engine, text

    from daemon.core.db import make_engine, sessions, upgrade
    url = f"sqlite:///{tmp_path / 'liputan.db'}"
    engine = make_engine(url)
    upgrade(engine)
    other = create_engine(url, connect_args={"timeout": 0.2})
    with sessions(engine)() as s, s.begin():
        assert jobs.enqueue(s, "digest", {}, key="digest:x") is not None
        with pytest.raises(Exception, match="locked"), other.begin() as conn:
            conn.execute(text("INSERT INTO job (kind, key, payload, state, priority, attempts, "
                              "max_attempts, next_run_at, created_at) VALUES ('digest', 'digest:y', "
                              "'{}', 'queued', 0, 0, 8, '2026-12-01', '2026-12-01')"))
    other.dispose()
    engine.dispose()
