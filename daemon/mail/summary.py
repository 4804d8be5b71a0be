"""Notices held by the hourly limit, sent together as one "Ringkasan pemberitahuan" mail."""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import indonesian
from daemon.core.models import Event, Outbox, Request, utcnow
from daemon.mail import mails, mime, outgoing

CODE_RE = re.compile(r"\[(LPT-\d{4}-\d{3,6})\]", re.IGNORECASE)
RULE = "=" * 70
REFERENCES_KEPT = 20  # a thread's references, newest kept: enough for any client to thread it


def summarise(session: Session, cfg: Any, notices: list[Outbox]) -> Outbox:
    """Queue one summary of `notices` (held, same recipients, oldest first) in the caller's
    transaction, mark each one as sent inside it and say so in its request's history."""
    codes = _codes(session, notices)
    parsed = [mime.parse(bytes(n.raw)) for n in notices]
    one = {c for c in codes if c}
    code = next(iter(one)) if len(one) == 1 and all(codes) else None
    request_ids = {n.request_id for n in notices}
    in_reply_to, references = _threading(parsed) if code else (None, [])
    subject = (f"[{code}] " if code else "") + f"Ringkasan pemberitahuan ({len(notices)} pemberitahuan)"
    text = body(cfg, notices, codes, parsed, code)
    attachments = [(f"pemberitahuan-{i}.eml", "message/rfc822", bytes(n.raw))
                   for i, (n, msg) in enumerate(zip(notices, parsed), 1) if _has_files(msg)]
    row = outgoing.enqueue(session, kind="summary", sender=cfg.smtp.from_, to=list(notices[0].recipients),
                           subject=subject, text=text, html=mails.text_to_html(text),
                           attachments=attachments,
                           request_id=next(iter(request_ids)) if len(request_ids) == 1 else None,
                           in_reply_to=in_reply_to, references=references,
                           message_id=outgoing.make_message_id(cfg.office.domain, "ringkasan"))
    to = ", ".join(row.recipients)
    for n in notices:
        n.status, n.summary_id = "summarised", row.id
        if n.request_id is not None:
            session.add(Event(request_id=n.request_id, kind="summarised", message_id=n.message_id,
                              note=f"dikirim dalam ringkasan pemberitahuan kepada {to} "
                                   f"({row.message_id}): {n.subject}"))
    session.flush()
    return row


def body(cfg: Any, notices: list[Outbox], codes: list[str | None], parsed: list[Message],
         code: str | None) -> str:
    """The summary's text: why, the list (subject, code, time), then each notice in full."""
    n = len(notices)
    listing = [f"{i:>3}. {s.subject}" + (f" (kode {c})" if c and not code else "")
               + f"\n     {indonesian.format_datetime(s.created_at)}"
               for i, (s, c) in enumerate(zip(notices, codes), 1)]
    reply = (f"Untuk menanggapi, cukup balas surel ini tanpa mengubah kode {code} pada subjek."
             if code else "Untuk menanggapi salah satu pemberitahuan, mohon kirim balasan dengan "
             "mencantumkan kode permohonannya pada subjek, misalnya [" + next(
                 (c for c in codes if c), "LPT-2026-0001") + "].")
    parts = ["Yth. Bapak/Ibu,", "",
             f"Agar kotak surat Bapak/Ibu tidak dipenuhi surel, sistem Liputan mengirimkan paling "
             f"banyak {cfg.outbox.per_address_per_hour} pemberitahuan dalam satu jam ke satu alamat. "
             f"Sebanyak {n} pemberitahuan berikut kami satukan dalam ringkasan ini:", "",
             *listing, "",
             "Isi lengkap setiap pemberitahuan tercantum di bawah ini sesuai urutan di atas"
             + ("; pemberitahuan yang memuat lampiran kami sertakan utuh sebagai lampiran surel ini."
                if any(_has_files(m) for m in parsed) else "."),
             reply, ""]
    for i, (s, c, msg) in enumerate(zip(notices, codes, parsed), 1):
        parts += [RULE, f"{i}. {s.subject}", f"   Kode  : {c or '-'}",
                  f"   Waktu : {indonesian.format_datetime(s.created_at)}", RULE, "",
                  (mime.body_text(msg) or "(tanpa isi teks)").strip(), ""]
    parts += [RULE, "", "Hormat kami,", cfg.office.name, "", "Surel ini dikirim otomatis oleh Liputan."]
    return "\n".join(parts) + "\n"


def _codes(session: Session, notices: list[Outbox]) -> list[str | None]:
    """Each notice's request code: its request's, else the tag in its subject."""
    ids = {n.request_id for n in notices if n.request_id is not None}
    known = dict(session.execute(select(Request.id, Request.code).where(Request.id.in_(ids))).all()) if ids else {}
    out: list[str | None] = []
    for n in notices:
        m = CODE_RE.search(n.subject or "")
        out.append(known.get(n.request_id) or (m.group(1).upper() if m else None))
    return out


def _threading(parsed: list[Message]) -> tuple[str | None, list[str]]:
    """In-Reply-To when every notice answers the same message; the thread's References, in order."""
    answers = {mime.header(m, "In-Reply-To").strip() for m in parsed}
    refs: list[str] = []
    for m in parsed:
        for ref in mime.message_ids(mime.header(m, "References") + " " + mime.header(m, "In-Reply-To")):
            if ref not in refs:
                refs.append(ref)
    single = next(iter(answers)) if len(answers) == 1 and "" not in answers else None
    return single, refs[-REFERENCES_KEPT:]


def _has_files(msg: Message) -> bool:
    return any(part.get_content_disposition() == "attachment" for part in msg.walk())


def mark_sent(session: Session, summary: Outbox) -> None:
    """The notices a sent summary carried are sent too (retention and the archive read sent_at)."""
    for n in session.scalars(select(Outbox).where(Outbox.summary_id == summary.id)):
        n.sent_at = summary.sent_at or utcnow()


def mark_failed(session: Session, summary: Outbox) -> int:
    """A summary that failed for good sent none of its notices: each is failed too, with the
    summary's error as its reason (`liputan status` counts it), and its request's history says
    so. Returns how many notices it carried."""
    now = utcnow()
    notices = list(session.scalars(select(Outbox).where(Outbox.summary_id == summary.id,
                                                        Outbox.status == "summarised")))
    to = ", ".join(summary.recipients)
    for n in notices:
        n.status, n.next_attempt_at, n.sent_at = "failed", now, None
        n.last_error = (f"its summary {summary.message_id} to {to} failed for good: "
                        f"{summary.last_error}")[:2000]
        if n.request_id is not None:
            session.add(Event(request_id=n.request_id, time=now, kind="failed", actor="system",
                              message_id=n.message_id,
                              note=f"pemberitahuan tidak terkirim: ringkasan pemberitahuan kepada {to} "
                                   f"({summary.message_id}) gagal dikirim ({summary.last_error}): "
                                   f"{n.subject}"[:2000]))
    return len(notices)
