"""SOP step 1: a request letter becomes requests in the schedule book — or updates one it repeats."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import db, indonesian
from daemon.core.context import Context
from daemon.core.models import Inbound, Request
from daemon.core.types import RequestFacts
from daemon.mail import mails
from daemon.reading.extract import missing_fields_text
from daemon.sop import planning, workflow

log = logging.getLogger("daemon.sop.intake")
CANCEL = re.compile(r"\b(batal|dibatalkan|pembatalan|membatalkan|tidak jadi|ditiadakan)\b", re.I)
DEFAULT_LENGTH = timedelta(hours=3)


def norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", (text or "").lower()).strip()


def similar(a: str | None, b: str | None) -> float:
    """How alike two titles or places are, 0..1: shared words over all words (Jaccard).

    Titles that name different numbers ("MTQ ke-50" / "MTQ ke-51") are different events.
    """
    ta, tb = set(norm(a).split()), set(norm(b).split())
    if not ta or not tb:
        return 0.0
    numbers_a, numbers_b = {t for t in ta if t.isdigit()}, {t for t in tb if t.isdigit()}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def span(req: Request) -> tuple:
    return req.event_start, req.event_end or (req.event_start + DEFAULT_LENGTH)


def same_event(s: Session, facts: RequestFacts, email: str) -> tuple[Request | None, str]:
    """An open request this letter repeats: ('same', sent again), ('moved', new time) or ('other')."""
    rows = s.scalars(select(Request).where(Request.state == "open")).all()
    for req in rows:
        same_unit = req.requester_email == email or (
            facts.requester and similar(req.requester, facts.requester) > 0.9)
        alike = similar(req.title, facts.title)
        same_time = bool(facts.start and req.event_start and
                         abs(req.event_start - facts.start) <= timedelta(minutes=30))
        if same_unit and (alike >= 0.75 or (same_time and alike >= 0.5)):
            return req, ("same" if same_time or not facts.start else "moved")
        if same_time and (alike >= 0.5 or similar(req.location, facts.location) >= 0.8):
            return req, "same"
    return None, "other"


def apply_facts(req: Request, facts: RequestFacts) -> None:
    req.title = facts.title or req.title or ""
    req.event_start, req.event_end, req.until_done = facts.start, facts.end, facts.until_done
    req.location, req.kecamatan, req.outside_island = facts.location, facts.kecamatan, facts.outside_island
    req.requester = facts.requester or req.requester
    req.contact_name, req.contact_phone = facts.contact_name, facts.contact_phone
    req.letter_number, req.letter_date = facts.letter_number, facts.letter_date
    req.missing = list(facts.missing)


def facts_of(req: Request) -> RequestFacts:
    f = RequestFacts(title=req.title or None, start=req.event_start, end=req.event_end,
                     until_done=req.until_done, location=req.location, requester=req.requester,
                     contact_name=req.contact_name, contact_phone=req.contact_phone,
                     letter_number=req.letter_number, letter_date=req.letter_date,
                     kecamatan=req.kecamatan, outside_island=req.outside_island)
    f.compute_missing()
    return f


def clashes(s: Session, req: Request) -> list[str]:
    """Warnings for the approvers: other open events at the same time."""
    if req.event_start is None:
        return []
    start, end = span(req)
    out = []
    for other in s.scalars(select(Request).where(Request.state == "open", Request.id != req.id,
                                                 Request.event_start.is_not(None))):
        o_start, o_end = span(other)
        if o_start < end and start < o_end:
            out.append(f"Waktu acara bersamaan dengan {other.code} ({other.title}, "
                       f"{indonesian.format_datetime(other.event_start)}, {other.location or '-'}).")
    return out


def new_code(ctx: Context, s: Session) -> str:
    year = ctx.local_now().year
    return f"LPT-{year}-{db.next_value(s, 'request', year):04d}"


def open_request(ctx: Context, s: Session, inbound: Inbound, facts: RequestFacts, email: str,
                 subject: str) -> Request:
    """Step 1: record the request, put it in the schedule book and acknowledge it."""
    req = Request(code=new_code(ctx, s), requester_email=email, subject=subject, state="open",
                  step=ctx.rules.sop.steps[0].number, thread_id=inbound.message_id,
                  source_inbound_id=inbound.id, created_at=ctx.now())
    apply_facts(req, facts)
    s.add(req)
    s.flush()
    inbound.request_id = req.id
    workflow.record(s, ctx, req, "received", actor=email, message_id=inbound.message_id,
                    note=f"sumber: {facts.source}")
    log.info("%s opened from %s: %s", req.code, email, req.title)
    if req.missing:
        workflow.open_task(ctx, s, req, ctx.rules.sop.steps[0], 0, role="requester")
        return req
    start_chain(ctx, s, req)
    return req


def start_chain(ctx: Context, s: Session, req: Request) -> None:
    """A complete request: acknowledge, flag clashes, and move past step 1."""
    req.missing = []
    req.flags = clashes(s, req)
    workflow.record(s, ctx, req, "scheduled", note="dicatat dalam Buku Jadwal Peliputan")
    mails.send(s, ctx.cfg, "ack", to=[req.requester_email], request_id=req.id,
               in_reply_to=req.thread_id, references=[req.thread_id] if req.thread_id else [],
               r=req, tag=mails.tag(req.code), office=ctx.rules.office)
    first = ctx.rules.sop.steps[0]
    workflow.record(s, ctx, req, "done", step=first.number, actor="system")
    workflow.go(ctx, s, req, first.then["done"], first)


def missing_text(req: Request) -> str:
    return missing_fields_text(facts_of(req))


def repeat(ctx: Context, s: Session, inbound: Inbound, req: Request, facts: RequestFacts,
           how: str, email: str, cancel: bool) -> Request:
    """A letter about an event we already have: a duplicate, a cancellation or a new time."""
    inbound.request_id = req.id
    if cancel and (req.requester_email == email):
        workflow.record(s, ctx, req, "received", actor=email, message_id=inbound.message_id,
                        note="surat pembatalan dari pemohon")
        cancel_request(ctx, s, req, actor=email, note="dibatalkan oleh pemohon")
        return req
    if how == "moved" and facts.start:
        reschedule(ctx, s, req, facts, actor=email, message_id=inbound.message_id)
        return req
    workflow.record(s, ctx, req, "duplicate", actor=email, message_id=inbound.message_id,
                    note=f"permohonan yang sama dari {facts.requester or email}")
    mails.send(s, ctx.cfg, "notice", to=[email], request_id=req.id, in_reply_to=inbound.message_id,
               r=req, tag=mails.tag(req.code), office=ctx.rules.office,
               heading="Permohonan peliputan sudah tercatat", greeting=facts.requester,
               message=f"Permohonan peliputan untuk kegiatan ini sudah tercatat dengan kode {req.code}, "
                       "sehingga tidak kami catat dua kali. Perkembangannya dapat Bapak/Ibu ikuti "
                       "dengan kode tersebut.", lines=[])
    return req


def cancel_request(ctx: Context, s: Session, req: Request, *, actor: str, note: str) -> None:
    waiting = [w for t in workflow.open_tasks(s, req) for w in t.who[:1]]
    workflow.finish(ctx, s, req, "cancelled", note=note, actor=actor)
    for to in sorted(set(waiting + [req.requester_email])):
        mails.send(s, ctx.cfg, "notice", to=[to], request_id=req.id, r=req,
                   tag=mails.tag(req.code), office=ctx.rules.office,
                   heading="Permohonan peliputan dibatalkan", greeting=None,
                   message=f"Permohonan peliputan {req.code} telah DIBATALKAN oleh pemohon. "
                           "Tidak ada tindakan lebih lanjut yang diperlukan.", lines=[])


def reschedule(ctx: Context, s: Session, req: Request, facts: RequestFacts, *, actor: str,
               message_id: str | None) -> None:
    """The requester moved the event: new time on the request, people told, bookings moved."""
    old = indonesian.format_datetime(req.event_start) if req.event_start else "-"
    req.event_start, req.event_end, req.until_done = facts.start, facts.end, facts.until_done
    if facts.location and facts.location != req.location:
        req.location, req.kecamatan, req.outside_island = (facts.location, facts.kecamatan,
                                                           facts.outside_island)
    req.flags = clashes(s, req)
    note = f"jadwal diubah dari {old} menjadi {indonesian.format_datetime(req.event_start)}"
    workflow.record(s, ctx, req, "rescheduled", actor=actor, message_id=message_id, note=note)
    if req.schedule:
        planning.replan(ctx, s, req)
    people = [w for t in workflow.open_tasks(s, req) for w in t.who[:1]] + [m["email"] for m in req.team]
    for to in sorted(set(people + [req.requester_email])):
        mails.send(s, ctx.cfg, "notice", to=[to], request_id=req.id, r=req, tag=mails.tag(req.code),
                   office=ctx.rules.office, heading="Perubahan jadwal kegiatan", greeting=None,
                   message=f"Jadwal kegiatan {req.code} diubah oleh pemohon: {note}.",
                   lines=req.flags)
