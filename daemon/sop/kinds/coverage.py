"""The coverage itself: the team is briefed (assignment, SPT, invitation, folder) and the step
ends on its own once the event is over, so no request waits for ever."""

from __future__ import annotations

from datetime import datetime, timedelta

from daemon.core.rules_sop import Step
from daemon.sop import documents, people, planning, results
from daemon.sop.kinds import report
from daemon.sop.kinds.base import Entered, Kind, tag
from daemon.sop.run import Run

ASSUMED_LENGTH = timedelta(hours=3)  # an event without an end (or "sampai selesai")
TIMER = "step_timer"


def event_over(run: Run) -> datetime:
    """When the coverage is over: the event's end, else its start plus the assumed length."""
    req = run.req
    if req.event_end and not req.until_done:
        return req.event_end
    start = req.event_start or run.ctx.now()
    return start + ASSUMED_LENGTH


class Coverage(Kind):
    name = "coverage"

    def enter(self, run: Run, step: Step, note: str = "") -> Entered:
        self.perform(run, step)
        self.brief_team(run, step)
        run.fx.job(TIMER, {"request_id": run.req.id, "step": step.number, "timer": "event_over"},
                   key=f"{TIMER}:{run.req.code}:{step.number}:event_over", run_at=event_over(run))
        return "wait"

    def on_timer(self, run: Run, step: Step, payload: dict) -> str | None:
        if payload.get("timer") == "settled":  # the team handed in early: complete ends the step
            files = results.quiet(run.s, run.req, payload)
            if not files:
                return None
            if results.missing(run.ctx, files):
                report.ask_missing(run, step, files)
                return None
            return "done"
        if payload.get("timer") != "event_over":
            return None
        if event_over(run) > run.ctx.now():  # the event was moved later: wait for the new end
            run.fx.job(TIMER, dict(payload), run_at=event_over(run),
                       key=f"{TIMER}:{run.req.code}:{step.number}:event_over:{event_over(run).isoformat()}")
            return None
        return "done"

    def done_note(self, step: Step, payload: dict) -> str:
        return "hasil liputan diterima lengkap" if payload.get("timer") == "settled" else "acara telah berakhir"

    def waiting_note(self, step: Step) -> str:
        return f"menunggu: {step.name} (selesai otomatis setelah acara berakhir)"

    def brief_team(self, run: Run, step: Step) -> None:
        ctx, req = run.ctx, run.req
        spt = documents.latest(run.s, req, "spt")
        kasi = people.addresses_for(ctx, req, "kasi")[:1]
        run.fx.mail("assignment", [m["email"] for m in req.team], cc=kasi, attach=list(step.attach),
                    r=req, tag=tag(req), office=ctx.rules.office, team=req.team,
                    schedule=planning.schedule_from_json(req.schedule), folder=results.shown_folder(ctx, req),
                    spt_number=spt.number if spt else None, contact=contact(run, kasi))


def contact(run: Run, addresses: list[str]) -> str:
    """Whom a member who cannot attend tells: the Kasi (or the acting one), by name and address."""
    if not addresses:
        return ""
    return f"{people.described(run.ctx, addresses[0])} melalui {addresses[0]}"
