"""What one stored message means: a reply to a step, a new letter, a bounce or an auto-reply,
handed to intake or the workflow engine in the dispatcher's transaction (batching, claims and
failures are the dispatcher's)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.app import mail_delivery, ocr_jobs, prereading, sender_checks
from daemon.app.outcome import Outcome
from daemon.core import lexicon, logctx
from daemon.core import quarantine_reasons as reasons
from daemon.core.models import Inbound, Outbox, Request, Task, utcnow
from daemon.core.types import Classification, RequestFacts
from daemon.mail import mails, mime
from daemon.mail.inbound_claim import WAITING
from daemon.reading import budget, quotes, replies
from daemon.reading.extract import complete_from_reply, extract_requests
from daemon.reading.ocr import OcrSource
from daemon.sop import away, changes, engine, people, publishing, requests

log = logging.getLogger("daemon.app.dispatcher")
MAX_ANSWERS_PER_HOUR = 5
# our mail that asks for no decision: a reply to it is recorded, never applied to a step
INFORMATIONAL = ("notice", "escalation", "assignment", "ack", "rejected", "forged", "alert", "results_missing",
                 "results_revise", "social_package", "press", "summary", "away", "refused_files")


def locked(s: Session, request_id: int | None) -> Request | None:
    """The request, its row locked until the transaction ends: two instances handling two
    replies to one request (e.g. the same decision sent twice) take turns, and the second
    sees the step the first one closed (PostgreSQL; SQLite has one writer anyway)."""
    if request_id is None:
        return None
    return s.get(Request, request_id, with_for_update=True, populate_existing=True)


class MessageHandling:
    """The dispatcher's reading of one message in its transaction (mixed into Dispatcher, whose
    `ctx`, `factory`, `pre` and `unread` it uses)."""

    def handle(self, s: Session, inbound: Inbound) -> tuple[str, str, str]:
        ctx = self.ctx
        if self.pre.inbound_id != inbound.id:  # called without handle_id: read it now
            self.pre = budget.prepare(Path(inbound.raw_path).read_bytes(), ctx.cfg.reading, ctx.cfg.office.domain)
            self.pre.inbound_id = inbound.id
        if self.pre.over:
            return prereading.over_budget(ctx, s, inbound, self.pre)
        msg, c = self.pre.msg, self.pre.c
        display, sender = mime.address(msg)
        try:
            if sender and sender == ctx.cfg.from_address:
                raise Outcome("ignored", "our own message came back (mail loop)")
            if c.kind == "bounce":
                self.bounce(s, inbound, c)
            if c.kind == "auto_reply":
                self.auto_reply(s, inbound, msg, c, sender)
            if c.kind == "list":
                raise Outcome("ignored", f"mailing list or newsletter: {c.reason}")
            task, req = self.correlate(s, msg, c, sender)
            if req is not None:
                logctx.set_code(req.code)
                self.answer_thread(s, inbound, msg, c, task, req, display, sender)
            self.new_letter(s, inbound, msg, c, sender)
        except Outcome as out:
            return out.status, c.kind, out.reason
        return "done", c.kind, "handled"

    def correlate(self, s: Session, msg, c: Classification, sender: str) -> tuple[Task | None, Request | None]:
        """The step (task) or request a message answers: by Message-ID references, then by tag."""
        refs = c.references or mime.message_ids(mime.header(msg, "In-Reply-To") + " "
                                                + mime.header(msg, "References"))
        if refs:
            task = s.scalars(select(Task).where(Task.message_id.in_(refs))
                             .order_by(Task.id.desc()).limit(1)).first()
            if task is not None:
                req = locked(s, task.request_id)
                s.refresh(task)  # as it is now that no one else can decide on the request
                return task, req
            out = s.scalars(select(Outbox).where(Outbox.message_id.in_(refs),
                                                 Outbox.request_id.is_not(None)).limit(1)).first()
            req = locked(s, out.request_id if out else s.scalars(
                select(Request.id).where(Request.thread_id.in_(refs)).limit(1)).first())
            if req is not None and out is not None and out.kind in INFORMATIONAL:
                return None, req  # "ok" to a notice is an acknowledgement, not a decision
            if req is not None:
                return self.open_task_of(s, req, sender), req
        if c.tag:
            req = locked(s, s.scalars(select(Request.id).where(Request.code == c.tag.upper())).first())
            if req is not None:
                return self.open_task_of(s, req, sender), req
        return None, None

    @staticmethod
    def open_task_of(s: Session, req: Request, sender: str) -> Task | None:
        for t in engine.open_tasks(s, req):
            if sender in t.who:
                return t
        return None

    # ---- replies -------------------------------------------------------------------------------
    def answer_thread(self, s, inbound, msg, c, task, req, display, sender) -> None:
        ctx = self.ctx
        inbound.request_id = req.id
        mid = inbound.message_id
        if task is None or sender not in task.who:
            sender_checks.forgery(self, s, req, display, sender, mid)
            sender_checks.role_name(self, s, req, display, sender, mid)
            if mail_delivery.expected(ctx, s, req, sender) and \
                    mail_delivery.receive(ctx, s, inbound, msg, req, sender):
                raise Outcome("done", "coverage results delivered by mail")
            if sender == req.requester_email:
                self.from_requester(s, inbound, msg, req, task)
            waiting = self.open_task_of(s, req, sender)
            if waiting is not None:  # an official answering a notice, not the step's own mail
                engine.record(ctx, s, req, "ignored", actor=sender, message_id=mid,
                                note="balasan atas surel pemberitahuan; tidak dianggap keputusan")
                self.answer(s, req, sender, mid, "Balasan Bapak/Ibu atas surel pemberitahuan telah "
                            "kami catat. Untuk memberi keputusan, mohon balas surel permohonan "
                            "tindakan yang kami kirimkan sebelumnya kepada Bapak/Ibu.")
                raise Outcome("done", "reply to a notice from an official with an open step; recorded")
            engine.record(ctx, s, req, "ignored", actor=sender, message_id=mid,
                            note="balasan dari pengirim yang tidak sedang ditunggu")
            self.answer(s, req, sender, mid, "Permohonan ini tidak sedang menunggu tindakan dari "
                        "alamat surel Bapak/Ibu, sehingga balasan ini hanya kami catat.")
            raise Outcome("done", "reply from someone the request is not waiting for; recorded")
        reading = self.pre.reading(task.message_id) or replies.read_reply(
            msg, ctx.lexicon, s.scalars(select(Outbox).where(Outbox.message_id == task.message_id)).first(),
            prereading.signer_names(ctx, msg))
        if task.status != "open":
            engine.record(ctx, s, req, "ignored", step=task.step, actor=sender, message_id=mid,
                            note=f"balasan untuk langkah yang sudah {task.status}")
            if task.status == "closed" and task.decision == reading.decision:
                reason = ("Keputusan Bapak/Ibu atas surel tersebut sudah kami catat "
                          "sebelumnya, sehingga balasan ini tidak perlu dikirim ulang.")
            else:
                reason = ("Permohonan tindakan yang Bapak/Ibu balas sudah ditutup atau digantikan "
                          "oleh surel yang lebih baru, sehingga balasan ini tidak kami terapkan.")
            self.answer(s, req, sender, mid, reason + self.where_now(s, req))
            raise Outcome("done", f"reply to a {task.status} step; recorded, not applied")
        sender_checks.authentication(self, s, msg, req, task, sender, mid)
        if task.role == "requester":
            self.complete(s, inbound, msg, req, task)
        if lexicon.pattern(r"^\W*{}", "delegate").match(reading.text or ""):
            result = engine.delegate(ctx, s, task, actor=sender, message_id=mid)
            if result == "delegated":
                raise Outcome("done", "delegated to the acting official")
        decision = engine.interpret(ctx, s, task, reading)
        if decision is None:
            engine.record(ctx, s, req, "ignored", step=task.step, actor=sender, message_id=mid,
                            note="keputusan tidak jelas")
            self.answer(s, req, sender, mid, replies.explain(reading))
            raise Outcome("done", "no clear decision; sender told what to write")
        result = engine.decide(ctx, s, task, decision, reading.note, actor=sender,
                                 message_id=mid, reply_text=reading.text)
        raise Outcome("done", f"decision {decision} on step {task.step}: {result}")

    def where_now(self, s: Session, req: Request) -> str:
        if req.state != "open":
            state = {"rejected": "ditolak", "cancelled": "dibatalkan", "done": "selesai"}
            return f" Permohonan ini sudah {state.get(req.state, req.state)}."
        waiting = [people.described(self.ctx, t.who[0]) for t in engine.open_tasks(s, req)]
        return f" Saat ini permohonan menunggu tindakan {', '.join(waiting)}." if waiting else ""

    def known(self, req, address: str) -> bool:
        """Whether the request may speak to `address`: an official (or acting one), a staff member,
        the requester, or anyone at the office's own domain. A stranger gets no answer: it would
        carry the request's code and title to whoever forged the reply (backscatter)."""
        office = self.ctx.rules.office
        address = address.lower()
        return (people.person(self.ctx, address)[0] is not None
                or address in {m.email.lower() for m in office.staff}
                or (req is not None and address == (req.requester_email or "").lower())
                or address.rsplit("@", 1)[-1] == self.ctx.cfg.office.domain.lower())

    def answer(self, s, req, to, mid, reason) -> None:
        """One short answer, never to ourselves or a stranger, and at most a few an hour to one address."""
        if not self.known(req, to):
            log.warning("not answering %s: not an address this office knows (reply recorded)", to)
            return
        since = utcnow() - timedelta(hours=1)  # the outbox stamps rows with the wall clock
        rows = s.scalars(select(Outbox.recipients).where(Outbox.kind == "answer",
                                                         Outbox.created_at >= since)).all()
        recent = sum(1 for r in rows if to in (r or []))
        if (recent or 0) >= MAX_ANSWERS_PER_HOUR or to == self.ctx.cfg.from_address:
            log.warning("not answering %s again (%s answers this hour)", to, recent)
            return
        engine.answer(self.ctx, s, req, to, reason, mid)

    # ---- requesters ----------------------------------------------------------------------------
    def complete(self, s, inbound, msg, req, task) -> None:
        """The requester supplies what was missing (or corrects what was sent back)."""
        ctx = self.ctx
        if requests.CANCEL.search(mime.body_text(msg)[:2000]):
            changes.cancel(ctx, s, req, actor=req.requester_email, note="dibatalkan oleh pemohon")
            raise Outcome("done", "requester cancelled")
        text = quotes.own_text(msg)
        facts = complete_from_reply(requests.facts_of(req), text, ctx.places, ctx.now())
        if req.missing == [] and not facts.missing:  # a correction after a revision request
            facts = self.corrected(s, inbound, msg, facts)
        if engine.requester_update(ctx, s, req, task, facts, inbound.message_id) == "incomplete":
            raise Outcome("done", "requester reply still incomplete; asked again")
        raise Outcome("done", "requester completed the request")

    def corrected(self, s, inbound, msg, facts):
        found = self.read_letter(s, inbound, msg)
        if len(found) == 1:
            new = found[0]
            for name in ("title", "start", "end", "location", "kecamatan", "outside_island"):
                if getattr(new, name) not in (None, ""):
                    setattr(facts, name, getattr(new, name))
            facts.until_done = new.until_done if new.start else facts.until_done
        return facts

    def from_requester(self, s, inbound, msg, req, task) -> None:
        """A requester writes about their request: cancel, new time, or a note for the record."""
        ctx = self.ctx
        text = quotes.own_text(msg) or mime.body_text(msg)
        if req.state == "open" and requests.CANCEL.search(text[:2000]):
            changes.cancel(ctx, s, req, actor=req.requester_email, note="dibatalkan oleh pemohon")
            raise Outcome("done", "requester cancelled")
        found = self.read_letter(s, inbound, msg)
        # the new time or place is what the requester wrote, not what their client quoted of our
        # mail (Outlook quotes without '>', and our facts block would win as the labelled one)
        moved = requests.correction(req, text, ctx.places, ctx.now()) if text else None
        if moved is None and len(found) == 1 and found[0].start:
            moved = found[0]
        if req.state == "open" and moved is not None and req.event_start and \
                (moved.start != req.event_start or moved.location != req.location):
            changes.reschedule(ctx, s, req, moved, actor=req.requester_email,
                              message_id=inbound.message_id)
            raise Outcome("done", "requester moved the event")
        engine.record(ctx, s, req, "note", actor=req.requester_email, message_id=inbound.message_id,
                        note=(text or "").strip()[:500])
        raise Outcome("done", "message from the requester recorded")

    # ---- reading letters -----------------------------------------------------------------------
    def read_letter(self, s: Session, inbound: Inbound, msg) -> list[RequestFacts]:
        """The requests in a letter. Scans not yet in the OCR cache are not read here: an `ocr`
        job is queued in this transaction and the message waits (Outcome 'waiting'); the job's
        end makes it 'new' again. Callers read the letter before they change anything else, so
        handling it again later repeats nothing. `self.unread` lists the scans whose OCR failed
        for good (the letter is then read without them)."""
        self.unread = []
        pre = self.pre if self.pre.inbound_id == inbound.id else None
        if pre is not None and pre.letters is not None:  # read before the transaction
            found, needed = pre.letters, pre.ocr_needed
        elif not self.defer_ocr:
            return extract_requests(msg, self.ctx.places, self.ctx.now())
        else:
            ocr = OcrSource(self.ocr_cache)
            found, needed = extract_requests(msg, self.ctx.places, self.ctx.now(), ocr), ocr.needed
        if not self.defer_ocr:
            return found
        if ocr_jobs.should_wait(self.ctx, s, inbound, needed):
            raise Outcome(WAITING, ocr_jobs.waiting_reason(needed))
        self.unread = needed
        return found

    # ---- new letters, bounces, auto-replies ----------------------------------------------------
    def new_letter(self, s, inbound, msg, c, sender) -> None:
        ctx = self.ctx
        found = self.read_letter(s, inbound, msg)
        facts_list = [f for f in found
                      if f.title or f.start or f.location or getattr(f, "event_date", None)]
        if c.kind != "request":  # a title guessed from a subject alone is not a request
            facts_list = [f for f in facts_list if f.start or f.location or getattr(f, "event_date", None)]
        elif not facts_list and self.unread and found:
            # a request letter whose scan could not be read: open it anyway, so the sender is
            # asked for everything the scan held (the operator was told of the failed OCR)
            facts_list = found[:1]
        if not sender:
            raise Outcome("quarantined", reasons.english("no_sender"))
        if not facts_list:
            raise Outcome("quarantined", reasons.english("not_a_request", kind=c.kind, why=c.reason))
        subject = mime.header(msg, "Subject")
        cancel = bool(requests.CANCEL.search(subject + " " + mime.body_text(msg)[:3000]))
        for facts in facts_list:
            email = (getattr(facts, "forwarded_from", None) or sender).lower()
            existing, how = requests.same_event(s, facts, email)
            if existing is not None:
                changes.repeat_letter(ctx, s, inbound, existing, facts, how, email, cancel)
            elif cancel:
                raise Outcome("quarantined", reasons.english("unknown_cancellation"))
            else:
                engine.open_request(ctx, s, inbound, facts, email, subject)
        raise Outcome("done", f"{len(facts_list)} request letter(s) read")

    def bounce(self, s, inbound, c) -> None:
        ctx = self.ctx
        rows = s.scalars(select(Outbox).where(Outbox.message_id.in_(c.bounced_message_ids or ["-"]))).all()
        for out in rows:
            req = s.get(Request, out.request_id) if out.request_id else None
            if req is not None:
                engine.record(ctx, s, req, "bounced", actor=", ".join(c.failed_recipients) or None,
                                message_id=out.message_id,
                                note=f"surel '{out.subject}' tidak terkirim ke {', '.join(c.failed_recipients) or '-'}")
            if out.kind == "press":  # the contact's row says so: the office can fix its address
                publishing.bounced(s, out.request_id, c.failed_recipients or out.recipients, c.reason)
            if out.kind != "alert":
                mails.send(s, ctx.cfg, "alert", to=[ctx.cfg.office.operator], request_id=out.request_id,
                           heading="Surel Liputan tidak terkirim (bounce)",
                           message=f"Surel '{out.subject}' ({out.message_id}) ditolak server penerima.",
                           lines=[f"Penerima gagal: {', '.join(c.failed_recipients) or '-'}",
                                  f"Permohonan: {req.code if req else '-'}"])
        raise Outcome("ignored", f"bounce of {len(rows)} message(s) of ours: {c.reason}")

    def auto_reply(self, s, inbound, msg, c, sender) -> None:
        task, req = self.correlate(s, msg, c, sender)
        if req is not None:
            inbound.request_id = req.id
            engine.record(self.ctx, s, req, "ignored", actor=sender, message_id=inbound.message_id,
                            note=f"balasan otomatis, tidak mengubah status ({c.reason})")
            if req.state == "open" and not c.reason.startswith("read receipt"):
                # an official away: the operator is told once per task
                said = mime.header(msg, "Subject") + "\n" + mime.body_text(msg)[:20000]
                away.official_away(self.ctx, s, req, task, sender, said, inbound.message_id)
        raise Outcome("ignored", f"auto-reply: {c.reason}")
