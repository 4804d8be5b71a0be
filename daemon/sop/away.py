"""An official's out-of-office auto-reply to a step waiting for them: the operator is told once
per task who is away, until when (when the auto-reply says), what waits, and how a Plt./Plh. is
appointed; later auto-replies are only recorded, and the auto-responder is never answered."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import indonesian
from daemon.core.context import Context
from daemon.core.models import Event, Request, Task
from daemon.reading import away
from daemon.sop import people
from daemon.sop.kinds.base import tag
from daemon.sop.run import Run
from daemon.sop.waiting import open_tasks
from daemon.sop.writer import write_effects

log = logging.getLogger("daemon.sop.away")
KIND = "away"  # the history line (and the outbox kind of the operator's notice)


def waiting_task(s: Session, req: Request, task: Task | None, sender: str) -> Task | None:
    """The open task of the request that waits on `sender` (the one the auto-reply answers first)."""
    if task is not None and task.status == "open" and sender in task.who:
        return task
    return next((t for t in open_tasks(s, req) if sender in t.who), None)


def told(s: Session, req: Request, task: Task, sender: str) -> bool:
    """Whether the operator was told of this official's absence for this task already."""
    return s.scalars(select(Event.id).where(
        Event.request_id == req.id, Event.kind == KIND, Event.actor == sender,
        Event.step == task.step, Event.time >= task.created_at).limit(1)).first() is not None


def official_away(ctx: Context, s: Session, req: Request, task: Task | None, sender: str,
                  text: str, message_id: str | None) -> bool:
    """Tell the operator (once per official and task) that the official a step waits on is away.
    False when nothing was sent: not an official, no open task waits on them, or told already."""
    p, title, _ = people.person(ctx, sender)
    task = waiting_task(s, req, task, sender) if p is not None else None
    if task is None:
        return False
    if told(s, req, task, sender):
        log.info("%s: another auto-reply of %s on step %d; the operator was told already",
                 req.code, sender, task.step)
        return False
    run = Run.of(ctx, s, req)
    step = run.step(task.step)
    found = away.until(text, ctx.local_now())
    when = ""
    if found is not None:
        day, back = found
        when = (f" dan akan kembali bertugas pada {indonesian.format_date(day)}" if back
                else f" sampai {indonesian.format_date(day)}")
    who = f"{people.title_name(p, title)} ({people.jabatan(ctx, task.role)})"
    acting = people.acting_for(ctx, task.role)
    acting = None if acting is None or acting.email == sender else acting  # not the one away
    run.fx.mail(KIND, [ctx.cfg.office.operator], r=req, tag=tag(req), office=ctx.rules.office,
                who=who, sender=sender, when=when, step=step, task=task, role=task.role,
                jabatan=people.jabatan(ctx, task.role), since=indonesian.format_datetime(task.created_at),
                acting=people.title_name(acting, acting.title) if acting else None)
    run.record(KIND, step=task.step, actor=sender, message_id=message_id,
               note=f"balasan otomatis: sedang di luar kantor{when}; operator diberi tahu")
    write_effects(ctx, s, req, run.fx)
    log.info("%s: %s is away%s; the operator is told (step %d)", req.code, sender,
             f" ({found[0]})" if found else "", task.step)
    return True
