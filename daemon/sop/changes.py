"""The requester's later letters about a recorded event: a duplicate, a cancellation, a new date."""

from __future__ import annotations

from sqlalchemy.orm import Session

from daemon.core import indonesian, units
from daemon.core.context import Context
from daemon.core.models import Inbound, Request
from daemon.core.types import RequestFacts
from daemon.sop import planning, requests
from daemon.sop.engine import _commit as commit
from daemon.sop.engine import _finish as finish
from daemon.sop.kinds.base import tag
from daemon.sop.run import Run
from daemon.sop.waiting import open_tasks


def repeat_letter(ctx: Context, s: Session, inbound: Inbound, req: Request, facts: RequestFacts,
                  how: str, email: str, cancelled: bool) -> Request:
    """A letter about an event we already have: a duplicate, a cancellation or a new time."""
    inbound.request_id = req.id
    if cancelled and req.requester_email == email:
        Run.of(ctx, s, req).record("received", actor=email, message_id=inbound.message_id,
                                   note="surat pembatalan dari pemohon")
        cancel(ctx, s, req, actor=email, note="dibatalkan oleh pemohon")
        return req
    if how == "moved" and facts.start:
        reschedule(ctx, s, req, facts, actor=email, message_id=inbound.message_id)
        return req
    run = Run.of(ctx, s, req)
    run.record("duplicate", actor=email, message_id=inbound.message_id,
               note=f"permohonan yang sama dari {facts.requester or email}")
    run.fx.mail("notice", [email], in_reply_to=inbound.message_id, r=req, tag=tag(req),
                office=ctx.rules.office, heading="Permohonan peliputan sudah tercatat",
                greeting=units.head_office(facts.requester) or facts.requester or None,
                message=f"Permohonan peliputan untuk kegiatan ini sudah tercatat dengan kode {req.code}, "
                        "sehingga tidak kami catat dua kali. Perkembangannya dapat Bapak/Ibu ikuti "
                        "dengan kode tersebut.", lines=[])
    return commit(run)


def cancel(ctx: Context, s: Session, req: Request, *, actor: str, note: str) -> None:
    """The requester cancels: everyone waiting (and the team, if briefed) is told."""
    run = Run.of(ctx, s, req)
    # each notice answers the mail its reader has: the requester's letter, the official's task
    waiting = {t.who[0]: t.message_id for t in open_tasks(s, req) if t.who}
    waiting.pop(req.requester_email, None)
    finish(run, "cancelled", note=note, actor=actor)
    for to, thread in [*sorted(waiting.items()), (req.requester_email, req.thread_id)]:
        run.fx.mail("notice", [to], r=req, tag=tag(req), office=ctx.rules.office,
                    in_reply_to=thread, references=[thread] if thread else [],
                    heading="Permohonan peliputan dibatalkan",
                    greeting=units.head_office(req.requester) or None if to == req.requester_email else None,
                    message=f"Dengan hormat, kami sampaikan bahwa permohonan peliputan {req.code} "
                            "telah dibatalkan oleh pemohon. Tidak ada tindakan lebih lanjut "
                            "yang diperlukan.", lines=[])
    commit(run)


def reschedule(ctx: Context, s: Session, req: Request, facts: RequestFacts, *, actor: str,
               message_id: str | None) -> None:
    """The requester moved the event: new time on the request, people told, bookings moved."""
    run = Run.of(ctx, s, req)
    old = indonesian.format_datetime(req.event_start) if req.event_start else "-"
    req.event_start, req.event_end, req.until_done = facts.start, facts.end, facts.until_done
    place = ""
    if facts.location and facts.location != req.location:
        place = f"; tempat semula {req.location or '-'}, menjadi {facts.location}"
        req.location, req.kecamatan, req.outside_island = (facts.location, facts.kecamatan,
                                                           facts.outside_island)
    req.flags = requests.clashes(s, req)
    note = f"jadwal diubah dari {old} menjadi {indonesian.format_datetime(req.event_start)}{place}"
    run.record("rescheduled", actor=actor, message_id=message_id, note=note)
    if req.schedule:
        planning.replan(ctx, s, req)
    told = [w for t in open_tasks(s, req) for w in t.who[:1]] + [m["email"] for m in req.team]
    new = indonesian.format_datetime(req.event_start)
    for to in sorted(set(told + [req.requester_email])):
        mine = to == req.requester_email
        run.fx.mail("notice", [to], r=req, tag=tag(req), office=ctx.rules.office,
                    heading="Perubahan jadwal kegiatan",
                    greeting=units.head_office(req.requester) or None if mine else None,
                    message=(f"Perubahan jadwal kegiatan {req.code} sesuai pemberitahuan Bapak/Ibu telah "
                             f"kami catat: semula {old}, menjadi {new}{place}." if mine else
                             f"Pemohon mengubah jadwal kegiatan {req.code}: semula {old}, menjadi "
                             f"{new}{place}."),
                    lines=req.flags)
    commit(run)
