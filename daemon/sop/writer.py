"""Effects written as rows: letters numbered and queued for rendering, jobs queued, mail
written to the outbox (waiting for the letters it carries); and what a finished job releases."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from daemon.core import db, jobs
from daemon.core.context import Context
from daemon.core.models import Document, Event, Job, Outbox, Request, utcnow
from daemon.mail import mails, outgoing
from daemon.paperwork import letters
from daemon.sop import documents, people
from daemon.sop.effects import Effects, Letter, Mail
from daemon.sop.effects import Job as JobEffect
from daemon.sop.run import sop_of

log = logging.getLogger("daemon.engine")


def write_effects(ctx: Context, s: Session, req: Request | None, fx: Effects,
                  priority: int = 0) -> None:
    """Write every effect, in order, in the caller's transaction; `priority` ranks its jobs
    (a reply's next letter before a backlog of new ones)."""
    # a request on record: its new rows (task, jobs, mail) as plain INSERTs, one per table, at
    # the end (nothing below reads them back); a new request's with its batch's flush
    rows = on_record(req)
    try:
        for effect in fx.drain():
            if isinstance(effect, Letter):
                documents.make_document(ctx, s, req, sop_of(ctx, s, req), effect.step, effect.name,
                                        effect.meta, priority)
            elif isinstance(effect, JobEffect):
                jobs.enqueue(s, effect.kind, effect.payload, key=effect.key,
                             request_id=req.id if req else None, run_at=effect.run_at or ctx.now(),
                             priority=priority, fresh=effect.fresh, flush=False, defer=rows)
            elif isinstance(effect, Mail):
                _mail(ctx, s, req, _numbered(s, req, effect), rows)
        db.write_deferred(s)
    except BaseException:
        db.drop_deferred(s)
        raise


def on_record(req: Request | None) -> bool:
    """Whether the request is written already (its new rows may then be plain INSERTs)."""
    return req is not None and inspect(req).persistent


def _greeted(ctx: Context, m: Mail) -> Mail:
    """A mail to one reader that leaves its greeting open (a cancellation or reschedule notice,
    an escalation) greets them by name when the roster holds them, as the task mails do."""
    if m.values.get("greeting", "") is not None or len(m.to) != 1:
        return m
    found = people.addressed(ctx, m.to[0])
    return dataclasses.replace(m, values={**m.values, **found}) if found else m


def _mail(ctx: Context, s: Session, req: Request | None, m: Mail, rows: bool = False) -> None:
    m = _greeted(ctx, m)
    items, waits = documents.mail_files(ctx, s, req, m.attach) if req and m.attach else ([], [])
    # written with the transaction's next flush: one for all of an event's rows
    common = dict(to=m.to, cc=m.cc, request_id=req.id if req else None, message_id=m.message_id,
                  in_reply_to=m.in_reply_to, references=m.references, flush=False, defer=rows)
    if waits:
        values = _listing(m, file_names(ctx, s, items))
        mails.send(s, ctx.cfg, m.template, waits_on=waits, pending=items, **common, **values)
        return
    files = outgoing.expand(items, lambda item: documents.resolve(ctx, s, item))
    values = _listing(m, [f[0] for f in files])
    mails.send(s, ctx.cfg, m.template, attachments=files, **common, **values)


def _listing(m: Mail, names: list[str]) -> dict:
    """The task mail lists its attachments by name."""
    return {**m.values, "files": names} if m.template == "task" else m.values


def _numbered(s: Session, req: Request | None, m: Mail) -> Mail:
    """The assignment names the SPT's number, which the signature gives in a letter written just
    before it in the same effects (the mail's values were taken before that row existed)."""
    if m.template != "assignment" or req is None or m.values.get("spt_number"):
        return m
    spt = documents.latest(s, req, "spt")
    if spt is None or not spt.number:
        return m
    return dataclasses.replace(m, values={**m.values, "spt_number": spt.number})


def file_names(ctx: Context, s: Session, items: list[dict]) -> list[str]:
    """The names of a mail's attachments, as the mail's text lists them."""
    out: list[str] = []
    for item in items:
        if "document" in item:
            doc = documents.document(s, item["document"])
            path = Path(doc.path)
            pdf = (doc.status == "pending" and letters.office_binary()) or (doc.pdf_path and doc.status == "ready")
            out.append(documents.shown_name(path, ".pdf" if pdf else ".docx"))
        elif "letter" in item:  # (read without flushing: the rows of this step go at its end)
            with s.no_autoflush:
                out += [f[0] for f in documents.original_letter_of(s, item["letter"])]
        else:
            out.append(item["name"])
    return out


# ---- jobs finishing --------------------------------------------------------------------------
# statements built once (their cache keys too): a backlog records one letter after another
DOCUMENT = Document.__table__
_READY = (update(DOCUMENT).where(DOCUMENT.c.id == bindparam("doc_id"))
          .values(status="ready", pdf_path=bindparam("pdf_path"))
          .returning(DOCUMENT.c.request_id, DOCUMENT.c.kind, DOCUMENT.c.version))
OUTBOX = Outbox.__table__
_WAITING = (select(OUTBOX.c.id, OUTBOX.c.waits_on, OUTBOX.c.parts)
            .where(OUTBOX.c.status == "waiting", OUTBOX.c.request_id == bindparam("request_id"))
            .order_by(OUTBOX.c.id).with_for_update())
_RELEASE = (update(OUTBOX).where(OUTBOX.c.id == bindparam("row_id"))
            .values(raw=bindparam("raw"), status="queued", parts=None,
                    next_attempt_at=bindparam("next_attempt_at")))
_WAITING_NOW = select(OUTBOX.c.id, OUTBOX.c.waits_on, OUTBOX.c.parts).where(
    OUTBOX.c.status == "waiting", OUTBOX.c.request_id == bindparam("request_id"))  # (not locked)
_STATES = select(Job.state).where(Job.id.in_(bindparam("ids", expanding=True)))
_NOTE = insert(Event.__table__).values(
    request_id=bindparam("request_id"), time=bindparam("time"), actor="system", kind="document",
    note=bindparam("note"),
    step=select(Request.step).where(Request.id == bindparam("request_id")).scalar_subquery())


def letter_rendered(ctx: Context, s: Session, job: Job | object, result: dict,
                    built: dict[int, tuple[dict, bytes]] | None = None) -> None:
    """A letter's render job finished: the document is ready; mail waiting for it goes out
    (`built`: by outbox id, the parts a message was built from elsewhere and its bytes)."""
    doc_id = result.get("document_id") or job.payload["document_id"]
    # one UPDATE on the connection (a document this session holds is read again): no row loaded,
    # none flushed
    doc = s.connection().execute(_READY, {"doc_id": doc_id, "pdf_path": result.get("pdf")}).first()
    held = s.identity_map.get(identity_key(Document, doc_id))
    if held is not None:  # a Document this session holds: read again when next used
        s.expire(held)
    if doc is None or doc.request_id is None:
        return
    if result.get("pdf_note"):  # one INSERT: the request's step read inside it, no row loaded
        s.connection().execute(_NOTE, {"request_id": doc.request_id, "time": ctx.now(),
                                       "note": f"{doc.kind} v{doc.version}: {result['pdf_note']}"})
    release_waiting(ctx, s, doc.request_id, built, finished=getattr(job, "id", None))


def release_waiting(ctx: Context, s: Session, request_id: int | None,
                    built: dict[int, tuple[dict, bytes]] | None = None,
                    finished: int | None = None) -> int:
    """Queue every waiting mail of the request whose jobs have all finished (as built already
    when `built` holds it from the parts it still has); `finished`: a job this transaction
    marked done (its state is not read again)."""
    released = 0
    # locked, in id order: when two of the request's letters finish at once (two job runners),
    # the second one waits here and then sees the first as done, so one of them releases the mail
    # read and queued as plain rows (no Outbox object, nothing for the unit of work to flush)
    s.flush()  # (what this session changed, as a query's autoflush would; usually nothing)
    conn = s.connection()
    for row in conn.execute(_WAITING, {"request_id": request_id}).all():
        others = [j for j in row.waits_on or [] if j != finished]
        states = set(conn.execute(_STATES, {"ids": others}).scalars()) if others else set()
        if states <= {"done", "failed", "cancelled"}:
            parts, raw = (built or {}).get(row.id, (None, b""))
            held = s.identity_map.get(identity_key(Outbox, row.id))
            if raw and parts == row.parts:  # as a worker built it: one plain UPDATE
                conn.execute(_RELEASE, {"row_id": row.id, "raw": raw, "next_attempt_at": utcnow()})
                if held is not None:  # an Outbox this session holds: read again when next used
                    s.expire(held)
            else:  # built here (no worker built it, or from other parts)
                outgoing.release(s, held if held is not None else s.get(Outbox, row.id),
                                 lambda item: documents.resolve(ctx, s, item))
            released += 1
    return released


def mails_for(ctx: Context, factory: sessionmaker[Session], job: Job | object) -> list[dict]:
    """The waiting mail a render job's worker can build (see render.render_docx_and_mail): each
    that waits for this job alone, its files this letter's .docx and files already made; with
    the parts as stored (`stored`), which the release compares. The letter is known from the
    job (its payload names the document and its file, the job its request): no row loaded."""
    doc_id, out = job.payload.get("document_id"), job.payload.get("out")
    request_id = getattr(job, "request_id", None)
    if doc_id is None or out is None or request_id is None:
        return []
    with db.reading(factory) as s:  # beside the writers: no write lock to queue for
        rows = s.connection().execute(_WAITING_NOW, {"request_id": request_id}).all()  # plain rows
        out_rows = []
        for row in rows:
            items = _ready_items(s, doc_id, Path(out), row) if row.waits_on == [job.id] else None
            if items is not None:
                out_rows.append({"id": row.id, "parts": {**row.parts, "items": items}, "stored": row.parts})
        return out_rows


def _ready_items(s: Session, doc_id: int, path: Path, row: Any) -> list[dict] | None:
    """A waiting mail's items with everything but this letter resolved (None: one is not ready)."""
    items: list[dict] = []
    for item in (row.parts or {}).get("items", []):
        if item.get("document") == doc_id:
            items.append({"rendered": documents.shown_name(path, ".docx"), "type": documents.DOCX})
        elif "b64" in item:
            items.append(item)
        elif "letter" in item:  # as bytes: the worker gets them pickled, no base64 both ways
            items += [{"name": n, "type": t, "data": d}
                      for n, t, d in documents.original_letter_of(s, item["letter"])]
        else:
            return None
    return items


def job_failed(ctx: Context, s: Session, job: Job | object, error: str) -> None:
    """A job failed for good: recorded in the request's history, the operator alerted, and the
    mail that waited for it released without it."""
    request_id = getattr(job, "request_id", None)
    if job.kind == "render_letter":
        doc = s.get(Document, job.payload.get("document_id"))
        if doc is not None:
            doc.status = "failed"
    if request_id is not None:
        s.add(Event(request_id=request_id, time=ctx.now(), step=None, actor="system", kind="failed",
                    note=f"pekerjaan {job.kind} gagal: {error[:300]}"))
    mails.send(s, ctx.cfg, "alert", to=[ctx.cfg.office.operator], request_id=request_id,
               heading=f"Pekerjaan latar gagal: {job.kind}",
               message="Sebuah pekerjaan latar Liputan gagal dan tidak akan dicoba lagi.",
               lines=[f"Pekerjaan: {job.kind} (#{job.id})", f"Galat: {error[:500]}"])
    release_waiting(ctx, s, request_id)
