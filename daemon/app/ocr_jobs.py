"""OCR off the mail path: a letter whose scans are not in the OCR cache waits ('waiting') while an
`ocr` job reads them outside any transaction; when the job ends, well or for good badly, the
message is 'new' again and the dispatcher reads it once more, from the cache (or without the text
it could not get: the request then asks the sender for what is missing, as for any letter)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.jobs import ClaimedJob, PermanentJobError, enqueue
from daemon.core.models import Inbound, Job
from daemon.mail import mails, mime
from daemon.mail.inbound_claim import WAITING, resume_waiting
from daemon.reading.documents import run_ocr
from daemon.reading.ocr import OcrCache, OcrPart, OcrUnreadable

log = logging.getLogger("daemon.app.ocr_jobs")
KIND = "ocr"
MAX_ATTEMPTS = 3  # 10 s and 20 s apart: a broken Tesseract delays a letter by about half a minute
FINISHED = ("done", "failed", "cancelled")


def cache_of(ctx: Context) -> OcrCache:
    return OcrCache.under(ctx.cfg.state_dir)


def key(inbound_id: int) -> str:
    return f"ocr:{inbound_id}"


def job_of(s: Session, inbound_id: int) -> Job | None:
    return s.scalars(select(Job).where(Job.key == key(inbound_id))).first()


def should_wait(ctx: Context, s: Session, inbound: Inbound, parts: list[OcrPart]) -> bool:
    """True when the message must wait for OCR of `parts`: the job is queued now (in the caller's
    transaction) or still running. False once this message's OCR job has ended: read on without
    what it could not give."""
    if not parts:
        return False
    job = job_of(s, inbound.id)
    if job is not None and job.state in FINISHED:
        log.warning("inbound %d: read without OCR text of %s (OCR job %d %s)", inbound.id,
                    ", ".join(p.filename for p in parts), job.id, job.state)
        return False
    if job is None:
        enqueue(s, KIND, {"inbound_id": inbound.id, "raw_path": inbound.raw_path,
                          "parts": [p.as_dict() for p in parts]},
                key=key(inbound.id), run_at=ctx.now(), max_attempts=MAX_ATTEMPTS)
    return True


def stranded(s: Session) -> list[int]:
    """Waiting messages whose OCR job ended without making them new again (the worker died on
    the last try, so the job was given up without its on_failed), or has vanished."""
    ids = list(s.scalars(select(Inbound.id).where(Inbound.status == WAITING)))
    if not ids:
        return []
    keys = {key(i): i for i in ids}
    live = set(s.scalars(select(Job.key).where(Job.key.in_(list(keys)),
                                               Job.state.not_in(FINISHED))))
    return [i for k, i in keys.items() if k not in live]


def waiting_reason(parts: list[OcrPart]) -> str:
    return "menunggu OCR: " + ", ".join(p.filename or p.sha256[:12] for p in parts)


def run(ctx: Context, job: ClaimedJob) -> dict[str, Any]:
    """The slow part, outside any transaction: OCR the parts and fill the cache."""
    try:
        parts = [OcrPart.from_dict(p) for p in job.payload.get("parts") or []]
        raw = Path(job.payload["raw_path"]).read_bytes()
    except (OcrUnreadable, KeyError, TypeError, FileNotFoundError) as exc:
        raise PermanentJobError(f"bad OCR job: {exc}") from exc
    try:
        return run_ocr(mime.parse(raw), parts, cache_of(ctx))
    except OcrUnreadable as exc:
        raise PermanentJobError(str(exc)) from exc


def done(ctx: Context, s: Session, job: ClaimedJob, result: dict[str, Any]) -> None:
    """In the transaction that marks the job done: the message is read again, with the text."""
    inbound_id = job.payload.get("inbound_id")
    if inbound_id is not None and not resume_waiting(s, inbound_id, "OCR selesai; dibaca ulang"):
        log.info("OCR job %d done; inbound %s was no longer waiting", job.id, inbound_id)


def failed(ctx: Context, s: Session, job: ClaimedJob, error: str) -> None:
    """OCR failed for good: the message is read again without that text, and the operator told."""
    inbound_id = job.payload.get("inbound_id")
    if inbound_id is not None:
        resume_waiting(s, inbound_id, f"OCR gagal, dibaca tanpa teks hasil OCR: {error[:300]}")
    row = s.get(Inbound, inbound_id) if inbound_id is not None else None
    names = ", ".join(str(p.get("filename") or "-") for p in job.payload.get("parts") or [])
    mails.send(s, ctx.cfg, "alert", to=[ctx.cfg.office.operator],
               heading="OCR lampiran gagal",
               message=f"Lampiran hasil pindai ({names or '-'}) pada pesan "
                       f"{row.message_id if row else inbound_id} dari {row.from_addr if row else '-'} "
                       "tidak dapat dibaca dengan OCR. Pesan tetap diproses tanpa teks tersebut; "
                       "bila datanya kurang, pengirim akan diminta melengkapinya.",
               lines=[f"Pekerjaan: ocr (#{job.id})", f"Galat: {error[:500]}"])
