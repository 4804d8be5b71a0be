"""The daemon's jobs: what each kind runs (outside any transaction) and what its end changes."""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.context import Context
from daemon.core.models import Job
from daemon.paperwork import render
from daemon.sop import engine, writer
from daemon.sop.kinds.coverage import TIMER

Handler = Callable[[Any], dict | None]


def handlers() -> dict[str, Handler]:
    """Job kind -> the slow work, given the claimed job."""
    return {"render_letter": lambda job: render.render_letter(job.payload),
            TIMER: lambda job: {}}


def on_done(ctx: Context) -> Callable[[Session, Any, dict], None]:
    """What a finished job changes, in the transaction that marks it done."""
    def done(s: Session, job: Any, result: dict | None) -> None:
        if job.kind == "render_letter":
            writer.letter_rendered(ctx, s, job, result or {})
        elif job.kind == TIMER:
            engine.timer(ctx, s, job.payload)
    return done


def run_due(ctx: Context, factory: sessionmaker[Session]) -> int:
    """Run every job due by the context's clock, one after another (tests and the harness)."""
    ran = 0
    table, finish = handlers(), on_done(ctx)
    while True:
        with factory() as s:
            job = s.scalars(select(Job).where(Job.state == "queued", Job.next_run_at <= ctx.now())
                            .order_by(Job.next_run_at, Job.id).limit(1)).first()
        if job is None:
            return ran
        result = table[job.kind](job)
        with factory() as s, s.begin():
            row = s.get(Job, job.id)
            row.state, row.result, row.attempts, row.finished_at = "done", result, row.attempts + 1, ctx.now()
            finish(s, row, result)
        ran += 1
