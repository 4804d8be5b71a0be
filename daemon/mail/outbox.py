"""Outgoing mail: build messages with a fixed Message-ID, queue them as rows, send with retry."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import aiosmtplib
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon.core import logctx
from daemon.core.config import Config
from daemon.core.models import Outbox
from daemon.core.outage import Outage
from daemon.mail import mails, ratelimit, summary
from daemon.mail.health import SmtpHealth

log = logging.getLogger("daemon.mail.outbox")

# 7bit: every body part is QP/base64-encoded, so any relay takes it without 8BITMIME
# long subjects stay on one line (RFC 5322 allows 998): the 78-column folding of Python
# puts the whole Subject on a continuation line, which some clients show with a leading space
RETRY_FIRST = 30.0
RETRY_MAX = 3600.0
LEASE = timedelta(minutes=15)  # a claimed row whose sender died is retried after this


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour, after the n-th failed attempt."""
    return timedelta(seconds=min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX))


@dataclass
class Claimed:
    id: int
    message_id: str
    kind: str
    recipients: list[str]
    raw: bytes
    attempts: int
    subject: str
    request_id: int | None


class SendError(Exception):
    """A send attempt failed; `permanent` when the server refused this mail for good (5xx to RCPT
    or DATA); `server` when the server or our account, not this mail, is the trouble (unreachable,
    421, a 4xx to MAIL FROM or DATA, a 5xx to MAIL FROM or AUTH: our sender or login refused):
    such a failure never uses up the mail's attempts, and the round stops instead of trying the next."""

    def __init__(self, message: str, permanent: bool, after_data: bool = False, server: bool = False):
        super().__init__(message)
        self.permanent, self.after_data, self.server = permanent, after_data, server


class OutboxWorker:
    """Sends queued rows over SMTP; one row is claimed by exactly one worker at a time."""

    def __init__(self, cfg: Config, factory: sessionmaker[Session]):
        self.cfg, self.smtp_cfg, self.factory = cfg, cfg.smtp, factory
        self._smtp: aiosmtplib.SMTP | None = None
        # who sends (host:pid:role): a restarted daemon takes back at once what a dead one held
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:outbox"[:64]
        self.health = SmtpHealth(f"{self.smtp_cfg.host}:{self.smtp_cfg.port}", self.smtp_cfg.retry_max_seconds)
        self._held: set[int] = set()  # rows put off because the server failed: sent once it is back

    # -- claiming (blocking DB work, run in a thread) --------------------------------------
    def _due_ids(self, limit: int = 50) -> list[int]:
        now = utcnow()
        with self.factory() as session:
            return list(session.scalars(
                select(Outbox.id).where(Outbox.status.in_(("queued", "sending")),
                                        Outbox.next_attempt_at <= now)
                .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)))

    def _claim(self, row_id: int) -> Claimed | None:
        """Take the row if it is still due: a conditional UPDATE only one worker can win. A held
        notice whose slot opened takes the others held for its address along, as one summary."""
        now = utcnow()
        with self.factory() as session, session.begin():
            row_id = self._hold(session, row_id, now)
            if row_id is None:
                return None
            won = session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.status.in_(("queued", "sending")),
                       Outbox.next_attempt_at <= now)
                .values(status="sending", attempts=Outbox.attempts + 1, next_attempt_at=now + LEASE,
                        leased_by=self.holder)
                .execution_options(synchronize_session=False)).rowcount
            if won != 1:
                return None
            row = session.get(Outbox, row_id)
            assert row is not None
            session.refresh(row)
            return Claimed(row.id, row.message_id, row.kind, list(row.recipients), row.raw,
                           row.attempts, row.subject, row.request_id)

    def _hold(self, session: Session, row_id: int, now: datetime) -> int | None:
        """The row to send for `row_id`: itself, None while its recipient had their hourly
        allowance of notices (ratelimit; it waits for the next slot), or, when the slot opens for
        a held notice, a new summary of every notice held for the same recipients."""
        row = session.get(Outbox, row_id)
        if row is None or row.status != "queued" or row.kind not in ratelimit.NOTICE_KINDS:
            return row_id
        ratelimit.lock(session, list(row.recipients))  # counted and claimed by one sender at a time
        until = ratelimit.held_until(session, row.kind, list(row.recipients),
                                     self.cfg.outbox.per_address_per_hour, now)
        if until is not None and until > now:
            row.next_attempt_at, row.held_at = until, row.held_at or now
            log.warning("outbox %s (%s to %s) held until %s: %d notices an hour to one address at most",
                        row.id, row.kind, ", ".join(row.recipients), until.isoformat(timespec="seconds"),
                        self.cfg.outbox.per_address_per_hour)
            return None
        others = ratelimit.held_together(session, row) if row.kind != "summary" else []
        if not others:
            return row_id
        notices = sorted([row, *others], key=lambda o: (o.created_at, o.id))
        combined = summary.summarise(session, self.cfg, notices)
        combined.next_attempt_at = now
        log.info("outbox %s: %d held notices to %s sent as one summary %s", combined.id, len(notices),
                 ", ".join(combined.recipients), combined.message_id)
        return combined.id

    def _finish(self, item: Claimed, error: SendError | None, refused: list[str] = ()) -> str:
        """Record the outcome; returns the row's new status."""
        with self.factory() as session, session.begin():
            row = session.get(Outbox, item.id, with_for_update=True)
            if row is None or row.status != "sending" or row.attempts != item.attempts:
                return row.status if row else "gone"  # another worker took over after our lease
            if error is None:
                row.status, row.sent_at = "sent", utcnow()
                row.last_error = ("refused for: " + "; ".join(refused))[:2000] if refused else None
                if row.kind == "summary":
                    summary.mark_sent(session, row)
                if refused and row.kind != "alert":  # someone the step needs got nothing
                    self._alert(session, row)
                return row.status
            row.last_error = str(error)[:2000]
            if error.permanent or (row.attempts >= self.smtp_cfg.max_attempts and not error.server):
                row.status = "failed"
                if row.kind == "summary":  # the notices it carried were never sent either
                    summary.mark_failed(session, row)
                if row.kind != "alert":
                    self._alert(session, row)
            else:  # the server's failure: due again within `retry_max_seconds` (the probe's pace)
                delay = retry_delay(row.attempts)
                if error.server:
                    delay = min(delay, timedelta(seconds=self.smtp_cfg.retry_max_seconds))
                row.status, row.next_attempt_at = "queued", utcnow() + delay
            return row.status

    def _alert(self, session: Session, row: Outbox) -> None:
        """Tell the operator (in Indonesian) that a message could not be delivered."""
        partly = row.status == "sent"
        mails.send(session, self.cfg, "alert", to=[self.cfg.office.operator],
                   request_id=row.request_id,
                   message_id=f"<alert.outbox-{row.id}@{self.cfg.office.domain}>",
                   heading=f"Surat gagal terkirim: {row.subject}",
                   message=("Sebuah surat dari sistem Liputan tidak diterima oleh sebagian penerimanya."
                            if partly else "Sebuah surat dari sistem Liputan tidak dapat dikirim "
                            "dan tidak akan dicoba lagi."),
                   lines=["", f"Perihal   : {row.subject}", f"Penerima  : {', '.join(row.recipients)}",
                          f"Jenis     : {row.kind}", f"Message-ID: {row.message_id}",
                          f"Percobaan : {row.attempts}", f"Galat     : {row.last_error}", "",
                          "Mohon periksa alamat penerima dan server surat keluar, lalu kirim "
                          "ulang bila perlu."])
        log.warning("outbox %s (%s) %s; operator alerted", row.id, row.message_id,
                    "partly refused" if partly else "failed for good")

    # -- SMTP -------------------------------------------------------------------------------
    async def _connection(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        c = self.smtp_cfg
        smtp = aiosmtplib.SMTP(hostname=c.host, port=c.port, timeout=c.timeout,
                               use_tls=c.security == "ssl", start_tls=c.security == "starttls")
        await smtp.connect()
        if c.username:
            try:
                await smtp.login(c.username, c.secret())
            except BaseException:  # refused: the session is not kept (re-raised, judged by _send)
                smtp.close()
                raise
        self._smtp = smtp
        return smtp

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except Exception:
                smtp.close()

    async def _send(self, item: Claimed) -> list[str]:
        """One SMTP transaction; returns the recipients refused while others accepted it.

        Raises SendError classified as temporary or permanent.
        """
        after_data = False
        try:
            smtp = await self._connection()
        except aiosmtplib.SMTPAuthenticationError as exc:  # our account, not this mail
            await self.close()
            raise SendError(f"refuses our login as {self.smtp_cfg.username}: {exc.code} {exc.message}",
                            False, server=True) from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            # refused, unreachable, bad greeting or login: the server or our settings, not the mail
            await self.close()
            raise SendError(f"cannot connect to {self.smtp_cfg.host}:{self.smtp_cfg.port}: "
                            f"{type(exc).__name__}: {exc}", False, server=True) from None
        stage = "MAIL"
        try:
            await smtp.mail(self.cfg.from_address)
            stage = "RCPT"
            refused = await self._rcpts(smtp, item.recipients)
            stage, after_data = "DATA", True
            await smtp.data(item.raw)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            if stage == "MAIL" and exc.code >= 500:  # our sender (or account), so every mail alike
                raise SendError(f"refuses our sender {self.cfg.from_address}: {exc.code} {exc.message}",
                                False, server=True) from None
            # 421 closes the session; a 4xx to MAIL FROM or DATA is the server's own trouble;
            # a 4xx to every RCPT (greylisting, a full mailbox) is this mail's
            server = exc.code == 421 or (exc.code < 500 and stage != "RCPT")
            raise SendError(f"{exc.code} {exc.message}", exc.code >= 500 and exc.code != 421,
                            server=server) from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            await self.close()
            raise SendError(f"{type(exc).__name__}: {exc}", False, after_data, server=True) from None
        if refused:
            log.warning("outbox %s sent, but refused for %s", item.id, "; ".join(refused))
        return refused

    async def _rcpts(self, smtp: aiosmtplib.SMTP, recipients: list[str]) -> list[str]:
        """RCPT TO each address; fails only when every recipient was refused."""
        refused: list[tuple[int, str]] = []
        for rcpt in recipients:
            try:
                await smtp.rcpt(rcpt)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused.append((exc.code, f"{rcpt}: {exc.code} {exc.message}"))
        if refused and len(refused) == len(recipients):
            code = min(c for c, _ in refused)  # temporary if any refusal was temporary
            raise aiosmtplib.SMTPResponseException(code, "; ".join(t for _, t in refused))
        return [t for _, t in refused]

    async def _reset(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.rset()
            except Exception:
                await self.close()

    # -- rounds -----------------------------------------------------------------------------
    async def run_once_async(self) -> int:
        """Send every due row once; returns how many were sent. A failure of the server (not of
        one mail) ends the round: the rest wait for the next probe instead of each failing too."""
        sent = 0
        try:
            while True:  # again while rows were claimed: failures may have queued alerts
                claimed = 0
                for row_id in await asyncio.to_thread(self._due_ids):
                    item = await asyncio.to_thread(self._claim, row_id)
                    if item is not None:
                        claimed += 1
                        got = await self._attempt(item)
                        if got is None:
                            return sent
                        sent += got
                if not claimed:
                    return sent
        finally:
            await self.close()

    def _waiting(self) -> int:
        with self.factory() as session:
            return session.scalar(select(func.count()).select_from(Outbox)
                                  .where(Outbox.status.in_(("queued", "sending")))) or 0

    def _release_held(self) -> int:
        """Make the mail put off by the server's failure due now: the server is back."""
        held, self._held = self._held, set()
        if not held:
            return 0
        with self.factory() as session, session.begin():
            return session.execute(
                update(Outbox).where(Outbox.id.in_(held), Outbox.status == "queued")
                .values(next_attempt_at=utcnow()).execution_options(synchronize_session=False)).rowcount

    async def _server_failed(self, item: Claimed, error: SendError) -> None:
        """One warning per outage (the server, the error, how much mail waits); then quiet."""
        self._held.add(item.id)
        if self.health.fail(str(error)):
            waiting = await asyncio.to_thread(self._waiting)
            log.warning("SMTP server %s is failing (%s); %d mail(s) wait in the outbox and are sent "
                        "once it answers again (probed every %.0f s at most); nothing is lost",
                        self.health.server, error, waiting, self.smtp_cfg.retry_max_seconds)

    async def _server_ok(self) -> None:
        lasted = self.health.ok()
        if lasted is not None:
            released = await asyncio.to_thread(self._release_held)
            waiting = await asyncio.to_thread(self._waiting)
            log.info("SMTP server %s takes mail again after %.0f s of failures; %d waiting mail(s) "
                     "go out now (%d put off by the outage)", self.health.server, lasted, waiting, released)

    async def _attempt(self, item: Claimed) -> int | None:
        with logctx.about(logctx.code_in(item.subject)):  # its lines name the request
            return await self._attempt_one(item)

    async def _attempt_one(self, item: Claimed) -> int | None:
        """1 sent, 0 failed (this mail), None: the server failed, the round stops."""
        error: SendError | None = None
        refused: list[str] = []
        try:
            refused = await self._send(item)
        except SendError as exc:
            error = exc
            if exc.after_data:
                log.warning("outbox %s: connection lost after DATA (%s); the server may have "
                            "accepted it, resending with the same Message-ID %s",
                            item.id, exc, item.message_id)
        status = await asyncio.to_thread(self._finish, item, error, refused)
        if error is None:
            log.info("sent %s %s to %s", item.kind, item.message_id, ", ".join(item.recipients))
            await self._server_ok()
            return 1
        if error.server:
            log.debug("outbox %s attempt %d failed (%s): now %s", item.id, item.attempts, error, status)
            await self._server_failed(item, error)
            return None
        # only this mail is refused; an outage ends with a mail delivered, not with a refusal
        log.warning("outbox %s attempt %d failed (%s): now %s", item.id, item.attempts, error, status)
        return 0

    def run_once(self) -> int:
        """Blocking wrapper of run_once_async for tests and the CLI."""
        return asyncio.run(self.run_once_async())

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None,
                  interval: float = 2.0) -> None:
        """Send due mail until `stop` is set; `wake` cuts the pause short (new mail queued)."""
        wake = wake or asyncio.Event()
        outage = Outage(log, "outbox round")
        while not stop.is_set():
            if (pause := self.health.retry_in()) > 0:  # the server failed: wait for the next probe
                try:  # new mail does not cut this short, a stop does
                    await asyncio.wait_for(stop.wait(), timeout=pause)
                except asyncio.TimeoutError:
                    pass
                continue
            try:
                await self.run_once_async()
                outage.ok()
            except Exception as exc:  # noqa: BLE001 - e.g. the database's disk full: retried
                outage.failed(exc)
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            wake.clear()
        log.info("outbox worker stopped")
