"""Whom a request waits on: its open tasks, or the team at a step they do (no engine loaded)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Request, Task
from daemon.sop.run import Run
from daemon.sop.waiting_rule import needs_step, whom


def waiting_for(ctx: Context, s: Session, req: Request,
                tasks: list[list[str]] | None = None) -> list[str]:
    """The addresses the request waits on: its open tasks, or the team at a step they do.
    `tasks`: the `who` of its open tasks when the caller read them for many requests at once."""
    open_who = tasks if tasks is not None else [t.who for t in open_tasks(s, req)]
    if not needs_step(open_who, req.state, req.step):
        return whom(open_who, req.state, None, (), req.team)
    step = Run.of(ctx, s, req).step(req.step)
    return whom(open_who, req.state, step.mode, step.actors, req.team)


_OPEN = (select(Task).where(Task.request_id == bindparam("request_id"), Task.status == "open")
         .order_by(Task.id))  # built once: its cache key too


def open_tasks(s: Session, req: Request) -> list[Task]:
    """The request's open tasks as this transaction sees them, without a flush: rows open in the
    database whose objects it has not closed, then Task objects it added (a task never reopens,
    so no other row can be open). The caller's one flush writes its changes later."""
    with s.no_autoflush:
        found = [t for t in s.scalars(_OPEN, {"request_id": req.id}) if t.status == "open"]
        added = [t for t in s.new if isinstance(t, Task) and t.status == "open"
                 and (t.request_id == req.id or t.request is req)]
    return found + [t for t in added if t not in found]
