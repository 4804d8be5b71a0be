"""Decides what each stored inbound message is and hands it to intake or the workflow engine,
read before its transaction and handled in batches (a savepoint each); what fails is
quarantined with its reason, never lost."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from daemon.app import ocr_jobs, prereading, read_ahead
from daemon.app.handling import MessageHandling
from daemon.core import jobs, logctx
from daemon.core import quarantine_reasons as reasons
from daemon.core.context import Context
from daemon.core.models import Inbound
from daemon.mail import mails
from daemon.mail.inbound_claim import (
    claim_inbound_batch,
    postpone_inbound,
    resume_waiting,
)
from daemon.reading import budget

log = logging.getLogger("daemon.app.dispatcher")
# deadlock, serialization failure: the database undid the transaction; trying again will work
RETRY_SQLSTATES = ("40P01", "40001")
TRANSIENT_ATTEMPTS = 6  # 5 s, 10 s, 20 s, 40 s, 80 s apart: then the operator is told
# messages claimed and handled in one transaction (one commit): BATCH at first; while a backlog
# waits, each next batch twice as large up to BATCH_MAX, beyond BATCH only up to BATCH_BYTES
# stored (a batch is read and held in memory at once). 64, not 128: a batch of 128 letters (and
# the next one read meanwhile) was the main process's high-water near 6,600 messages (+75,000
# Python blocks; obmalloc 68 -> 73 arenas, kept); intake alike (223-265 vs 240-253/s, alternated)
BATCH = 32
BATCH_MAX = 64
BATCH_BYTES = 32 * 1024 * 1024


class _Undone(Exception):
    """A message failed in a batch written without savepoints: the transaction is undone."""

    def __init__(self, inbound_id: int):
        super().__init__(f"inbound {inbound_id} failed")
        self.inbound_id = inbound_id


class Dispatcher(MessageHandling):
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
        if ahead is None:  # no batch being read: an idle reading process stops (this thread owns it)
            self.ahead.close_if_idle(self.ctx.cfg.reading.idle_process_seconds)
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
        with self.factory() as s:  # one read-only session for the batch's answered mail
            for inbound_id, pre in self.ahead.collect(pending).items():
                try:
                    out[inbound_id] = prereading.with_answer(self, pre, s) if pre is not None else None
                except Exception:
                    log.debug("inbound %d: read again in its transaction", inbound_id, exc_info=True)
                    s.rollback()  # (a database error: the next ones read on afresh)
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
            inbound.reason = reasons.english("internal_error", detail=detail[:500])
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
