"""Disposition (lembar disposisi): an official routes the request down, with a note."""

from __future__ import annotations

from daemon.core.models import Task
from daemon.core.rules_sop import Step
from daemon.sop import people
from daemon.sop.kinds.base import Kind
from daemon.sop.run import Run


class Disposition(Kind):
    name = "disposition"

    def heading(self, run: Run, step: Step, task: Task) -> str:
        if step.to == "team":
            return "Mohon perintah peliputan kepada tim"
        return f"Mohon disposisi kepada {people.jabatan(run.ctx, step.to or '')}"

    def intro(self, step: Step, task: Task) -> str:
        if step.to == "team":
            return ("Tim dan jadwal peliputan berikut telah disusun dalam nota dinas terlampir dan "
                    "memerlukan perintah peliputan dari Bapak/Ibu.")
        return "Permohonan peliputan berikut memerlukan disposisi Bapak/Ibu."

    def on_approve(self, run: Run, step: Step, task: Task, actor: str, note: str,
                   reply_text: str, message_id: str | None) -> str | None:
        p, title, _ = people.person(run.ctx, actor, task.role)
        name = people.title_name(p, title) if p else actor
        run.req.notes = [*run.req.notes, {"kind": "disposisi", "step": step.number,
                                          "role": task.role, "to": step.to,
                                          "note": note or step.instruction, "own_note": note,
                                          "title": title or "", "by": actor,
                                          "name": name, "at": run.ctx.now().isoformat()}]
        return None
