"""Decides what each stored inbound message is and hands it to intake or the workflow engine,
read before its transaction and handled in batches (a savepoint each); what fails is
quarantined with its reason, never lost."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from daemon.app import mail_delivery, ocr_jobs, prereading, read_ahead, sender_checks
from daemon.app.outcome import Outcome
from daemon.core import jobs, lexicon, logctx
from daemon.core.context import Context
from daemon.core.models import Inbound, Outbox, Request, Task, utcnow
from daemon.core.types import Classification, RequestFacts
from daemon.mail import mails, mime
from daemon.mail.inbound_claim import (
    WAITING,
    claim_inbound_batch,
    postpone_inbound,
    resume_waiting,
)
from daemon.reading import budget, quotes, replies
from daemon.reading.extract import complete_from_reply, extract_requests
from daemon.reading.ocr import OcrSource
from daemon.sop import engine, people, publishing, requests

log = logging.getLogger("daemon.app.dispatcher")
MAX_ANSWERS_PER_HOUR = 5
# our mail that asks for no decision: a reply to it is recorded, never applied to a step
INFORMATIONAL = ("notice", "escalation", "assignment", "ack", "rejected", "forged", "alert", "results_missing",
                 "results_revise", "social_package", "press", "summary")
# deadlock, serialization failure: the database undid the transaction; trying again will work
RETRY_SQLSTATES = ("40P01", "40001")
TRANSIENT_ATTEMPTS = 6  # 5 s, 10 s, 20 s, 40 s, 80 s apart: then the operator is told
# messages claimed and handled in one transaction (one commit): BATCH at first; while a backlog
# waits, each next batch twice as large up to BATCH_MAX, beyond BATCH only up to BATCH_BYTES
# stored (a batch is read and held in memory at once)
BATCH = 32
BATCH_MAX = 128
BATCH_BYTES = 32 * 1024 * 1024


class _Undone(Exception):
    """A message failed in a batch written without savepoints: the transaction is undone."""

    def __init__(self, inbound_id: int):
        super().__init__(f"inbound {inbound_id} failed")
        self.inbound_id = inbound_id


def locked(s: Session, request_id: int | None) -> Request | None:
    """The request, its row locked until the transaction ends: two instances handling two
    replies to one request (e.g. the same decision sent twice) take turns, and the second
    sees the step the first one closed (PostgreSQL; SQLite has one writer anyway)."""
    if request_id is None:
        return None
    return s.get(Request, request_id, with_for_update=True, populate_existing=True)


class Dispatcher:
    """Works the inbound table: every row with status 'new' is handled exactly once."""

    def __init__(self, ctx: Context, factory: sessionmaker[Session], holder: str = "dispatcher",
                 defer_ocr: bool = True):
        self.ctx, self.factory, self.holder = ctx, factory, holder
        # False: Tesseract runs inside the message's transaction (the old way; bench/ compares)
        self.defer_ocr = defer_ocr
        self.ocr_cache = ocr_jobs.cache_of(ctx)
        self.reading = read_ahead.Settings(ctx.cfg.reading, ctx.cfg.office.domain, ctx.places,
                                           self.ocr_cache, defer_ocr)
        self.ahead = read_ahead.ReadAhead(self.reading)  # started when a backlog first needs it
        self.prepared: dict[int, budget.Prepared] = {}  # the batch, read before its transaction
        self.unread: list = []  # scans of the message being read whose OCR failed for good
        self.pre = budget.Prepared()  # the message being handled, as read before its transaction

    def run_once(self, limit: int | None = None) -> int:
        """Handle every waiting message (or `limit` of them); returns how many were handled.

        Messages are claimed and handled in batches: each is read before any row is locked,
        then the batch is handled in one transaction, one savepoint per message, so a backlog
        costs one commit per batch. A message that fails is undone alone; a database error
        undoes the batch, and its messages are then handled one by one. While a full batch is
        written, the next one is claimed and read in the reading process (read_ahead)."""
        self.resume_stranded()
        done, ahead, size = 0, None, BATCH  # ahead: (ids, their reading under way) of the next batch
        while limit is None or done < limit:
            if ahead is None:
                size = BATCH
                ids = self.claim(self.want(limit, done, size))
                pending = None
            else:
                ids, pending = ahead
            if not ids:
                break
            done += len(ids)
            # a full batch: a backlog waits; the next batches grow (one commit for more letters)
            size = min(2 * size, BATCH_MAX) if len(ids) >= size else BATCH
            ahead = self.read_next(limit, done, size) if len(ids) >= BATCH else None
            self.handle_batch(ids, self.collect(pending) if pending is not None else None)
        return done

    def claim(self, want: int) -> list[int]:
        """Up to `want` waiting messages claimed; beyond BATCH only while they are small."""
        return claim_inbound_batch(self.factory, self.holder, want, max_bytes=BATCH_BYTES, at_least=BATCH)

    @staticmethod
    def want(limit: int | None, done: int, size: int = BATCH) -> int:
        return size if limit is None else min(size, limit - done)

    def read_next(self, limit: int | None, done: int,
                  size: int = BATCH) -> tuple[list[int], read_ahead.Pending | None] | None:
        """A backlog: the next batch claimed now and its reading started in the reading process."""
        if limit is not None and done >= limit:
            return None
        ids = self.claim(self.want(limit, done, size))
        if not ids or not self.ctx.cfg.reading.read_ahead:
            return (ids, None) if ids else None
        return ids, self.ahead.submit(list(self.paths(ids).items()), self.ctx.now())

    def collect(self, pending: read_ahead.Pending) -> dict[int, budget.Prepared | None]:
        """The batch as the reading process read it, each reply then read against our mail."""
        out = {}
        for inbound_id, pre in self.ahead.collect(pending).items():
            try:
                out[inbound_id] = prereading.with_answer(self, pre) if pre is not None else None
            except Exception:
                log.debug("inbound %d: read again in its transaction", inbound_id, exc_info=True)
                out[inbound_id] = None
        return out

    def close(self) -> None:
        """Stop the reading process, if one was started (the service stops)."""
        self.ahead.close(final=True)

    def paths(self, ids: list[int]) -> dict[int, str]:
        with self.factory() as s:
            return dict(s.execute(select(Inbound.id, Inbound.raw_path).where(Inbound.id.in_(ids))).all())

    def handle_batch(self, ids: list[int], read: dict[int, budget.Prepared | None] | None = None) -> None:
        """Read every message of the batch (those `read` ahead lacks), then handle them in one
        transaction: first all at once (one flush, one commit); if one of them fails, that
        transaction is undone and the batch is handled again with a savepoint per message, so
        the failing one is undone alone and the others are written once."""
        read = dict(read or {})
        missing = [i for i in ids if i not in read]
        if missing:
            paths = self.paths(missing)
            read.update({i: self.prepare(i, paths[i]) for i in missing if i in paths})
        self.prepared = {i: pre for i in ids if (pre := read.get(i))}
        try:
            try:
                failures = self.write_batch(ids, savepoints=False)
            except _Undone as undone:
                log.info("inbound %d failed in a batch of %d; the others are written again, each "
                         "on its own savepoint", undone.inbound_id, len(ids))
                failed = (undone.inbound_id, undone.__cause__)
                failures = [failed, *self.write_batch([i for i in ids if i != failed[0]], savepoints=True)]
        except DBAPIError:  # the batch is undone: one by one, each on its own
            log.info("batch of %d undone; handling its messages one by one", len(ids))
            for inbound_id in ids:
                self.handle_id(inbound_id)
            return
        finally:
            self.prepared = {}
        for inbound_id, exc in failures:
            self.failed_alone(inbound_id, exc)

    def write_batch(self, ids: list[int], savepoints: bool) -> list[tuple[int, Exception]]:
        """One transaction for the batch; returns the messages undone alone (`savepoints`).
        Without savepoints a failing message undoes the transaction (_Undone)."""
        failures: list[tuple[int, Exception]] = []
        with self.factory() as s, s.begin():
            # locked and held for the batch (handle_row then finds them in the session)
            rows = s.scalars(select(Inbound).where(Inbound.id.in_(ids)).with_for_update()).all()
            new_jobs = jobs.collect_rows(s)  # new requests' first jobs: one INSERT at the end
            for inbound_id in ids:
                mark = len(new_jobs)
                try:
                    if savepoints:
                        with s.begin_nested():
                            self.handle_row(s, inbound_id, locked=True)
                    else:
                        self.handle_row(s, inbound_id, locked=True)
                except DBAPIError:
                    raise
                except Exception as exc:  # noqa: BLE001 - undone alone; judged by the caller
                    if not savepoints:
                        raise _Undone(inbound_id) from exc
                    del new_jobs[mark:]  # its jobs are undone with it
                    failures.append((inbound_id, exc))
            s.flush()  # the batch's rows (requests first: the jobs point at them)
            jobs.write_rows(s, new_jobs)  # a database error here undoes the batch (caller)
            del rows
        return failures

    def failed_alone(self, inbound_id: int, exc: Exception) -> None:
        """What handle_id does with an exception, for a message undone inside a batch."""
        if isinstance(exc, OSError):
            self._transient(inbound_id, exc)
            return
        log.error("inbound %d failed; quarantined", inbound_id,
                  exc_info=(type(exc), exc, exc.__traceback__))
        self.quarantine(inbound_id, exc)

    def resume_stranded(self) -> int:
        """Messages left waiting by an OCR job that ended without saying so are read again."""
        with self.factory() as s:
            if not (ids := ocr_jobs.stranded(s)):  # nothing to change in the common case
                return 0
        with self.factory() as s, s.begin():
            resumed = sum(resume_waiting(s, i, "OCR berakhir tanpa hasil; dibaca ulang") for i in ids)
        log.warning("%d message(s) waited for an OCR job that had ended; read again", resumed)
        return resumed

    def handle_row(self, s: Session, inbound_id: int, locked: bool = False) -> None:
        """Handle one claimed message in the caller's transaction (`locked`: its row already is)."""
        with logctx.about():  # lines about this message name its request once it is known
            self._handle_row(s, inbound_id, locked)

    def _handle_row(self, s: Session, inbound_id: int, locked: bool) -> None:
        if inbound_id in self.prepared:  # read with its batch, before the transaction
            self.pre = self.prepared[inbound_id]
        inbound = s.get(Inbound, inbound_id, with_for_update=not locked)
        if inbound is None or inbound.status != "new" or inbound.leased_by != self.holder:
            return  # handled meanwhile, or our lease ran out and another took it
        status, kind, reason = self.handle(s, inbound)
        inbound.status, inbound.kind, inbound.reason = status, kind, reason
        inbound.processed_at = self.ctx.now()
        log.info("inbound %d (%s) -> %s: %s", inbound_id, inbound.message_id, status, reason)

    def handle_id(self, inbound_id: int) -> None:
        try:
            pre = prereading.preread(self, inbound_id)  # read first, outside the write transaction
            if pre is None:
                return
            self.pre = pre
            with self.factory() as s, s.begin():
                self.handle_row(s, inbound_id)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES:  # a lost race: at once
                log.warning("inbound %d: %s; trying again shortly", inbound_id, str(exc.orig).strip())
                postpone_inbound(self.factory, inbound_id, self.holder)
            elif isinstance(exc, OperationalError):  # the database briefly away, locked, full
                self._transient(inbound_id, exc)
            else:
                self._failed(inbound_id, exc)
        except OSError as exc:  # its raw file briefly unreadable (a disk or share hiccup)
            self._transient(inbound_id, exc)
        except Exception as exc:  # noqa: BLE001 - one bad message must never stop the service
            self._failed(inbound_id, exc)

    def _transient(self, inbound_id: int, exc: Exception) -> None:
        """Try again later with a growing pause; only a failure that persists quarantines."""
        with self.factory() as s:
            row = s.get(Inbound, inbound_id)
            attempts = row.attempts if row is not None else 0
        if attempts + 1 >= TRANSIENT_ATTEMPTS:
            self._failed(inbound_id, exc)
            return
        delay = timedelta(seconds=5 * 2 ** attempts)
        log.warning("inbound %d: %s; trying again in %s (attempt %d of %d)", inbound_id, exc, delay,
                    attempts + 1, TRANSIENT_ATTEMPTS)
        try:
            postpone_inbound(self.factory, inbound_id, self.holder, delay=delay, count=True)
        except DBAPIError:
            log.warning("inbound %d: could not postpone; its lease runs out and it is taken again", inbound_id)

    def _failed(self, inbound_id: int, exc: Exception) -> None:
        """Quarantine the message (called inside the except block: the log shows the trace)."""
        log.exception("inbound %d failed; quarantined", inbound_id)
        self.quarantine(inbound_id, exc)

    def quarantine(self, inbound_id: int, exc: Exception) -> None:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        with self.factory() as s, s.begin():
            inbound = s.get(Inbound, inbound_id)
            inbound.status, inbound.attempts = "quarantined", inbound.attempts + 1
            inbound.reason = f"internal error while handling: {detail[:500]}"
            inbound.processed_at = self.ctx.now()
            mails.send(s, self.ctx.cfg, "alert", to=[self.ctx.cfg.office.operator],
                       heading="Pesan masuk dikarantina karena galat",
                       message=f"Pesan {inbound.message_id} dari {inbound.from_addr or '-'} "
                               f"(subjek: {inbound.subject or '-'}) tidak dapat diproses dan "
                               "dipindahkan ke folder karantina.",
                       lines=[f"Alasan: {detail[:500]}",
                              f"Setelah diperbaiki, jalankan: liputan requeue {inbound.id}"])

    # ---- one message ---------------------------------------------------------------------------
    def prepare(self, inbound_id: int, raw_path: str) -> budget.Prepared | None:
        """Read a message of a batch before its transaction, within the reading budget: parse,
        classify, read a reply against the mail it answers and, for what may be a new letter,
        extract its requests. What fails here is read again in the transaction, where the
        failure is handled as always."""
        try:
            pre = read_ahead.read_alone(self.reading, inbound_id, raw_path, self.ctx.now())
            return prereading.with_answer(self, pre)
        except Exception:
            log.debug("inbound %d: read again in its transaction", inbound_id, exc_info=True)
            return None

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
            engine.cancel(ctx, s, req, actor=req.requester_email, note="dibatalkan oleh pemohon")
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
            engine.cancel(ctx, s, req, actor=req.requester_email, note="dibatalkan oleh pemohon")
            raise Outcome("done", "requester cancelled")
        found = self.read_letter(s, inbound, msg)
        if req.state == "open" and len(found) == 1 and found[0].start and req.event_start and \
                found[0].start != req.event_start:
            engine.reschedule(ctx, s, req, found[0], actor=req.requester_email,
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
            raise Outcome("quarantined", "no sender address: nobody to acknowledge or ask")
        if not facts_list:
            raise Outcome("quarantined", f"not understood as a coverage request ({c.kind}: {c.reason}); "
                          "no event title, date or place found")
        subject = mime.header(msg, "Subject")
        cancel = bool(requests.CANCEL.search(subject + " " + mime.body_text(msg)[:3000]))
        for facts in facts_list:
            email = (getattr(facts, "forwarded_from", None) or sender).lower()
            existing, how = requests.same_event(s, facts, email)
            if existing is not None:
                engine.repeat_letter(ctx, s, inbound, existing, facts, how, email, cancel)
            elif cancel:
                raise Outcome("quarantined", "a cancellation for an event we have no request for")
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
        raise Outcome("ignored", f"auto-reply: {c.reason}")
