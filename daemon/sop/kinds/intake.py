"""Intake (step 1): a complete letter is acknowledged and put in the schedule book; an
incomplete one makes the requester the one the step waits for."""

from __future__ import annotations

from daemon.core.models import Task
from daemon.core.rules_sop import Step
from daemon.sop import requests
from daemon.sop.kinds.base import Entered, Kind, tag
from daemon.sop.run import Run


class Intake(Kind):
    name = "intake"

    def enter(self, run: Run, step: Step, note: str = "") -> Entered:
        req = run.req
        if req.missing:
            return "requester"
        req.flags = requests.clashes(run.s, req)  # (before any change: nothing to flush for it)
        if req.missing is None:
            req.missing = []
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
        # the official's note is internal: the requester reads only the correction it names
        run.fx.mail("revise_requester", [req.requester_email], message_id=task.message_id,
                    in_reply_to=req.thread_id, references=[req.thread_id] if req.thread_id else [],
                    r=req, tag=tag(req), office=ctx.rules.office,
                    requester_note=requests.requester_note(note))
