"""Whom a request waits on: its open tasks, or the team at a step they do (no engine loaded)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Request, Task
from daemon.sop.run import Run


def waiting_for(ctx: Context, s: Session, req: Request,
                tasks: list[list[str]] | None = None) -> list[str]:
    """The addresses the request waits on: its open tasks, or the team at a step they do.
    `tasks`: the `who` of its open tasks when the caller read them for many requests at once."""
    waiting = [who[0] for who in (tasks if tasks is not None else
                                  [t.who for t in open_tasks(s, req)])]
    if waiting or req.state != "open" or req.step is None:
        return waiting
    step = Run.of(ctx, s, req).step(req.step)
    if step.mode == "external" and "staf" in step.actors:
        return [m["email"] for m in req.team]
    return []


def open_tasks(s: Session, req: Request) -> list[Task]:
    return list(s.scalars(select(Task).where(Task.request_id == req.id, Task.status == "open")
                          .order_by(Task.id)))
