"""Two instances queueing the same keyed job at one moment (e.g. both planning tomorrow's digest
as they start): the later one gets the existing job, and its transaction goes on."""

from __future__ import annotations

from sqlalchemy import func, select

from daemon.core import jobs
from daemon.core.models import Job


def test_a_key_queued_meanwhile_by_another_instance_is_the_same_job(factory, monkeypatch) -> None:
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
