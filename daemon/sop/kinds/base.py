"""What every step kind does unless it says otherwise: letters, the mail asking for a decision,
and what entering the step means for its mode (auto: done; reply: ask; external: wait)."""

from __future__ import annotations

from typing import Any, Literal

from daemon.core.models import Task
from daemon.core.rules_sop import Step
from daemon.sop import documents, people, planning
from daemon.sop.run import Run

Entered = Literal["done", "task", "wait", "requester"]

# a step's kind as the office names the task in `liputan show` ("disposisi oleh kadis")
TASK_NOUNS = {"disposition": "disposisi", "plan": "penetapan tim dan jadwal", "memo": "nota dinas",
              "draft": "konsep surat", "coverage": "peliputan", "publish": "publikasi",
              "archive": "pengarsipan", "intake": "penerimaan surat"}


class Kind:
    """A step kind's handler; the engine calls these and does the moving itself."""

    name = "base"
    letters_when_asking = True  # write the step's documents before asking (not when signing)

    def enter(self, run: Run, step: Step, note: str = "") -> Entered:
        if step.mode == "reply":
            return "task"
        self.perform(run, step)
        return "done" if step.mode == "auto" else "wait"

    def perform(self, run: Run, step: Step) -> None:
        """An automatic or external step's own work: its letters."""
        for name in step.documents:
            run.fx.letter(name, step=step)

    def interpret(self, run: Run, step: Step, reading: Any) -> str | None:
        return reading.decision

    def on_approve(self, run: Run, step: Step, task: Task, actor: str, note: str,
                   reply_text: str, message_id: str | None) -> str | None:
        """The effect of an approval; returns a reason to hold the step open instead."""
        return None

    def on_timer(self, run: Run, step: Step, payload: dict) -> str | None:
        """A timer of this step fired; returns "done" when the step is complete."""
        return None

    def done_note(self, step: Step, payload: dict) -> str:
        """The history's note when a timer or a job ends the step."""
        return ""

    def waiting_note(self, step: Step) -> str:
        return f"menunggu: {step.name}"

    def task_label(self, step: Step, task: Task) -> str:
        """The history's note when the task mail goes: "disposisi oleh kadis" (read by the office)."""
        return f"{TASK_NOUNS.get(step.kind, step.kind)} oleh {task.role}"

    # ---- the mail that asks a person to decide -------------------------------------------------
    def flags(self, run: Run, step: Step) -> list[str]:
        return list(run.req.flags)

    def ask(self, run: Run, step: Step, task: Task, note: str = "") -> None:
        ctx, req = run.ctx, run.req
        flags = self.flags(run, step)
        if self.letters_when_asking:
            for name in step.documents:
                run.fx.letter(name, step=step)
        recipient, title, _ = people.person(ctx, task.who[0], task.role)
        recipient = recipient or ctx.rules.office.roles[task.role]  # type: ignore[index]
        run.fx.mail("task", [task.who[0]], cc=task.who[1:], message_id=task.message_id,
                    attach=list(step.attach), r=req, tag=tag(req), office=ctx.rules.office,
                    step=step, person=recipient, acting_title=title,
                    role_jabatan=people.jabatan(ctx, task.role),
                    heading=self.heading(run, step, task), intro=self.intro(step, task),
                    flags=flags, notes=notes_for(req, note), team=self.team_shown(run, step),
                    schedule=self.schedule_shown(run, step), extra=self.extra(run, step, task),
                    action=self.action(step, task),
                    approve_text=self.approve_text(step, task), deadline=task.deadline,
                    standard=service_standard(step.minutes),
                    delegate_hint=delegate_hint(run, task.role, task.who[0]))

    def extra(self, run: Run, step: Step, task: Task) -> str:
        """A paragraph of the task mail before the request for action; none by default."""
        return ""

    def heading(self, run: Run, step: Step, task: Task) -> str:
        """The subject's request; distinct for every step one person may be asked in."""
        return f"Mohon tindakan: {step.name}"

    def intro(self, step: Step, task: Task) -> str:
        return "Permohonan peliputan berikut menunggu tindakan Bapak/Ibu."

    def action(self, step: Step, task: Task) -> str:
        return f"Mohon Bapak/Ibu {step.instruction}." if step.instruction else ""

    def approve_text(self, step: Step, task: Task) -> str:
        return step.instruction or "menyetujui"

    def team_shown(self, run: Run, step: Step) -> list:
        return run.req.team if step.kind in ("plan", "disposition", "sign") and run.req.team else []

    def schedule_shown(self, run: Run, step: Step) -> Any:
        return None


def service_standard(minutes: int | None) -> str:
    """The SOP's time standard as a service standard in working time, never a clock deadline."""
    return f"{minutes} menit kerja" if minutes else "menyesuaikan kebutuhan"


def tag(req: Any) -> str:
    return f"[{req.code}]"


def delegate_hint(run: Run, role: str, recipient: str = "") -> str:
    """Offer delegation only to an acting official in office today, and never to the recipient."""
    acting = people.acting_for(run.ctx, role)
    if acting is None or acting.email == recipient.lower():
        return ""
    return (f"Apabila Bapak/Ibu berhalangan, balas DELEGASIKAN untuk meneruskan kepada "
            f"{acting.title} {acting.name.rstrip('.')}.")


def notes_for(req: Any, note: str) -> list[str]:
    out = [f"{d['name']}: {d['note']}" for d in documents.dispositions(req) if d.get("note")]
    if note:
        out.append(f"Catatan terakhir: {note}")
    return out


def schedule_of(req: Any) -> Any:
    return planning.schedule_from_json(req.schedule)
