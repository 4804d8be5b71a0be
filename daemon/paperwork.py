"""A request's letters: numbered once (gap-free, per year), rendered as new versions, attached."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon import db, letters
from daemon.context import Context
from daemon.models import Document, Request

log = logging.getLogger("daemon.letters")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# document kind -> (template, numbering sequence, file name stem)
KINDS = {
    "lembar_disposisi": (letters.DISPOSISI_TEMPLATE, "disposisi", "Lembar-Disposisi"),
    "nota_dinas_tim": (letters.NOTA_DINAS_TEMPLATE, "nota_dinas", "Nota-Dinas-Tim-Peliputan"),
    "nota_dinas_spt": (letters.NOTA_DINAS_TEMPLATE, "nota_dinas", "Nota-Dinas-Pengajuan-SPT"),
    "spt": (letters.SPT_TEMPLATE, "spt", "SPT"),
}


def latest(s: Session, req: Request, kind: str) -> Document | None:
    return s.scalars(select(Document).where(Document.request_id == req.id, Document.kind == kind)
                     .order_by(Document.version.desc()).limit(1)).first()


def number_for(ctx: Context, s: Session, req: Request, kind: str) -> str:
    """The letter's number: reused across versions, else the next of its yearly sequence."""
    prev = latest(s, req, kind)
    if prev is not None and prev.number:
        return prev.number
    seq_name = KINDS[kind][1]
    when = ctx.local_now().date()
    seq = db.next_value(s, seq_name, when.year)
    pattern = getattr(ctx.rules.office.numbering, seq_name)
    return letters.format_number(pattern, seq, when)


def make(ctx: Context, s: Session, req: Request, kind: str, context: dict[str, Any],
         meta: dict[str, Any] | None = None) -> Document:
    """Render a new version of a request's letter; `context` comes from daemon.letter_context's builders."""
    template, _, stem = KINDS[kind]
    prev = latest(s, req, kind)
    version = (prev.version + 1) if prev else 1
    out = ctx.documents_dir / req.code / f"{stem}-{req.code}-v{version}.docx"
    letters.render(template, context, out)
    pdf = letters.render_pdf(out) if letters.office_binary() else None  # optional PDF copy
    doc = Document(request_id=req.id, kind=kind, number=context.get("number"), version=version,
                   path=str(out), meta=meta if meta is not None else (dict(prev.meta) if prev else {}),
                   created_at=ctx.now())
    s.add(doc)
    s.flush()
    log.info("%s: %s v%d rendered (%s)%s", req.code, kind, version, doc.number,
             " with a PDF copy" if pdf else "")
    return doc


def attachments(doc: Document) -> list[tuple[str, str, bytes]]:
    """The .docx, and its PDF copy when LibreOffice made one."""
    path = Path(doc.path)
    out = [(path.name, DOCX, path.read_bytes())]
    pdf = path.with_suffix(".pdf")
    if pdf.is_file():
        out.append((pdf.name, "application/pdf", pdf.read_bytes()))
    return out


def request_data(req: Request) -> dict[str, Any]:
    """The request as the letter builders want it."""
    return {"code": req.code, "title": req.title, "start": req.event_start, "end": req.event_end,
            "until_done": req.until_done, "location": req.location, "requester": req.requester,
            "letter_number": req.letter_number, "letter_date": req.letter_date,
            "subject": req.subject or req.title, "received": req.created_at}


def when(value: Any) -> datetime | None:
    """A datetime from its stored ISO form."""
    if isinstance(value, datetime) or value is None:
        return value
    return datetime.fromisoformat(value)
