"""The SOP's time standards kept: a task's deadline counts working time (the wall clock when the
event is near); past it the person is reminded, then the next official up is told, and when the
event is close with approvals still open everyone on the path is warned."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from daemon.core import jobs
from daemon.core.models import Task
from daemon.core.workcal import WorkCalendar
from daemon.sop import people
from daemon.sop.kinds import kind_of
from daemon.sop.kinds.base import tag
from daemon.sop.kinds.coverage import TIMER
from daemon.sop.run import Run

REMIND, NEAR = "remind", "near_event"
TIMERS = (REMIND, NEAR)
PEOPLE_ROLES = ("requester",)  # tasks on people outside the office are not escalated


def calendar(run: Run) -> WorkCalendar:
    return WorkCalendar(run.ctx.cfg.hours, run.ctx.cfg.tz)


def near(run: Run, at: datetime) -> bool:
    """Whether the event is close enough that its steps cannot wait for office hours."""
    start = run.req.event_start
    return start is not None and start - at <= timedelta(hours=run.sop.timing.near_event_hours)


def due(run: Run, start: datetime, minutes: float) -> datetime:
    """`minutes` of the standard after `start`: working time, or wall-clock time if the event is near."""
    if near(run, start):
        return start + timedelta(minutes=minutes)
    return calendar(run).add(start, minutes)


def watch(run: Run, task: Task) -> None:
    """Timers for a new task: a reminder at its deadline, and a warning before the event."""
    req = run.req
    if task.deadline is not None:
        # the key names the task just made: no job can hold it (no look-up)
        run.fx.job(TIMER, {"request_id": req.id, "step": task.step, "timer": REMIND, "task": task.id,
                           "n": 1}, key=f"{TIMER}:{req.code}:{REMIND}:{task.id}:1", run_at=task.deadline,
                   fresh=True)
    hours = run.sop.timing.warn_before_event_hours
    if req.event_start is not None and hours and task.role not in PEOPLE_ROLES:
        at = req.event_start - timedelta(hours=hours)
        if at > run.ctx.now():
            run.fx.job(TIMER, {"request_id": req.id, "step": None, "timer": NEAR},
                       key=f"{TIMER}:{req.code}:{NEAR}:{at.isoformat()}", run_at=at)


def forget(run: Run, task: Task) -> None:
    """The task is answered or closed: its reminder will not come (`liputan status` counts only
    timers that still have something to do)."""
    prefix = f"{TIMER}:{run.req.code}:{REMIND}:{task.id}:"
    run.fx.items = [e for e in run.fx.items if not (getattr(e, "key", None) or "").startswith(prefix)]
    jobs.cancel_keyed(run.s, run.req.id, prefix, now=run.ctx.now())


def forget_all(run: Run) -> None:
    """The request ended (done, rejected, cancelled): none of its timers has anything left to do."""
    prefix = f"{TIMER}:{run.req.code}:"
    run.fx.items = [e for e in run.fx.items if not (getattr(e, "key", None) or "").startswith(prefix)]
    jobs.cancel_keyed(run.s, run.req.id, prefix, now=run.ctx.now())


def fire(run: Run, payload: dict) -> None:
    """A reminder or a warning came due."""
    if payload.get("timer") == REMIND:
        remind(run, payload)
    elif payload.get("timer") == NEAR:
        warn(run)


def remind(run: Run, payload: dict) -> None:
    ctx, req = run.ctx, run.req
    task = run.s.get(Task, payload["task"])
    if task is None or task.status != "open":
        return
    n = int(payload.get("n", 1))
    step = run.step(task.step)
    person, title, _ = people.person(ctx, task.who[0])
    heading = kind_of(step.kind).heading(run, step, task)  # what the task mail asked for
    run.fx.mail("reminder", [task.who[0]], cc=task.who[1:], in_reply_to=task.message_id,
                references=[task.message_id], r=req, tag=tag(req), office=ctx.rules.office, step=step,
                person=person, acting_title=title, task=task, n=n, since=task.created_at,
                heading=heading)
    run.record("reminded", step=task.step, actor=task.who[0], note=f"pengingat ke-{n}")
    if n >= run.sop.timing.escalate_after_reminders and task.role not in PEOPLE_ROLES:
        escalate(run, task, step)
    nxt = due(run, ctx.now(), run.sop.timing.remind_every_minutes)
    run.fx.job(TIMER, {**payload, "n": n + 1}, key=f"{TIMER}:{req.code}:{REMIND}:{task.id}:{n + 1}",
               run_at=nxt)


def escalate(run: Run, task: Task, step) -> None:
    """Tell the next official up (an acting official during their dates) that a step waits."""
    ctx, req = run.ctx, run.req
    role = run.sop.timing.escalation.get(task.role)
    to = people.addresses_for(ctx, req, role)[:1] if role else []
    if not to:
        return
    waiting = people.described(ctx, task.who[0])
    run.fx.mail("escalation", to, r=req, tag=tag(req), office=ctx.rules.office,
                heading="Permohonan menunggu tindak lanjut", greeting=None,
                message=f"Permohonan berikut menunggu tindakan {waiting} ({step.name}) melewati "
                        f"standar layanan {step.minutes} menit kerja. Mohon arahan Bapak/Ibu.",
                lines=[])
    run.record("escalated", step=task.step, actor=to[0], note=f"diteruskan kepada {role}: menunggu {waiting}")


def warn(run: Run) -> None:
    """The event is close and approvals are still open: everyone on the path is told."""
    ctx, req = run.ctx, run.req
    tasks = [t for t in run.s.scalars(select(Task).where(Task.request_id == req.id, Task.status == "open"))
             if t.role not in PEOPLE_ROLES]
    if req.state != "open" or not tasks:
        return
    to = sorted({t.who[0] for t in tasks} | set(people.addresses_for(ctx, req, "kasi")[:1]))
    waiting = ", ".join(people.described(ctx, t.who[0]) for t in tasks)
    for address in to:
        run.fx.mail("escalation", [address], r=req, tag=tag(req), office=ctx.rules.office,
                    heading="Acara segera dimulai, persetujuan belum lengkap", greeting=None,
                    message=f"Acara berikut dimulai kurang dari {run.sop.timing.warn_before_event_hours} "
                            f"jam lagi, sedangkan persetujuan masih menunggu {waiting}.", lines=[])
    run.record("warned", note=f"acara segera dimulai; masih menunggu {waiting}")
