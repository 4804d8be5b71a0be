"""A request's letters: built from its data and numbered (gap-free, per year) in the caller's
transaction; rendered later by a job. Mail attaching a letter waits for its job."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session

from daemon.core import db, indonesian, jobs
from daemon.core.bounded import BoundedCache
from daemon.core.context import Context
from daemon.core.models import Document, Inbound, Job, Request
from daemon.core.rules_sop import DocumentSpec, Sop, Step
from daemon.mail import mime, outgoing
from daemon.paperwork import letter_context, letters, render
from daemon.sop import people, planning

log = logging.getLogger("daemon.paperwork.letters")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_LETTER_BYTES = 10 * 1024 * 1024  # officials read on phones; the mailbox keeps the original
LETTER_CACHE_BYTES = 8 * 1024 * 1024  # letters parsed lately, kept for their mail's worker
_LETTERS: BoundedCache[tuple, tuple[tuple[str, str, bytes], ...]] = BoundedCache(256, LETTER_CACHE_BYTES)
LETTER_TYPES = ("application/pdf", "application/msword", "image/jpeg", "image/png",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
LATEST = "documents_latest"  # db.held: (request id, kind) -> its newest version (or None)
MADE = "documents_made"  # db.held: document id -> (the version made now, its render job, db.current)
DOCUMENT = Document.__table__


def latest(s: Session, req: Request, kind: str) -> Document | None:
    """The request's newest version of `kind`, read once per transaction (numbering, the new
    version and the mail attaching it each ask), or the one this transaction made."""
    known = db.held(s, LATEST)
    key = (req.id, kind)
    if key in known:
        doc = known[key]  # (made here: in the session, or a plain row in MADE)
        made = db.held(s, MADE, undone=True)
        if doc is None or doc in s or doc.id in made:
            return doc
        # made in a savepoint since undone: the newest version this transaction still made, if
        # any (a plain row not written yet is not in the database to be read)
        mine = [m[0] for m in made.values() if m[0].request_id == req.id and m[0].kind == kind]
        if mine:
            known[key] = max(mine, key=lambda d: d.version)
            return known[key]
    with s.no_autoflush:  # (a version this transaction made is in `known`: make() puts it there)
        doc = known[key] = s.scalars(_LATEST, {"request_id": req.id, "kind": kind}).first()
    return doc


_LATEST = (select(Document).where(Document.request_id == bindparam("request_id"),
                                  Document.kind == bindparam("kind"))
           .order_by(Document.version.desc()).limit(1))  # built once: its cache key too


def spec_of(sop: Sop, name: str) -> DocumentSpec:
    """The document's declaration in sop.yaml (`documents:`); KeyError names the known ones."""
    return sop.document(name)


def number_for(ctx: Context, s: Session, req: Request, spec: DocumentSpec, name: str,
               signed: bool = True) -> str:
    """The letter's number: reused across versions, else the next of its yearly sequence; a
    document numbered when signed has none before its signature."""
    prev = latest(s, req, name)
    if prev is not None and prev.number:
        return prev.number
    if spec.numbering.taken == "signed" and not signed:
        return ""
    when = ctx.local_now().date()
    seq = db.next_value(s, spec.numbering.sequence, when.year)
    pattern = spec.numbering.pattern or ctx.rules.office.numbering.pattern(spec.numbering.sequence)
    return letters.format_number(pattern, seq, when)


def make(ctx: Context, s: Session, req: Request, kind: str, spec: DocumentSpec,
         context: dict[str, Any], meta: dict[str, Any] | None = None, priority: int = 0) -> Document:
    """A new version of a request's letter, numbered now and rendered by a job (a request on
    record: the job as a plain row, see jobs.enqueue `defer`)."""
    defer = inspect(req).persistent  # (then the document too: a plain row, no ORM object)
    template, stem = spec.template, spec.file_stem
    prev = latest(s, req, kind)
    version = (prev.version + 1) if prev else 1
    out = ctx.documents_dir / req.code / f"{stem}-{req.code}-v{version}.docx"
    # its id taken now: the document and its job are written with the transaction's next flush
    values = dict(id=db.new_id(s, Document), request_id=req.id, kind=kind,
                  number=context.get("number"), version=version, path=str(out),
                  meta=meta if meta is not None else (dict(prev.meta) if prev else {}),
                  status="pending", pdf_path=None, created_at=ctx.now())
    doc = Document(**values)
    if defer:
        db.defer(s, DOCUMENT, values)
    else:
        s.add(doc)
    # the key names the document just made: no other job can hold it (no look-up, no savepoint)
    job = jobs.enqueue(s, "render_letter", render.payload(template, context, out, doc.id),
                       key=render_key(doc.id), request_id=req.id, run_at=ctx.now(), priority=priority,
                       fresh=True, visible=True, defer=defer)
    db.held(s, LATEST)[(req.id, kind)] = doc  # the mail that attaches it finds both here
    db.held(s, MADE, undone=True)[doc.id] = (doc, job, db.current(s))  # (gone if its savepoint is)
    log.info("%s: %s v%d numbered %s; rendering queued", req.code, kind, version, doc.number)
    return doc


def document(s: Session, doc_id: int) -> Document | None:
    """A document by its id; one this transaction made is found as it is (no flush for it)."""
    made = db.held(s, MADE, undone=True).get(doc_id)
    return made[0] if made is not None else s.get(Document, doc_id)


def render_key(document_id: int) -> str:
    return f"render_letter:{document_id}"


def render_job(s: Session, doc: Document) -> Job | jobs.Queued | None:
    made = db.held(s, MADE, undone=True).get(doc.id)
    job = made[1] if made is not None and made[0] is doc else None
    if isinstance(job, jobs.Queued):  # made in this transaction, a plain row
        return job
    if isinstance(job, Job) and job in s:  # made in this transaction
        if job.id is None:  # (PostgreSQL: its id comes with the flush; SQLite: taken up front)
            s.flush()  # its id, which the mail waits on
        return job
    return s.scalars(select(Job).where(Job.key == render_key(doc.id))).first()


def attachments(doc: Document, editable: bool = False) -> list[tuple[str, str, bytes]]:
    """One file per document, named without its version: the PDF when LibreOffice made one, the
    .docx only when someone must edit it (or no PDF could be made)."""
    path = Path(doc.path)
    pdf = Path(doc.pdf_path) if doc.pdf_path else path.with_suffix(".pdf")
    out = [(shown_name(path, ".pdf"), "application/pdf", pdf.read_bytes())] if pdf.is_file() else []
    if editable or not out:
        out.insert(0, (shown_name(path, ".docx"), DOCX, path.read_bytes()))
    return out


def shown_name(path: Path, suffix: str) -> str:
    """A document's file name as mailed: "SPT-LPT-2026-0001.pdf", not its stored "-v3" version."""
    return re.sub(r"-v\d+$", "", path.stem) + suffix


def request_data(req: Request) -> dict[str, Any]:
    """The request as the letter builders want it."""
    return {"code": req.code, "title": req.title, "start": req.event_start, "end": req.event_end,
            "until_done": req.until_done, "location": req.location, "requester": req.requester,
            "letter_number": req.letter_number, "letter_date": req.letter_date,
            "letter_subject": req.letter_subject, "subject": req.subject or req.title, "received": req.created_at}


def when(value: Any) -> datetime | None:
    """A datetime from its stored ISO form."""
    if isinstance(value, datetime) or value is None:
        return value
    return datetime.fromisoformat(value)


def office_data(ctx: Context) -> dict[str, Any]:
    """office.yaml for the letters, with the kop's lambang (office.lambang, a file in rules/) as a path."""
    data = ctx.office_dict()
    lambang = ctx.rules.office.office.lambang
    if lambang:
        data["office"]["lambang_path"] = str(Path(ctx.rules.dir) / lambang)
    return data


def spt_recipients(ctx: Context, req: Request) -> list[str]:
    """Who receives the final numbered SPT (as PDF): the team, and Subbagian Umum (office.yaml
    office.subbag_umum) for the wet signature and the stamp."""
    umum = ctx.rules.office.office.subbag_umum
    return [m["email"] for m in req.team] + ([umum] if umum else [])


# ---- the letters of the SOP's steps ---------------------------------------------------------
def dispositions(req: Request) -> list[dict]:
    """The dispositions in force: one given again after the step was sent back (REVISI) replaces
    the earlier one of the same official to the same office; `liputan show` keeps the history."""
    latest: dict[tuple, dict] = {}
    for n in req.notes:
        if n.get("kind") == "disposisi":
            latest.pop((n.get("role"), n.get("to")), None)
            latest[(n.get("role"), n.get("to"))] = n
    return list(latest.values())


def make_disposition_sheet(ctx: Context, s: Session, req: Request, name: str, spec: DocumentSpec,
                           pending: Step | None, priority: int = 0) -> Any:
    rows = [{"from": {"role": d["role"], "title": d.get("title", ""),
                      "jabatan": people.jabatan(ctx, d["role"])},
             "to": people.jabatan(ctx, d["to"]), "note": d["note"], "own_note": d.get("own_note"),
             "by": d.get("name"), "at": datetime.fromisoformat(d["at"])} for d in dispositions(req)]
    number = number_for(ctx, s, req, spec, name)
    forward = [people.jabatan(ctx, r) for r in ("sekdis", "kabid", "kasi", "team")]
    context = letter_context.disposition_context(office_data(ctx), request_data(req), rows,
                                                 number, ctx.now(), forward=forward)
    return make(ctx, s, req, name, spec, context, priority=priority)


def make_memo(ctx: Context, s: Session, req: Request, name: str, spec: DocumentSpec, step: Step,
              priority: int = 0) -> Any:
    memo = spec.variant or "team"
    sender_role = step.actors[0]
    recipient_role = step.to or "kadis"
    sender, stitle = ctx.rules.office.holder(sender_role, ctx.local_now().date())
    recipient, rtitle = ctx.rules.office.holder(recipient_role, ctx.local_now().date())
    schedule = planning.schedule_from_json(req.schedule)
    number = number_for(ctx, s, req, spec, name)
    context = letter_context.memo_context(
        office_data(ctx), request_data(req), people.signer_dict(sender, stitle, sender_role),
        people.signer_dict(recipient, rtitle, recipient_role), memo, req.team,
        {"depart": schedule.depart} if schedule else {}, number, ctx.now())
    return make(ctx, s, req, name, spec, context, priority=priority)


def make_spt(ctx: Context, s: Session, req: Request, name: str, spec: DocumentSpec,
             meta: dict | None = None, priority: int = 0) -> Any:
    meta = meta if meta is not None else {"initials": [], "signed": None}
    signed = meta.get("signed")
    if signed:
        signer = signed
    else:
        role = spec.signer or "kadis"
        holder, title = ctx.rules.office.holder(role, ctx.local_now().date())
        signer = people.signer_dict(holder, title, role)
    initials = [{**i, "at": datetime.fromisoformat(i["at"])} for i in meta.get("initials", [])]
    signed_ctx = {**signed, "at": datetime.fromisoformat(signed["at"])} if signed else None
    number = number_for(ctx, s, req, spec, name, signed=bool(signed))
    schedule = planning.schedule_from_json(req.schedule)
    context = letter_context.spt_context(
        office_data(ctx), request_data(req), req.team, number, signer, initials, signed_ctx, ctx.now(),
        {"depart": schedule.depart, "return_by": schedule.return_by} if schedule else None)
    return make(ctx, s, req, name, spec, context, meta=meta, priority=priority)


def make_document(ctx: Context, s: Session, req: Request, sop: Sop, step: Step | None, name: str,
                  meta: dict | None = None, priority: int = 0) -> Document:
    """Build a document by its name in the request's SOP revision; its builder fills it."""
    spec = spec_of(sop, name)
    if spec.builder == "disposition_sheet":
        return make_disposition_sheet(ctx, s, req, name, spec,
                                      step if step and step.mode == "reply" else None, priority)
    if spec.builder == "memo":
        if step is None:
            raise ValueError(f"document {name!r} needs the step that sends it")
        return make_memo(ctx, s, req, name, spec, step, priority)
    return make_spt(ctx, s, req, name, spec, meta, priority)


def original_letter(ctx: Context, s: Session, req: Request) -> list[tuple[str, str, bytes]]:
    """The request letter as it came: its PDF/DOCX/image attachments, else the whole mail."""
    inbound = s.get(Inbound, req.source_inbound_id) if req.source_inbound_id else None
    return _original_files(inbound.raw_path if inbound is not None else None, req.code)


_LETTER_OF = (select(Inbound.raw_path, Request.code).join(Request, Request.source_inbound_id == Inbound.id)
              .where(Request.id == bindparam("request_id")))


def original_letter_of(s: Session, request_id: int) -> list[tuple[str, str, bytes]]:
    """`original_letter` of a request by its id, read in one statement (two columns, no rows
    loaded): what a letter's worker attaches beside it."""
    row = s.execute(_LETTER_OF, {"request_id": request_id}).first()
    return _original_files(row.raw_path, row.code) if row is not None else []


def _original_files(raw_path: str | None, code: str) -> list[tuple[str, str, bytes]]:
    if raw_path is None or not Path(raw_path).is_file():
        return []
    files = _letter_files(Path(raw_path), code)
    if sum(len(f[2]) for f in files) > MAX_LETTER_BYTES:  # a video is no letter to forward
        log.warning("%s: the letter's files are too large to attach (%d bytes)", code,
                    sum(len(f[2]) for f in files))
        return []
    return files


def _letter_files(path: Path, code: str) -> list[tuple[str, str, bytes]]:
    """The letter's files, parsed once: the task mail lists them when the step is entered and
    its worker attaches them moments later (raw mail is written once, never changed in place)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, code)
    found = _LETTERS.get(key)
    if found is not None:
        return list(found)
    raw = path.read_bytes()
    files = [(a.filename, a.content_type, a.data) for a in mime.attachments(mime.parse(raw))
             if a.content_type in LETTER_TYPES and a.data]
    files = files or [(f"Surat-Permohonan-{code}.eml", "message/rfc822", raw)]
    _LETTERS.put(key, tuple(files), sum(len(f[2]) for f in files))  # (one over the budget: not kept)
    return files


def mail_files(ctx: Context, s: Session, req: Request, names: list[str | dict]) -> tuple[list[dict], list[int]]:
    """What a mail attaches, in order, as items for the outbox; and the render jobs it waits on."""
    items: list[dict] = []
    waits: list[int] = []
    for name in names:
        if isinstance(name, dict):  # already an item: a file a job made, a photo's thumbnail
            items.append(name)
        elif name == "surat":
            items.append({"letter": req.id})
        elif name in ("undangan_kalender", "pembatalan_kalender"):
            items += map(outgoing.inline, invitations(ctx, s, req, name == "pembatalan_kalender"))
        else:
            doc = latest(s, req, name)
            if doc is None:
                continue
            items.append({"document": doc.id})
            job = render_job(s, doc) if doc.status == "pending" else None
            if job is not None:
                waits.append(job.id)
    return items, waits


def resolve(ctx: Context, s: Session, item: dict) -> list[tuple[str, str, bytes]]:
    """The files of one attachment item (see mail_files)."""
    if "document" in item:
        doc = s.get(Document, item["document"])
        return attachments(doc) if doc is not None and Path(doc.path).is_file() else []
    if "letter" in item:
        req = s.get(Request, item["letter"])
        return original_letter(ctx, s, req) if req is not None else []
    if "file" in item:  # a file a job made or the team delivered
        path = Path(item["file"])
        return [(item["name"], item["type"], path.read_bytes())] if path.is_file() else []
    if "thumb" in item:  # a small inline copy of a photo, shown in the HTML by its Content-ID
        data = thumbnail(Path(item["thumb"]))
        return [(f"{item['cid'].split('.')[0]}.jpg", f"image/jpeg; cid={item['cid']}", data)] if data else []
    raise ValueError(f"unknown attachment item {item!r}")


def thumbnail(path: Path, size: int = 480) -> bytes | None:
    """A JPEG at most `size` pixels wide or high, turned upright (None if it cannot be read)."""
    from PIL import Image, ImageOps  # here, not in the main process at start (~2 MB)
    try:
        with Image.open(path) as im:
            im.draft("RGB", (size, size))
            im = ImageOps.exif_transpose(im).convert("RGB")
            im.thumbnail((size, size))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=80)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def invitations(ctx: Context, s: Session, req: Request, cancel: bool = False) -> list[tuple[str, str, bytes]]:
    """The team's calendar: the event's own time as the invitation (REQUEST, or CANCEL with the
    same UID and a higher SEQUENCE), and the travel out and back as their own blocks."""
    # icalendar loads with the first invitation, not at start
    from daemon.paperwork import calendar
    schedule = planning.schedule_from_json(req.schedule)
    office = ctx.rules.office.office
    domain = ctx.cfg.from_address.split("@", 1)[1]
    uid, organizer = f"{req.code.lower()}@{domain}", f"Liputan {office.short}"
    spt = latest(s, req, "spt")
    start = req.event_start or (schedule.start if schedule else ctx.now())
    end = req.event_end if req.event_end and not req.until_done else None
    meeting = f"Kantor {office.short}, {office.address}"
    lines = [f"{req.code} - {req.title}",
             "Waktu: " + (indonesian.format_time_range(req.event_start, req.event_end, req.until_done)
                          if req.event_start else "belum diketahui"),
             f"Tempat: {req.location or '-'}", f"Pemohon: {req.requester or req.requester_email}"]
    if req.contact_name or req.contact_phone:
        lines.append(f"Narahubung: {' '.join(x for x in (req.contact_name, req.contact_phone) if x)}")
    if spt is not None and spt.number:
        lines.append(f"SPT Nomor: {spt.number}")
    if schedule is not None:
        lines.append(f"Titik kumpul: {meeting}, {indonesian.format_datetime(schedule.depart)}")
    if req.team:
        lines.append("Tim: " + "; ".join(f"{m['name']} ({m['task']})" for m in req.team))
    method, sequence = ("CANCEL", 1) if cancel else ("REQUEST", 0)
    files = [(f"{req.code}.ics", f"text/calendar; method={method}", calendar.invitation(
        uid=uid, summary=f"Peliputan: {req.title}", start=start, end=end,
        location=req.location or "", description="\n".join(lines),
        organizer_email=ctx.cfg.from_address, organizer_name=organizer,
        attendees=[(m["name"], m["email"]) for m in req.team], sequence=sequence,
        method=method, stamp=ctx.now()))]
    travel = ([("Perjalanan ke lokasi: " + (req.title or ""), schedule.depart, schedule.arrive),
               ("Perjalanan kembali: " + (req.title or ""), schedule.end, schedule.return_by)]
              if schedule is not None else [])
    travel = [t for t in travel if t[2] > t[1]]
    if travel:
        files.append((f"{req.code}-perjalanan.ics", "text/calendar; method=PUBLISH", calendar.blocks(
            uid, travel, meeting, ctx.cfg.from_address, organizer_name=organizer,
            sequence=sequence, cancel=cancel, stamp=ctx.now())))
    return files
