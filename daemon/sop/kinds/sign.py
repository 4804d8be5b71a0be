"""Paraf and signature of a document, one signer after another (Kabid, Sekretaris, Kadis)."""

from __future__ import annotations

from sqlalchemy import select

from daemon.core import indonesian
from daemon.core.models import Task
from daemon.core.rules_sop import Step
from daemon.sop import documents, people
from daemon.sop.kinds.base import Kind
from daemon.sop.run import Run


class Sign(Kind):
    name = "sign"
    letters_when_asking = False  # the document was drafted before; signing makes new versions

    def task_label(self, step: Step, task: Task) -> str:
        return f"{step.signers[task.seq].action} oleh {task.role}"

    def heading(self, run: Run, step: Step, task: Task) -> str:
        return f"Mohon {_noun(step, task)} Surat Perintah Tugas"

    def intro(self, step: Step, task: Task) -> str:
        return (f"Terlampir Surat Perintah Tugas (SPT) untuk peliputan berikut yang memerlukan "
                f"{_noun(step, task)} Bapak/Ibu.")

    def action(self, step: Step, task: Task) -> str:
        if _initials(step, task):
            return "Mohon Bapak/Ibu memberi paraf pada Surat Perintah Tugas terlampir."
        return "Mohon Bapak/Ibu menandatangani Surat Perintah Tugas terlampir."

    def extra(self, run: Run, step: Step, task: Task) -> str:
        """Who has already initialled, and when: the signer sees the paraf are in place."""
        before = run.s.scalars(select(Task).where(Task.request_id == run.req.id, Task.step == step.number,
                                                  Task.seq < task.seq, Task.status == "closed",
                                                  Task.decision == "approve").order_by(Task.id)).all()
        latest = {t.seq: t for t in before}  # after a REVISI the step starts again: this round's
        done = []
        for _, t in sorted(latest.items()):
            p, _, _ = people.person(run.ctx, t.who[0], t.role)
            name = p.name if p else t.who[0]
            at = indonesian.format_datetime(t.closed_at) if t.closed_at else "-"
            done.append(f"{name} ({people.jabatan(run.ctx, t.role)}) pada {at}")
        return ("Surat Perintah Tugas ini telah diparaf oleh " + "; ".join(done) + ".") if done else ""

    def approve_text(self, step: Step, task: Task) -> str:
        return "memberi paraf" if _initials(step, task) else "menandatangani SPT"

    def on_approve(self, run: Run, step: Step, task: Task, actor: str, note: str,
                   reply_text: str, message_id: str | None) -> str | None:
        """Record a paraf or the signature on the document and make its new version."""
        name = step.documents[0] if step.documents else "spt"
        p, title, _ = people.person(run.ctx, actor, task.role)
        doc = documents.latest(run.s, run.req, name)
        meta = dict(doc.meta) if doc else {"initials": [], "signed": None}
        who = (people.signer_dict(p, title, task.role) if p
               else {"name": actor, "email": actor, "role": task.role})
        at = run.ctx.now().isoformat()
        if step.signers[task.seq].action == "paraf":
            meta["initials"] = [*meta.get("initials", []), {**who, "at": at}]
        else:
            meta["signed"] = {**who, "at": at}
        run.fx.letter(name, step=step, meta=meta)
        return None


def _initials(step: Step, task: Task) -> bool:
    return step.signers[task.seq].action == "paraf"


def _noun(step: Step, task: Task) -> str:
    return "paraf" if _initials(step, task) else "tanda tangan"
