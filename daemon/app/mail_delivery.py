"""Coverage results delivered by mail: a team member answers the assignment (or a request for
what is missing) with the news text and photos attached; each file is checked like one dropped
in the shared folder, and the sender is told what was received, refused, or belongs in the folder."""

from __future__ import annotations

from daemon.core.context import Context
from daemon.core.models import DeliveryFile, Inbound, Request
from daemon.delivery import intake
from daemon.mail import mails, mime
from daemon.reading import quotes
from daemon.sop import engine, results
from daemon.sop.run import Run

STEPS = ("coverage", "report")  # the kinds of step at which the team hands in
NEWS_FROM_BODY = "berita-dari-surel.txt"


def expected(ctx: Context, s, req: Request, sender: str) -> bool:
    """Whether a message from `sender` may be a delivery: a team member, at a handing-in step."""
    if req.state != "open" or req.step is None or sender not in {m["email"] for m in req.team or []}:
        return False
    return Run.of(ctx, s, req).step(req.step).kind in STEPS


def receive(ctx: Context, s, inbound: Inbound, msg, req: Request, sender: str) -> bool:
    """Record the message's files for the request and tell the sender what came of each; False
    when the message carries nothing to hand in (it is then read as any other message)."""
    files = [a for a in mime.attachments(msg) if a.data]
    text = (quotes.own_text(msg) or "").strip()
    body_is_news = not any(_news_name(a.filename) for a in files) and len(text.splitlines()) >= 3
    if not files and not body_is_news:
        return False
    rows = [intake.record_attachment(s, ctx.cfg.state_dir, req.id, a.filename, a.data, sender,
                                     inbound.message_id) for a in files]
    if body_is_news:
        rows.append(intake.record_attachment(s, ctx.cfg.state_dir, req.id, NEWS_FROM_BODY,
                                             text.encode("utf-8"), sender, inbound.message_id))
    for r in rows:
        r.created_at = ctx.now()  # the office clock the request's steps compare with
    taken = [r for r in rows if r.status == "accepted"]
    refused = [r for r in rows if r.status != "accepted"]
    if taken:
        engine.delivered(ctx, s, req, "diterima melalui surel dari " + sender + ": "
                         + ", ".join(f"{r.name} ({r.kind})" for r in taken))
    if refused:
        engine.record(ctx, s, req, "quarantined", actor=sender, message_id=inbound.message_id,
                      note="; ".join(f"{r.name}: {r.reason}" for r in refused))
    mails.send(s, ctx.cfg, "notice", to=[sender], in_reply_to=inbound.message_id, request_id=req.id,
               r=req, tag=mails.tag(req.code), office=ctx.rules.office, greeting="Tim Peliputan",
               heading="Hasil liputan diterima" if taken else "Hasil liputan belum dapat diterima",
               message=_answer(ctx, req, taken, refused, sum(len(a.data) for a in files)), lines=[])
    return True


def _news_name(name: str) -> bool:
    return name.lower().endswith((".docx", ".txt", ".md"))


def _answer(ctx: Context, req: Request, taken: list[DeliveryFile], refused: list[DeliveryFile],
            size: int) -> str:
    lines = []
    if taken:
        lines.append("Berkas hasil liputan berikut telah kami terima: "
                     + ", ".join(r.name for r in taken) + ".")
    if refused:
        lines.append("Berkas berikut tidak dapat kami terima: "
                     + "; ".join(f"{r.name} ({r.reason})" for r in refused) + ".")
    folder = results.shown_folder(ctx, req)
    if size > ctx.cfg.delivery.max_mail_mb * 1024 * 1024 or refused:
        lines.append("Untuk video dan berkas berukuran besar, yang sering ditolak server surel, "
                     f"mohon simpan ke folder bersama: {folder}")
    return " ".join(lines)
