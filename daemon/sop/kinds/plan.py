"""Team and schedule (step 4): propose from the roster; the Kasi's words set the team."""

from __future__ import annotations

from typing import Any

from daemon.core.models import Task
from daemon.core.rules_sop import Step
from daemon.sop import people, planning
from daemon.sop.kinds.base import Kind, schedule_of, tag
from daemon.sop.run import Run


class Plan(Kind):
    name = "plan"

    def heading(self, run: Run, step: Step, task: Task) -> str:
        return "Mohon penetapan tim dan jadwal peliputan"

    def intro(self, step: Step, task: Task) -> str:
        return ("Permohonan peliputan berikut telah didisposisikan kepada Bapak/Ibu untuk "
                "ditetapkan tim dan jadwal peliputannya.")

    def flags(self, run: Run, step: Step) -> list[str]:
        proposal = planning.propose(run.ctx, run.s, run.req)
        return list(run.req.flags) + proposal.conflicts + list(proposal.schedule.notes)

    def schedule_shown(self, run: Run, step: Step) -> Any:
        return schedule_of(run.req)

    def interpret(self, run: Run, step: Step, reading: Any) -> str | None:
        """Naming people (or a skill to add) is the Kasi setting the team, whatever the word."""
        if reading.decision in (None, "revise") and planning.changes_team(run.ctx, reading.text):
            return "approve"
        return reading.decision

    def on_approve(self, run: Run, step: Step, task: Task, actor: str, note: str,
                   reply_text: str, message_id: str | None) -> str | None:
        ctx, req = run.ctx, run.req
        problem, changed = planning.apply_reply(ctx, run.s, req, reply_text)
        p, title, _ = people.person(ctx, actor, task.role)
        name = people.title_name(p, title) if p else actor
        if problem:
            run.fx.mail("answer", [actor], in_reply_to=message_id,
                        references=[message_id] if message_id else [], r=req, tag=tag(req),
                        office=ctx.rules.office, reason=problem, greeting=name if p else None,
                        salutation=p.salutation if p else None)
            return problem
        if changed:
            run.fx.mail("notice", [actor], in_reply_to=message_id, r=req, tag=tag(req),
                        office=ctx.rules.office, heading="Perubahan tim peliputan dicatat",
                        greeting=name, salutation=p.salutation if p else None,
                        message="Perubahan tim peliputan dari Bapak/Ibu telah kami catat.",
                        lines=planning.confirmation(req).splitlines())
        return None
