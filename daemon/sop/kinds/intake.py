"""Intake (step 1): a complete letter is acknowledged and put in the schedule book; an
incomplete one makes the requester the one the step waits for."""

from __future__ import annotations

from daemon.core.models import Task
from daemon.core.rules import Step
from daemon.sop import people, requests
from daemon.sop.kinds.base import Entered, Kind, tag
from daemon.sop.run import Run


class Intake(Kind):
    name = "intake"

    def enter(self, run: Run, step: Step, note: str = "") -> Entered:
        req = run.req
        if req.missing:
            return "requester"
        req.missing = []
        req.flags = requests.clashes(run.s, req)
        run.record("scheduled", note="dicatat dalam Buku Jadwal Peliputan")
        run.fx.mail("ack", [req.requester_email], in_reply_to=req.thread_id,
                    references=[req.thread_id] if req.thread_id else [], r=req, tag=tag(req),
                    office=run.ctx.rules.office)
        return "done"

    def ask(self, run: Run, step: Step, task: Task, note: str = "") -> None:
        """The requester is asked for what is missing, or to correct what was sent back."""
        ctx, req = run.ctx, run.req
        if req.missing:
            run.fx.mail("missing", [req.requester_email], message_id=task.message_id,
                        in_reply_to=req.thread_id, r=req, tag=tag(req), office=ctx.rules.office,
                        missing_text=requests.missing_text(req))
            return
        run.fx.mail("revise_requester", [req.requester_email], message_id=task.message_id,
                    in_reply_to=req.thread_id, r=req, tag=tag(req), office=ctx.rules.office,
                    note=note, by=last_actor_jabatan(run))


def last_actor_jabatan(run: Run) -> str:
    revisions = [n for n in run.req.notes if n.get("kind") == "revise"]
    by = revisions[-1]["by"] if revisions else None
    p, title, role = people.person(run.ctx, by or "")
    if p is None:
        return "petugas Diskominfotik"
    return f"{title + ' ' if title else ''}{people.jabatan(run.ctx, role or '')}"
