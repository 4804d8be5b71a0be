"""The engine: the only code that changes a request's step or state.

It takes an event (a new letter, a trusted reading of a reply, a requester's update, a job
that finished, a timer that fired), lets the step kind's handler (daemon/sop/kinds) say what
it means, follows `then:` in the request's own SOP revision, and writes the effects the
handlers asked for (mail, letters, jobs) as rows in the caller's transaction.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import db, indonesian, logctx
from daemon.core.context import Context
from daemon.core.models import Assignment, Inbound, Outbox, Request, Task
from daemon.core.rules_sop import Step
from daemon.core.types import RequestFacts
from daemon.mail import outgoing
from daemon.sop import conditions, people, requests, timing
from daemon.sop.effects import Effects
from daemon.sop.kinds import kind_of
from daemon.sop.kinds.base import tag
from daemon.sop.kinds.coverage import TIMER
from daemon.sop.run import Run, current_revision
from daemon.sop.waiting import open_tasks, waiting_for  # noqa: F401 (callers use engine.*)
from daemon.sop.writer import on_record, write_effects

log = logging.getLogger("daemon.engine")
ENTER = "enter_step"  # the job that enters a new request's first step
REPLY_PRIORITY = 1  # jobs a person's reply waits for run before a backlog's letters
TASK = Task.__table__


# ---- events ------------------------------------------------------------------------------------
def open_request(ctx: Context, s: Session, inbound: Inbound, facts: RequestFacts, email: str,
                 subject: str) -> Request:
    """A new letter: the request is recorded under the current SOP revision and enters intake."""
    # its id taken now: the request, its history line, the message's row and its first job are
    # written with the transaction's next flush (a backlog's batch: one flush for the batch)
    req = Request(id=db.new_id(s, Request), code=requests.new_code(ctx, s), requester_email=email,
                  subject=subject, state="open", thread_id=inbound.message_id,
                  source_inbound_id=inbound.id, sop_revision=current_revision(ctx, s),
                  created_at=ctx.now())
    requests.apply_facts(req, facts)
    run = Run.of(ctx, s, req)
    intake = intake_step(run)
    req.step = intake.number
    s.add(req)
    logctx.set_code(req.code)  # the rest of this message's log lines name the new request
    requests.opened(s, req)
    inbound.request_id = req.id
    run.record("received", actor=email, message_id=inbound.message_id, note=f"sumber: {facts.source}")
    log.info("%s opened from %s: %s", req.code, email, req.title)
    # the request is on record now; its first step (acknowledgement, first letter and task mail)
    # is a job, so a backlog of letters is recorded at once and worked through after
    run.fx.job(ENTER, {"request_id": req.id, "step": intake.number},
               key=f"{ENTER}:{req.code}:{intake.number}", fresh=True)
    return _commit(run)


def enter_step(ctx: Context, s: Session, payload: dict) -> None:
    """The job that enters a recorded request's first step, unless it moved on meanwhile."""
    req = s.get(Request, payload["request_id"], with_for_update=True)
    if req is None or req.state != "open" or req.step != payload["step"] or open_tasks(s, req):
        return
    run = Run.of(ctx, s, req)
    _enter(run, payload["step"])
    _commit(run)


def decide(ctx: Context, s: Session, task: Task, decision: str, note: str, *, actor: str,
           message_id: str | None, reply_text: str) -> str:
    """A trusted decision on the step it answers; returns what happened."""
    run = Run.of(ctx, s, s.get(Request, task.request_id))
    run.priority = REPLY_PRIORITY
    result = _decide(run, task, decision, note, actor=actor, message_id=message_id,
                     reply_text=reply_text)
    _commit(run)
    return result


def interpret(ctx: Context, s: Session, task: Task, reading: object) -> str | None:
    """The decision a reading makes at its task's step (the step kind may read more into it)."""
    run = Run.of(ctx, s, s.get(Request, task.request_id))
    step = run.step(task.step)
    return kind_of(step.kind).interpret(run, step, reading)


def delegate(ctx: Context, s: Session, task: Task, *, actor: str, message_id: str | None) -> str:
    """Hand an open task to the role's acting official (Plt./Plh.) named in office.yaml."""
    run = Run.of(ctx, s, s.get(Request, task.request_id))
    run.priority = REPLY_PRIORITY
    acting = people.delegate_to(ctx, task.role)
    if acting is None:
        return "no-acting"
    task.status, task.closed_at = "superseded", ctx.now()
    timing.forget(run, task)
    run.record("delegated", step=task.step, actor=actor, message_id=message_id,
               note=f"didelegasikan kepada {acting.title} {acting.name} <{acting.email}>")
    _open_task(run, run.step(task.step), task.seq, role=task.role,
               who=[acting.email, *[w for w in task.who if w != acting.email]])
    _commit(run)
    return "delegated"


def requester_update(ctx: Context, s: Session, req: Request, task: Task, facts: RequestFacts,
                     message_id: str) -> str:
    """The requester supplies what was missing, or corrects what was sent back."""
    run = Run.of(ctx, s, req)
    run.priority = REPLY_PRIORITY
    requests.apply_facts(req, facts)
    if facts.missing:
        run.record("received", step=task.step, actor=req.requester_email, message_id=message_id,
                   note="data belum lengkap: " + ", ".join(facts.missing))
        run.fx.mail("missing", [req.requester_email], in_reply_to=message_id, r=req, tag=tag(req),
                    office=ctx.rules.office, missing_text=requests.missing_text(req))
        _commit(run)
        return "incomplete"
    _close(run, task, "approve", "data dilengkapi/diperbaiki pemohon", req.requester_email, message_id)
    _supersede(run, reason="data lengkap")
    intake = intake_step(run)
    if any(n.get("kind") == "revise" for n in req.notes):
        _go(run, intake.then["done"], intake)
    else:
        _enter(run, intake.number)
    _commit(run)
    return "completed"


def timer(ctx: Context, s: Session, payload: dict) -> None:
    """A step's timer fired (e.g. the event is over): its kind says whether the step is done."""
    # locked: a decision on the request may be committing in the other instance's dispatcher
    req = s.get(Request, payload.get("request_id"), with_for_update=True, populate_existing=True)
    if req is None or req.state != "open" or req.step is None:
        return
    if payload.get("step") is not None and req.step != payload["step"]:
        return  # the request moved on meanwhile (a timer without a step is for any step)
    run = Run.of(ctx, s, req)
    if payload.get("timer") in timing.TIMERS:  # the time standards: any step's, not its kind's
        timing.fire(run, payload)
        _commit(run)
        return
    step = run.step(req.step)
    kind = kind_of(step.kind)
    outcome = kind.on_timer(run, step, payload)
    if outcome == "done":
        run.record("done", step=step.number, actor="system", note=kind.done_note(step, payload))
        _go(run, step.then.get("done", step.then.get("approve")), step)
    elif outcome == "task":  # ask (again): what the person saw before is superseded
        _supersede(run, reason="diganti permintaan baru")
        _open_task(run, step, 0)
    _commit(run)


def delivered(ctx: Context, s: Session, req: Request, note: str) -> None:
    """Files came in for the request: recorded now, checked once the delivery goes quiet."""
    run = Run.of(ctx, s, req)
    run.record("delivered", actor="system", note=note)
    if req.state == "open":
        now = ctx.now()
        run.fx.job(TIMER, {"request_id": req.id, "step": None, "timer": "settled",
                           "since": now.isoformat()},
                   key=f"{TIMER}:{req.code}:settled:{now.isoformat()}",
                   run_at=now + timedelta(seconds=ctx.cfg.delivery.settle_seconds))
    _commit(run)


def record(ctx: Context, s: Session, req: Request, kind: str, **kw: object) -> None:
    """A line in the request's history that changes nothing (ignored, refused, bounced, note)."""
    Run.of(ctx, s, req).record(kind, **kw)  # type: ignore[arg-type]


def answer(ctx: Context, s: Session, req: Request | None, to: str, reason: str,
           in_reply_to: str | None) -> None:
    """One short answer explaining why a reply was not applied, greeting the person by name."""
    p, title, _ = people.person(ctx, to)
    greeting = people.title_name(p, title) if p else None
    fx = Effects()
    fx.mail("answer", [to], in_reply_to=in_reply_to, references=[in_reply_to] if in_reply_to else [],
            r=req, tag=tag(req) if req else "[Liputan]", office=ctx.rules.office, reason=reason,
            greeting=greeting, salutation=p.salutation if p else None)
    write_effects(ctx, s, req, fx)


def intake_step(run: Run) -> Step:
    """The step that receives letters: the first of kind intake (else the first step)."""
    return run.first_of_kind("intake") or run.sop.steps[0]


# ---- walking the SOP ---------------------------------------------------------------------------
def _commit(run: Run) -> Request:
    write_effects(run.ctx, run.s, run.req, run.fx, run.priority)
    return run.req


def _enter(run: Run, number: int, *, note: str = "") -> None:
    """Enter a step: skip it when its condition fails, else let its kind say what happens."""
    step = run.step(number)
    if not conditions.applies(step, run.req, run.ctx.now(), run.ctx.rules.places):
        run.record("skipped", step=number, note=f"syarat '{step.when}' tidak terpenuhi")
        nxt = next((st.number for st in run.sop.steps if st.number > number), None)
        _go(run, nxt if nxt is not None else "done", step, note=note)
        return
    if run.req.step != number:  # (the same value set again would still mark the row changed)
        run.req.step = number
    log.info("%s enters step %d (%s)", run.req.code, number, step.kind)
    kind = kind_of(step.kind)
    entered = kind.enter(run, step, note)
    if entered == "done":
        run.record("done", step=number, actor="system")
        _go(run, step.then["done"], step)
    elif entered == "task":
        _open_task(run, step, 0, note=note)
    elif entered == "requester":
        _open_task(run, step, 0, note=note, role="requester")
    else:
        run.record("waiting", step=number, note=kind.waiting_note(step))


def _go(run: Run, target: int | str | None, origin: Step, *, note: str = "",
        actor: str | None = None) -> None:
    """Follow a `then` target: a step number, back, rejected, cancelled or done."""
    if isinstance(target, int):
        _enter(run, target, note=note)
    elif target == "back":
        _back(run, origin, note=note, actor=actor)
    elif target in ("rejected", "cancelled"):
        _finish(run, target, note=note, actor=actor)
    else:
        _finish(run, "done", note=note, actor=actor)


def _back(run: Run, origin: Step, *, note: str, actor: str | None) -> None:
    """Back to the previous person with the note; before the first official, the requester."""
    run.req.notes = [*run.req.notes, {"step": origin.number, "by": actor, "note": note,
                                      "kind": "revise"}]
    earlier = [st for st in run.sop.steps if st.number < origin.number and st.mode == "reply"
               and conditions.applies(st, run.req, run.ctx.now(), run.ctx.rules.places)]
    if earlier:
        _enter(run, earlier[-1].number, note=note)
        return
    intake = intake_step(run)
    run.req.step = intake.number
    _open_task(run, intake, 0, note=note, role="requester")


def _finish(run: Run, state: str, *, note: str = "", actor: str | None = None) -> None:
    """End the request: rejected, cancelled or done; close what waits and free the team."""
    req = run.req
    _supersede(run, reason="permohonan " + indonesian.state_label(state))  # the office reads it
    briefed = team_briefed(run)
    req.state = state
    timing.forget_all(run)
    if state != "done":
        for a in run.s.scalars(select(Assignment).where(Assignment.request_id == req.id)):
            a.active = False
    run.record(state, actor=actor, note=note)
    _announce_end(run, state, note=note, actor=actor, briefed=briefed)
    req.step = None if state != "done" else req.step


def team_briefed(run: Run) -> bool:
    """Whether the team has had its assignment mail (so a withdrawal must reach them)."""
    return bool(run.req.team) and run.s.scalars(
        select(Outbox.id).where(Outbox.request_id == run.req.id, Outbox.kind == "assignment")
        .limit(1)).first() is not None


def _announce_end(run: Run, state: str, *, note: str, actor: str | None, briefed: bool) -> None:
    ctx, req = run.ctx, run.req
    _, title, role = people.person(ctx, actor or "")
    by = f"{title + ' ' if title else ''}{people.jabatan(ctx, role)}" if role else "Diskominfotik"
    if state == "rejected":
        run.fx.mail("rejected", [req.requester_email], in_reply_to=req.thread_id,
                    references=[req.thread_id] if req.thread_id else [], r=req,
                    tag=tag(req), office=ctx.rules.office, note=note, by=by)
    if state in ("rejected", "cancelled") and briefed:  # the calendar entry is withdrawn too
        run.fx.mail("notice", [m["email"] for m in req.team], r=req, tag=tag(req),
                    cc=people.addresses_for(ctx, req, "kasi")[:1], attach=["pembatalan_kalender"],
                    office=ctx.rules.office, heading="Penugasan peliputan dibatalkan",
                    greeting="Bapak/Ibu Tim Peliputan",
                    message="Dengan hormat, kami sampaikan bahwa penugasan peliputan berikut "
                            "dibatalkan. Jadwal pada kalender Bapak/Ibu dibatalkan melalui "
                            "lampiran surel ini.", lines=[])


def _supersede(run: Run, *, reason: str) -> None:
    """Close every open task of the request; replies to them are answered, not applied."""
    for t in open_tasks(run.s, run.req):
        t.status, t.closed_at = "superseded", run.ctx.now()
        timing.forget(run, t)
        run.record("superseded", step=t.step, note=reason)


# a decision as the history says it (`liputan show` prints notes as they are)
DECIDED = {"approve": "disetujui", "reject": "ditolak", "revise": "dikembalikan untuk perbaikan"}

def _task_role(step: Step, seq: int) -> str:
    return step.signers[seq].role if step.signers else step.actors[0]


def _open_task(run: Run, step: Step, seq: int, *, note: str = "", role: str | None = None,
               who: list[str] | None = None) -> Task:
    """Start waiting on a person: a task row and the mail that asks them to act."""
    ctx, req = run.ctx, run.req
    role = role or _task_role(step, seq)
    token = secrets.token_hex(8)
    domain = ctx.cfg.from_address.split("@", 1)[1]
    # its id taken now (its timers name it) and its Message-ID new (its mail is not looked up):
    # the task, its mail and its history line are written with the transaction's next flush
    values = dict(id=db.new_id(run.s, Task), request_id=req.id, step=step.number, seq=seq, role=role,
                  token=token,
                  message_id=outgoing.fresh(run.s, f"<{req.code.lower()}.s{step.number}.{token}@{domain}>"),
                  who=who or people.addresses_for(ctx, req, role), status="open",
                  deadline=timing.due(run, ctx.now(), step.minutes) if step.minutes else None,
                  created_at=ctx.now())
    task = Task(**values)
    if on_record(req):  # a plain row, written with the step's effects (nothing reads it back first)
        db.defer(run.s, TASK, values)
    else:
        run.s.add(task)
    timing.watch(run, task)
    kind = kind_of(intake_step(run).kind) if role == "requester" else kind_of(step.kind)
    kind.ask(run, step, task, note=note)
    run.record("sent", step=step.number, actor=",".join(task.who), message_id=task.message_id,
               note=kind_of(step.kind).task_label(step, task))
    return task


def _close(run: Run, task: Task, decision: str, note: str, actor: str,
           message_id: str | None) -> None:
    task.status, task.decision, task.closed_at = "closed", decision, run.ctx.now()
    timing.forget(run, task)
    run.record("decided", step=task.step, actor=actor, decision=decision, note=note,
               message_id=message_id, acting=people.acting_line(run.ctx, actor, task.role))


def _decide(run: Run, task: Task, decision: str, note: str, *, actor: str,
            message_id: str | None, reply_text: str) -> str:
    step = run.step(task.step)
    if decision == "approve":
        hold = kind_of(step.kind).on_approve(run, step, task, actor, note, reply_text, message_id)
        if hold:
            run.record("held", step=step.number, actor=actor, decision=decision, note=hold,
                       message_id=message_id, acting=people.acting_line(run.ctx, actor, task.role))
            return "held"
    _close(run, task, decision, note, actor, message_id)
    later = people.next_signer(run.ctx, [s.role for s in step.signers], task.seq)
    if decision == "approve" and later is not None:
        _open_task(run, step, later, note=note)
        return "next-signer"
    if decision != "approve" and task.role == "requester":
        return "closed"
    target = step.then.get(decision)
    if target is None:  # a step without its own answer to this decision (e.g. the requester's)
        target = step.then.get("done") if decision == "approve" else (
            "back" if decision == "revise" else "rejected")
    _supersede(run, reason=f"langkah {step.number} sudah {DECIDED.get(decision, decision)}")
    _go(run, target, step, note=note, actor=actor)
    return "applied"
