"""The engine that walks rules/sop.yaml: enter steps, wait on people, apply their decisions.

It knows no step by name: what a step does comes from its `kind`, `mode`, `when` and `then`
in the YAML; the effects of each kind (letters, mail) live in daemon/steps.py.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Assignment, Event, Request, Task
from daemon.core.rules import Step
from daemon.sop import people, steps

log = logging.getLogger("daemon.sop.workflow")
FINAL = {"rejected", "cancelled", "done"}


def record(s: Session, ctx: Context, req: Request, kind: str, *, step: int | None = None,
           actor: str | None = None, decision: str | None = None, note: str | None = None,
           message_id: str | None = None) -> Event:
    """Append one line to the request's history."""
    ev = Event(request_id=req.id, time=ctx.now(), step=step if step is not None else req.step,
               actor=actor, kind=kind, decision=decision, note=note or None, message_id=message_id)
    s.add(ev)
    return ev


def applies(step: Step, req: Request) -> bool:
    """Whether a step's condition holds; an unknown place counts as outside (an SPT to spare)."""
    if step.when == "outside_island":
        return req.outside_island is not False
    return True


def enter(ctx: Context, s: Session, req: Request, number: int, *, note: str = "") -> None:
    """Enter step `number`: skip it, do it (auto), or start waiting on its actor."""
    step = ctx.rules.sop.step(number)
    if not applies(step, req):
        record(s, ctx, req, "skipped", step=number, note=f"syarat '{step.when}' tidak terpenuhi")
        nxt = ctx.rules.sop.next_number(number)
        go(ctx, s, req, nxt if nxt is not None else "done", step, note=note)
        return
    req.step = number
    log.info("%s enters step %d (%s)", req.code, number, step.kind)
    if step.mode == "auto":
        steps.perform(ctx, s, req, step)
        record(s, ctx, req, "done", step=number, actor="system")
        go(ctx, s, req, step.then["done"], step)
    elif step.mode == "reply":
        open_task(ctx, s, req, step, 0, note=note)
    else:
        steps.perform(ctx, s, req, step)
        record(s, ctx, req, "waiting", step=number, note=steps.waiting_note(step))


def go(ctx: Context, s: Session, req: Request, target: int | str | None, origin: Step,
       *, note: str = "", actor: str | None = None) -> None:
    """Follow a `then` target: a step number, back, rejected, cancelled or done."""
    if isinstance(target, int):
        enter(ctx, s, req, target, note=note)
    elif target == "back":
        back(ctx, s, req, origin, note=note, actor=actor)
    elif target in ("rejected", "cancelled"):
        finish(ctx, s, req, target, note=note, actor=actor)
    else:
        # the last step this engine can act on is the coverage; "done" closes the request
        finish(ctx, s, req, "done", note=note, actor=actor)


def previous_reply_step(ctx: Context, req: Request, number: int) -> Step | None:
    """The nearest earlier step that waited for a person and applies to this request."""
    earlier = [st for st in ctx.rules.sop.steps if st.number < number and st.mode == "reply"]
    for st in reversed(earlier):
        if applies(st, req):
            return st
    return None


def back(ctx: Context, s: Session, req: Request, origin: Step, *, note: str,
         actor: str | None) -> None:
    """Send the request back to the previous actor with the note (or to the requester)."""
    prev = previous_reply_step(ctx, req, origin.number)
    if prev is None:
        steps.ask_requester(ctx, s, req, origin, note=note, actor=actor)
        return
    req.notes = [*req.notes, {"step": origin.number, "by": actor, "note": note, "kind": "revise"}]
    enter(ctx, s, req, prev.number, note=note)


def finish(ctx: Context, s: Session, req: Request, state: str, *, note: str = "",
           actor: str | None = None) -> None:
    """End the request: rejected, cancelled or done; close what waits and free the team."""
    supersede(ctx, s, req, reason=state)
    req.state = state
    if state != "done":
        for a in s.scalars(select(Assignment).where(Assignment.request_id == req.id)):
            a.active = False
    record(s, ctx, req, state, actor=actor, note=note)
    steps.announce_end(ctx, s, req, state, note=note, actor=actor)
    req.step = None if state != "done" else req.step


def supersede(ctx: Context, s: Session, req: Request, *, reason: str) -> None:
    """Close every open task of the request; replies to them are answered, not applied."""
    for t in open_tasks(s, req):
        t.status, t.closed_at = "superseded", ctx.now()
        record(s, ctx, req, "superseded", step=t.step, note=reason)


def open_tasks(s: Session, req: Request) -> list[Task]:
    return list(s.scalars(select(Task).where(Task.request_id == req.id, Task.status == "open")))


def task_role(step: Step, seq: int) -> str:
    return step.signers[seq].role if step.signers else step.actors[0]


def open_task(ctx: Context, s: Session, req: Request, step: Step, seq: int, *,
              note: str = "", role: str | None = None, who: list[str] | None = None) -> Task:
    """Start waiting on a person: a task row and the email that asks them to act."""
    role = role or task_role(step, seq)
    token = secrets.token_hex(8)
    domain = ctx.cfg.from_address.split("@", 1)[1]
    task = Task(request_id=req.id, step=step.number, seq=seq, role=role, token=token,
                message_id=f"<{req.code.lower()}.s{step.number}.{token}@{domain}>",
                who=who or people.addresses_for(ctx, req, role), status="open",
                deadline=ctx.now() + timedelta(minutes=step.minutes) if step.minutes else None,
                created_at=ctx.now())
    s.add(task)
    s.flush()
    steps.ask(ctx, s, req, step, task, note=note)
    record(s, ctx, req, "sent", step=step.number, actor=",".join(task.who),
           message_id=task.message_id, note=steps.task_label(step, task))
    return task


def decide(ctx: Context, s: Session, task: Task, decision: str, note: str, *, actor: str,
           message_id: str | None, reply_text: str) -> str:
    """Apply an official's decision to the step it answers; returns what happened."""
    req = s.get(Request, task.request_id)
    assert req is not None
    step = ctx.rules.sop.step(task.step)
    if decision == "approve":
        hold = steps.on_approve(ctx, s, req, step, task, note=note, actor=actor,
                                reply_text=reply_text, message_id=message_id)
        if hold:
            record(s, ctx, req, "held", step=step.number, actor=actor, decision=decision,
                   note=hold, message_id=message_id)
            return "held"
    close(ctx, s, req, task, decision, note, actor, message_id)
    if decision == "approve" and step.signers and task.seq + 1 < len(step.signers):
        open_task(ctx, s, req, step, task.seq + 1, note=note)
        return "next-signer"
    if decision != "approve" and task.role == "requester":
        return "closed"
    target = step.then.get(decision)
    if target is None:  # a step without its own answer to this decision (e.g. the requester's)
        target = step.then.get("done") if decision == "approve" else (
            "back" if decision == "revise" else "rejected")
    supersede(ctx, s, req, reason=f"step {step.number} {decision}")
    go(ctx, s, req, target, step, note=note, actor=actor)
    return "applied"


def close(ctx: Context, s: Session, req: Request, task: Task, decision: str, note: str,
          actor: str, message_id: str | None) -> None:
    task.status, task.decision, task.closed_at = "closed", decision, ctx.now()
    record(s, ctx, req, "decided", step=task.step, actor=actor, decision=decision, note=note,
           message_id=message_id)


def delegate(ctx: Context, s: Session, task: Task, *, actor: str, message_id: str | None) -> str:
    """Hand an open task to the role's acting official (Plt./Plh.) named in office.yaml."""
    req = s.get(Request, task.request_id)
    assert req is not None
    acting = people.acting_for(ctx, task.role)
    if acting is None:
        return "no-acting"
    step = ctx.rules.sop.step(task.step)
    task.status, task.closed_at = "superseded", ctx.now()
    record(s, ctx, req, "delegated", step=task.step, actor=actor, message_id=message_id,
           note=f"didelegasikan kepada {acting.title} {acting.name} <{acting.email}>")
    open_task(ctx, s, req, step, task.seq, role=task.role,
              who=[acting.email, *[w for w in task.who if w != acting.email]])
    return "delegated"
