"""The daemon's jobs: what each kind runs (outside any transaction) and what its end changes."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.app import ocr_jobs, procpool, publish_jobs
from daemon.app.jobrunner import JobRunner
from daemon.archive import retention
from daemon.core.claims import INTERRUPT_LIMIT, free_claims  # noqa: F401 (INTERRUPT_LIMIT: tests)
from daemon.core.context import Context
from daemon.core.jobs import ClaimedJob
from daemon.core.models import Inbound, Job, Outbox, utcnow
from daemon.paperwork import render
from daemon.sop import digest, engine, refused_files, writer
from daemon.sop.kinds.coverage import TIMER

log = logging.getLogger("daemon.app.work")


def holder_name(role: str) -> str:
    """Unique per process and worker: host, pid and role (jobs and inbound claims name it)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{role}"[:64]


def reclaim_orphans(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Free the jobs, messages and outgoing mail leased by processes of this host that are gone
    (killed, crashed), so a restarted daemon takes them up at once instead of when their lease
    runs out. A run cut short this way is not a failed attempt (up to INTERRUPT_LIMIT of them: a
    job that kills its process every time still ends). Holders on other hosts keep their leases:
    only the lease tells whether they are alive."""
    now = now or utcnow()
    host = socket.gethostname()[:40] + ":"
    freed = 0
    with factory() as s, s.begin():
        # a job's lease that ran out was freed by an earlier start (or is anyone's to claim):
        # freeing it again would give back an attempt that was never used (free_claims skips it)
        holders = set()
        for model, busy in ((Job, Job.state == "running"), (Inbound, Inbound.status == "new"),
                            (Outbox, Outbox.status == "sending")):
            holders |= set(s.scalars(select(model.leased_by).distinct().where(
                busy, model.leased_by.like(host + "%"))))
        for prefix in sorted({h.rsplit(":", 1)[0] + ":" for h in holders if not _alive(h)}):
            freed += sum(free_claims(s, now, prefix, interrupted=True, mails=True).values())
    if freed:
        log.warning("took back %d job(s)/message(s)/mail(s) left by a process that is gone", freed)
    return freed


def _alive(holder: str) -> bool:
    try:
        pid = int(holder.split(":")[1])
    except (IndexError, ValueError):
        return True  # not ours to judge
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


RENDER = "render_letter"


Built = dict[int, dict[int, tuple[dict, bytes]]]  # job id -> outbox id -> (parts, message)
BUILT_MAX = 256  # results of jobs whose completion never came (a lease lost) are dropped


def handlers(ctx: Context, factory: sessionmaker[Session], pool: procpool.ProcessPool | None = None,
             built: Built | None = None) -> dict[str, Callable[[ClaimedJob], dict | None]]:
    """Job kind -> the slow work, given the claimed job. A letter's .docx is made by a worker
    process of `pool` (when given); its PDF copy here, by this process's one LibreOffice. With
    no LibreOffice and a `built` shared with on_done, the worker also builds the mail waiting
    for the letter alone."""
    run = pool.run if pool is not None else None

    def letter(job: ClaimedJob) -> dict:
        waiting: list[dict] = []

        def mails() -> list[dict]:
            waiting.extend(writer.mails_for(ctx, factory, job))
            return [{"id": m["id"], "parts": m["parts"]} for m in waiting]

        result, messages = render.render_letter(job.payload, run=run,
                                                mails=mails if built is not None and run else None)
        if messages and built is not None:
            if len(built) >= BUILT_MAX:
                built.clear()
            built[job.id] = {m["id"]: (m["stored"], messages[m["id"]]) for m in waiting
                             if m["id"] in messages}
        return result

    return {RENDER: letter,
            ocr_jobs.KIND: lambda job: ocr_jobs.run(ctx, job),
            publish_jobs.KIND: lambda job: publish_jobs.run(ctx, factory, job),
            TIMER: lambda job: {}, engine.ENTER: lambda job: {}, digest.KIND: lambda job: {},
            refused_files.KIND: lambda job: {},
            retention.KIND: lambda job: vars(retention.prune(ctx.cfg, factory))}


def on_done(ctx: Context, built: Built | None = None) -> Callable[[Session, ClaimedJob, dict], None]:
    """What a finished job changes, in the transaction that marks it done."""
    def done(s: Session, job: ClaimedJob, result: dict[str, Any]) -> None:
        if job.kind == RENDER:
            writer.letter_rendered(ctx, s, job, result, (built or {}).pop(job.id, None))
        elif job.kind == ocr_jobs.KIND:
            ocr_jobs.done(ctx, s, job, result)
        elif job.kind == TIMER:
            engine.timer(ctx, s, job.payload)
        elif job.kind == engine.ENTER:
            engine.enter_step(ctx, s, job.payload)
        elif job.kind == publish_jobs.KIND:
            publish_jobs.done(ctx, s, job, result)
        elif job.kind == digest.KIND:
            digest.send(ctx, s, job.payload)
        elif job.kind == refused_files.KIND:
            refused_files.send(ctx, s, job.payload)
        elif job.kind == retention.KIND:  # the next pass
            retention.plan(ctx.cfg, s, ctx.now())
    return done


def on_failed(ctx: Context) -> Callable[[Session, ClaimedJob, str], None]:
    """A job failed for good: the request's history says so, the operator is told, and mail
    that waited for it goes out without it."""
    def failed(s: Session, job: ClaimedJob, error: str) -> None:
        if job.kind == ocr_jobs.KIND:  # no request yet: the letter is read on without the text
            ocr_jobs.failed(ctx, s, job, error)
            return
        if job.kind == publish_jobs.KIND:
            publish_jobs.failed(ctx, s, job, error)
            return
        writer.job_failed(ctx, s, job, error)
    return failed


def runner(ctx: Context, factory: sessionmaker[Session], holder: str | None = None) -> JobRunner:
    """The job runner: with `[jobs] render_processes` above 1, that many letters at once, each
    rendered by a worker process of the daemon's shared pool."""
    processes = ctx.cfg.jobs.processes()
    pool = procpool.shared(processes, ctx.cfg.jobs.render_nice) if processes > 1 else None
    built: Built = {}  # mail a worker built with its letter, until the job's completion
    jobs = JobRunner(factory, handlers(ctx, factory, pool, built), holder or holder_name("jobs"),
                     on_done=on_done(ctx, built), on_failed=on_failed(ctx), clock=ctx.now,
                     parallel=processes, parallel_kinds=(RENDER,))
    jobs.together = TOGETHER
    return jobs


# a backlog's first steps: their handler does nothing, so those claimed together are entered
# in one transaction (a savepoint each), not one commit apiece
TOGETHER = frozenset({engine.ENTER})
