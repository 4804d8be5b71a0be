"""What each kind of SOP step does: its letters, the mail that asks a person to act, and the
effect of their approval. The engine (daemon/workflow.py) calls these by the step's `kind`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Request, Task
from daemon.core.rules import Person, Step
from daemon.mail import mails
from daemon.sop import paperwork, people, planning

log = logging.getLogger("daemon.sop.workflow")
HEADINGS = {"disposition": "Mohon disposisi", "plan": "Mohon penetapan tim dan jadwal peliputan",
            "sign": "Mohon paraf/tanda tangan SPT"}


# ---- the step's effects ----------------------------------------------------------------------
def perform(ctx: Context, s: Session, req: Request, step: Step) -> None:
    """An automatic or external step: write its letters; at the coverage, brief the team."""
    for kind in step.documents:
        paperwork.make_document(ctx, s, req, step, kind)
    if step.kind == "coverage":
        brief_team(ctx, s, req, step)


def brief_team(ctx: Context, s: Session, req: Request, step: Step) -> None:
    folder = Path(ctx.cfg.paths.dropbox) / req.code
    folder.mkdir(parents=True, exist_ok=True)
    spt = paperwork.latest(s, req, "spt")
    mails.send(s, ctx.cfg, "assignment", to=[m["email"] for m in req.team],
               cc=people.addresses_for(ctx, req, "kasi")[:1], request_id=req.id,
               attachments=paperwork.attachments_for(ctx, s, req, step), r=req, tag=mails.tag(req.code),
               office=ctx.rules.office, team=req.team,
               schedule=planning.schedule_from_json(req.schedule), folder=str(folder),
               spt_number=spt.number if spt else None)


def waiting_note(step: Step) -> str:
    return f"menunggu: {step.name}"


def task_label(step: Step, task: Task) -> str:
    if step.signers:
        return f"{step.signers[task.seq].action} oleh {task.role}"
    return f"{step.kind} oleh {task.role}"


def ask(ctx: Context, s: Session, req: Request, step: Step, task: Task, *, note: str = "") -> None:
    """Write the step's letters and the mail that asks the task's person to decide."""
    if task.role == "requester" and req.missing:
        from daemon.sop.intake import missing_text

        mails.send(s, ctx.cfg, "missing", to=[req.requester_email], request_id=req.id,
                   message_id=task.message_id, in_reply_to=req.thread_id, r=req,
                   tag=mails.tag(req.code), office=ctx.rules.office, missing_text=missing_text(req))
        return
    if task.role == "requester":
        mails.send(s, ctx.cfg, "revise_requester", to=[req.requester_email], request_id=req.id,
                   message_id=task.message_id, in_reply_to=req.thread_id, r=req,
                   tag=mails.tag(req.code), office=ctx.rules.office, note=note,
                   by=last_actor_jabatan(ctx, req))
        return
    if step.kind == "plan":
        proposal = planning.propose(ctx, s, req)
        flags = list(req.flags) + proposal.conflicts + list(proposal.schedule.notes)
    else:
        flags = list(req.flags)
    for kind in step.documents:
        if step.kind != "sign":
            paperwork.make_document(ctx, s, req, step, kind)
    recipient, title, _ = people.person(ctx, task.who[0])
    recipient = recipient or ctx.rules.office.roles[task.role]  # type: ignore[index]
    files = paperwork.attachments_for(ctx, s, req, step)
    mails.send(s, ctx.cfg, "task", to=[task.who[0]], cc=task.who[1:], request_id=req.id,
               message_id=task.message_id, attachments=files, r=req, tag=mails.tag(req.code),
               office=ctx.rules.office, step=step, person=recipient, acting_title=title,
               role_jabatan=people.jabatan(ctx, task.role), heading=HEADINGS.get(step.kind, step.name),
               intro=intro(ctx, step, task), flags=flags, notes=notes_for(req, note),
               team=req.team if step.kind in ("plan", "disposition", "sign") and req.team else [],
               schedule=planning.schedule_from_json(req.schedule) if step.kind == "plan" else None,
               extra="", action=f"Mohon Bapak/Ibu {step.instruction}.",
               approve_text=approve_text(step, task), deadline=task.deadline,
               delegate_hint=delegate_hint(ctx, task.role),
               files=[f[0] for f in files])


def intro(ctx: Context, step: Step, task: Task) -> str:
    if step.signers:
        action = "paraf" if step.signers[task.seq].action == "paraf" else "tanda tangan"
        return (f"Terlampir Surat Perintah Tugas (SPT) untuk peliputan berikut yang memerlukan "
                f"{action} Bapak/Ibu (langkah {step.number} SOP: {step.name}).")
    return f"Permohonan peliputan berikut menunggu tindakan Bapak/Ibu (langkah {step.number} SOP: {step.name})."


def approve_text(step: Step, task: Task) -> str:
    if step.signers:
        return "memberi paraf" if step.signers[task.seq].action == "paraf" else "menandatangani SPT"
    return step.instruction or "menyetujui"


def delegate_hint(ctx: Context, role: str) -> str:
    acting = people.acting_for(ctx, role)
    if acting is None:
        return ""
    return (f"Apabila Bapak/Ibu berhalangan, balas DELEGASIKAN untuk meneruskan kepada "
            f"{acting.title} {acting.name.rstrip('.')}.")


def notes_for(req: Request, note: str) -> list[str]:
    out = [f"{d['name']}: {d['note']}" for d in paperwork.dispositions(req) if d.get("note")]
    if note:
        out.append(f"Catatan terakhir: {note}")
    return out


def last_actor_jabatan(ctx: Context, req: Request) -> str:
    revisions = [n for n in req.notes if n.get("kind") == "revise"]
    by = revisions[-1]["by"] if revisions else None
    p, title, role = people.person(ctx, by or "")
    if p is None:
        return "petugas Diskominfotik"
    return f"{title + ' ' if title else ''}{people.jabatan(ctx, role or '')}"


def ask_requester(ctx: Context, s: Session, req: Request, origin: Step, *, note: str,
                  actor: str | None) -> None:
    from daemon.sop import (
        workflow,  # the engine owns tasks; this only names who is asked
    )

    req.notes = [*req.notes, {"step": origin.number, "by": actor, "note": note, "kind": "revise"}]
    req.step = ctx.rules.sop.steps[0].number
    workflow.open_task(ctx, s, req, ctx.rules.sop.steps[0], 0, note=note, role="requester")


def on_approve(ctx: Context, s: Session, req: Request, step: Step, task: Task, *, note: str,
               actor: str, reply_text: str, message_id: str | None) -> str | None:
    """The effect of an approval; returns a reason to hold the step open instead."""
    p, title, role = people.person(ctx, actor)
    name = people.title_name(p, title) if p else actor
    at = ctx.now().isoformat()
    if step.kind == "disposition":
        req.notes = [*req.notes, {"kind": "disposisi", "step": step.number, "role": task.role,
                                  "to": step.to, "note": note or step.instruction, "by": actor,
                                  "name": name, "at": at}]
    elif step.kind == "plan":
        problem, changed = planning.apply_reply(ctx, s, req, reply_text)
        if problem:
            answer(ctx, s, req, actor, problem, message_id)
            return problem
        if changed:
            mails.send(s, ctx.cfg, "notice", to=[actor], request_id=req.id, in_reply_to=message_id,
                       r=req, tag=mails.tag(req.code), office=ctx.rules.office,
                       heading="Perubahan tim peliputan dicatat", greeting=name,
                       message="Perubahan tim peliputan dari Bapak/Ibu telah kami catat.",
                       lines=planning.confirmation(req).splitlines())
    elif step.kind == "sign":
        sign(ctx, s, req, step, task, p, title, actor, at)
    return None


def sign(ctx: Context, s: Session, req: Request, step: Step, task: Task, p: Person | None,
         title: str | None, actor: str, at: str) -> None:
    """Record a paraf or the signature on the SPT and render the new version."""
    doc = paperwork.latest(s, req, "spt")
    meta = dict(doc.meta) if doc else {"initials": [], "signed": None}
    who = people.signer_dict(p, title, task.role) if p else {"name": actor, "email": actor, "role": task.role}
    if step.signers[task.seq].action == "paraf":
        meta["initials"] = [*meta.get("initials", []), {**who, "at": at}]
    else:
        meta["signed"] = {**who, "at": at}
    paperwork.make_spt(ctx, s, req, meta)


def answer(ctx: Context, s: Session, req: Request | None, to: str, reason: str,
           in_reply_to: str | None) -> None:
    """One short answer explaining why a reply was not applied, greeting the person by name."""
    p, title, _ = people.person(ctx, to)
    greeting = people.title_name(p, title) if p else None
    mails.send(s, ctx.cfg, "answer", to=[to], request_id=req.id if req else None,
               in_reply_to=in_reply_to, references=[in_reply_to] if in_reply_to else [], r=req,
               tag=mails.tag(req.code) if req else "[Liputan]", office=ctx.rules.office,
               reason=reason, greeting=greeting)


def interpret(ctx: Context, step: Step, reading: Any) -> str | None:
    """The decision a reply makes at this step: at the team step, naming people (or a skill
    to add) is the Kasi setting the team, whatever word they used."""
    if step.kind == "plan" and reading.decision in (None, "revise") and \
            planning.changes_team(ctx, reading.text):
        return "approve"
    return reading.decision


def announce_end(ctx: Context, s: Session, req: Request, state: str, *, note: str,
                 actor: str | None) -> None:
    """Tell the requester of a refusal; tell the team when their assignment is withdrawn."""
    p, title, role = people.person(ctx, actor or "")
    by = f"{title + ' ' if title else ''}{people.jabatan(ctx, role)}" if role else "Diskominfotik"
    if state == "rejected":
        mails.send(s, ctx.cfg, "rejected", to=[req.requester_email], request_id=req.id,
                   in_reply_to=req.thread_id, r=req, tag=mails.tag(req.code),
                   office=ctx.rules.office, note=note, by=by)
    if state in ("rejected", "cancelled") and req.team and req.step and req.step >= 10:
        mails.send(s, ctx.cfg, "notice", to=[m["email"] for m in req.team], request_id=req.id,
                   r=req, tag=mails.tag(req.code), office=ctx.rules.office,
                   heading="Penugasan peliputan dibatalkan", greeting="Tim Peliputan",
                   message="Penugasan peliputan berikut DIBATALKAN. Mohon abaikan undangan "
                           "kalender sebelumnya.", lines=[])
