"""Active and standby on one PostgreSQL database: the holder of the office lease runs the workers.

What must be single runs only in the holder's term: the mailbox (its own thread checks the lease
itself), the dispatcher, the job runner (letters, timers, the digest, publishing), the outbox,
the schedule book's calendar file and the shared-folder watcher. The standby only tries to take
the lease every few seconds. A new holder first frees what the old one had claimed (jobs,
messages, mails being sent): the old one is dead, or has stopped working since it could not renew.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from datetime import timedelta
from typing import Awaitable, Callable

from sqlalchemy import and_, or_, text, update
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.models import Inbound, Job, Outbox, utcnow
from daemon.mail.mailbox_lock import MailboxLock

log = logging.getLogger("daemon.app.leadership")
LOCK_TIMEOUT = 3.0  # seconds: freeing claims waits no longer for a row another session locks
LOST_CHECK = 0.5  # seconds: how often the holder looks at its lease (a local look, no network)

Work = Callable[[asyncio.Event], Awaitable[None]]


def own_prefix() -> str:
    """The start of every holder name of this process (see work.holder_name)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:"


def take_over(factory: sessionmaker[Session], mine: str) -> dict[str, int]:
    """Free every claim not made by this process, so the new holder takes it up at once."""
    now = utcnow()
    past = now - timedelta(seconds=1)
    not_mine = or_(Job.leased_by.is_(None), ~Job.leased_by.like(mine + "%"))
    with factory() as s, s.begin():
        if s.get_bind().dialect.name == "postgresql":  # rows of a cut-off holder's open
            s.execute(text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT * 1000)}"))  # transaction
        jobs = s.execute(update(Job.__table__).where(and_(
            Job.state == "running", Job.lease_until > now, not_mine)).values(lease_until=past)).rowcount
        inbound = s.execute(update(Inbound.__table__).where(and_(
            Inbound.status == "new", Inbound.lease_until > now,
            or_(Inbound.leased_by.is_(None), ~Inbound.leased_by.like(mine + "%"))))
            .values(lease_until=past)).rowcount
        outbox = s.execute(update(Outbox.__table__).where(and_(
            Outbox.status == "sending", Outbox.next_attempt_at > now)).values(next_attempt_at=past)).rowcount
    return {"jobs": jobs, "messages": inbound, "mails": outbox}


class Leadership:
    """`run()` keeps or seeks the lease; `serve(stop, work)` runs `work(term)` in each term."""

    def __init__(self, lock: MailboxLock, factory: sessionmaker[Session], check: float):
        self.lock, self.factory, self.check = lock, factory, check
        self.leader = asyncio.Event()  # set during a term
        self.term = asyncio.Event()  # set when the current term ends
        self.terms = 0
        self.unfreed = False  # the previous holder's claims are still to be freed
        self.wakers: list[asyncio.Event] = []  # set at a term's start and end: loops look now

    async def run(self, stop: asyncio.Event) -> None:
        standby = False
        while not stop.is_set():
            if self.leader.is_set():
                if self.unfreed:
                    await self._free()
                if not self.lock.held():
                    self._end("lease lost: this instance stops its work and stands by")
            elif await asyncio.to_thread(self.lock.acquire):
                await self._begin()
                standby = False
            elif not standby:
                log.info("standing by: another instance holds the lease")
                standby = True
            await _wait(stop, LOST_CHECK if self.leader.is_set() else self.check)
        self._end("stopping")

    async def _begin(self) -> None:
        self.terms += 1
        self.term = asyncio.Event()
        self.leader.set()
        log.info("took over the work (term %d)", self.terms)
        self.unfreed = True
        await self._free()
        self._wake()

    async def _free(self) -> None:
        """Free the previous holder's claims; rows its cut-off session still locks are freed at
        the next look, once the server has ended that session (idle_in_transaction_session_timeout)."""
        try:
            freed = await asyncio.to_thread(take_over, self.factory, own_prefix())
        except Exception as exc:  # noqa: BLE001 - tried again in a moment
            log.warning("could not free the previous holder's claims yet: %s", exc)
            return
        self.unfreed = False
        if any(freed.values()):
            log.info("freed the previous holder's claims: %s", freed)
            self._wake()

    def _end(self, why: str) -> None:
        if not self.leader.is_set():
            return
        self.leader.clear()
        self.term.set()
        self._wake()
        log.warning("term %d ended: %s", self.terms, why)

    def _wake(self) -> None:
        for event in self.wakers:
            event.set()

    async def serve(self, stop: asyncio.Event, work: Work) -> None:
        """Run `work` for each term of this instance; it must return once its event is set."""
        while not stop.is_set():
            await _wait_any(stop, self.leader)
            if stop.is_set():
                return
            term = self.term
            try:
                await work(term)
            except Exception:  # noqa: BLE001 - a worker that failed starts again next term
                log.exception("a worker failed; it starts again with the next term")
            await _wait_any(stop, term)


async def _wait(stop: asyncio.Event, timeout: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=timeout)
    except asyncio.TimeoutError:
        pass


async def _wait_any(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
