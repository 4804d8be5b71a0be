"""The morning digest: on working days, the officials and the team on duty get today's and
tomorrow's coverage and what is waiting on whom; a job that plans the next one when it runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import indonesian, jobs
from daemon.core.context import Context
from daemon.core.models import Request, Task
from daemon.core.workcal import WorkCalendar
from daemon.mail import mails
from daemon.sop import people

KIND = "digest"


def next_run(ctx: Context, after: datetime) -> datetime:
    """The next working day's digest time after `after`."""
    cal = WorkCalendar(ctx.cfg.hours, ctx.cfg.tz)
    day = after.astimezone(ctx.cfg.tz).date()
    for _ in range(400):
        at = datetime.combine(day, ctx.cfg.digest.at, ctx.cfg.tz)
        if at > after and cal.hours(day) is not None:
            return at
        day += timedelta(days=1)
    raise ValueError("no working day within a year")


def plan(ctx: Context, s: Session) -> None:
    """Queue the next digest (once: its key is its day)."""
    if not ctx.cfg.digest.enabled:
        return
    at = next_run(ctx, ctx.now())
    jobs.enqueue(s, KIND, {"day": at.date().isoformat()}, key=f"{KIND}:{at.date().isoformat()}", run_at=at)


def send(ctx: Context, s: Session, payload: dict) -> None:
    """Write the day's digest (if there is anything to say) and plan the next one."""
    day = date.fromisoformat(payload["day"])
    coverage = _coverage(ctx, s, day)
    waiting = _waiting(ctx, s)
    if coverage or waiting:
        team = sorted({m["email"] for r, _ in coverage for m in (r.team or [])})
        officials = sorted({o.email for o in ctx.rules.office.roles.values()})
        lines = [f"{when} - {r.code} {r.title} ({r.location or '-'}); tim: "
                 f"{', '.join(m['name'] for m in r.team or []) or 'belum ditetapkan'}" for r, when in coverage]
        lines += [""] if coverage and waiting else []
        lines += waiting
        mails.send(s, ctx.cfg, "notice", to=officials + team, r=None, tag="[Liputan]",
                   office=ctx.rules.office, greeting="Bapak/Ibu",
                   heading=f"Jadwal peliputan {indonesian.format_date(day)}",
                   message=_summary(len(coverage), len(waiting)), lines=lines)
    plan(ctx, s)


def _coverage(ctx: Context, s: Session, day: date) -> list[tuple[Request, str]]:
    start = datetime.combine(day, datetime.min.time(), ctx.cfg.tz)
    rows = s.scalars(select(Request).where(Request.state.in_(["open", "done"]),
                                           Request.event_start >= start,
                                           Request.event_start < start + timedelta(days=2))
                     .order_by(Request.event_start))
    return [(r, indonesian.format_datetime(r.event_start)) for r in rows]


def _waiting(ctx: Context, s: Session) -> list[str]:
    out = []
    for task in s.scalars(select(Task).where(Task.status == "open").order_by(Task.created_at)):
        req = s.get(Request, task.request_id)
        if req is None or req.state != "open":
            continue
        out.append(f"{req.code} {req.title}: menunggu {people.described(ctx, task.who[0])} "
                   f"sejak {indonesian.format_datetime(task.created_at)}")
    return out


def _summary(coverage: int, waiting: int) -> str:
    parts = []
    if coverage:
        parts.append(f"{coverage} peliputan hari ini dan besok")
    if waiting:
        parts.append(f"{waiting} langkah menunggu tindakan")
    return "Ringkasan pagi ini: " + "; ".join(parts) + "."
