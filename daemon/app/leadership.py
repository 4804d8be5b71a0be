"""Active and standby on one PostgreSQL database: what must be single runs at the lease holder.

Single (anything that would send or write twice, or is a scheduler): the mailbox (its own thread
checks the lease itself), the outbox, the SLA timers and the morning digest (job kinds in
`SINGLE_KINDS`), the schedule book's calendar file and the shared-folder watcher. Shared (every
row claimed under a lease naming its holder): the dispatcher and the other jobs (letters, OCR,
publishing), so a standby adds throughput. A new holder first frees what the old one had claimed,
named by the lease session it saw: the old one is dead, or has stopped since it could not renew.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from daemon.app import reclaim, sdnotify
from daemon.app.jobrunner import JobRunner
from daemon.core.claims import EVERY_MAIL, free_claims
from daemon.core.models import utcnow
from daemon.mail.mailbox_lock import MailboxLock
from daemon.sop import digest
from daemon.sop.kinds.coverage import TIMER

log = logging.getLogger("daemon.app.leadership")
SINGLE_KINDS = frozenset({TIMER, digest.KIND})  # schedulers: only the holder runs them
LOCK_TIMEOUT = 3.0  # seconds: freeing claims waits no longer for a row another session locks
LOST_CHECK = 0.5  # seconds: how often the holder looks at its lease (a local look, no network)
RECLAIM_SECONDS = 10.0  # how often an instance looks for dead instances' claims

Work = Callable[[asyncio.Event], Awaitable[None]]


def own_prefix() -> str:
    """The start of every holder name of this process (see work.holder_name)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:"


def prefix_of(name: str | None) -> str | None:
    """'host:pid:' of a holder name such as the lease session's 'host:pid:lease'."""
    if not name or name.count(":") < 2:
        return None
    return name.rsplit(":", 1)[0] + ":"


def take_over(factory: sessionmaker[Session], old: str | None) -> dict[str, int]:
    """Free the claims of the old holder (`old`: its 'host:pid:' prefix) and the mails it was
    sending (only a holder sends), so this holder takes them up at once; not the mails this
    process is sending already (its term began before this ran)."""
    with factory() as s, s.begin():
        if s.get_bind().dialect.name == "postgresql":  # rows of a cut-off holder's open
            s.execute(text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT * 1000)}"))  # transaction
        return free_claims(s, utcnow(), old, mails=EVERY_MAIL, keep=own_prefix())


class Leadership:
    """`run()` keeps or seeks the lease; `serve(stop, work)` runs `work(term)` in each term."""

    def __init__(self, lock: MailboxLock, factory: sessionmaker[Session], check: float,
                 runner: JobRunner | None = None, stale: float | None = None):
        self.lock, self.factory, self.check, self.runner = lock, factory, check, runner
        self.stale = stale  # [status] stale_seconds: dead instances' claims are freed (app/reclaim.py)
        self._reclaimed_at = 0.0
        self._reclaiming: asyncio.Future | None = None  # the look for dead instances' claims
        self._single(False)
        self.leader = asyncio.Event()  # set during a term
        self.term = asyncio.Event()  # set when the current term ends
        self.terms = 0
        self.unfreed = False  # the previous holder's claims are still to be freed
        self.old: str | None = None  # the previous holder's 'host:pid:', as seen while standing by
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
                sdnotify.status("standby: another instance holds the lease")
                standby = True
            await self._reclaim()
            await _wait(stop, LOST_CHECK if self.leader.is_set() else self.check)
        self._end("stopping")

    async def _reclaim(self) -> None:
        """Every RECLAIM_SECONDS, any instance frees the claims of one that died elsewhere. It runs
        beside this loop, never in it: a database that stops answering must not keep a holder
        from seeing that its lease is lost."""
        if not self.lock.enabled or self.stale is None or \
                time.monotonic() - self._reclaimed_at < RECLAIM_SECONDS or \
                (self._reclaiming is not None and not self._reclaiming.done()):
            return
        self._reclaimed_at = time.monotonic()
        self._reclaiming = asyncio.ensure_future(self._reclaim_once())

    async def _reclaim_once(self) -> None:
        try:
            freed = await asyncio.to_thread(reclaim.free_the_dead, self.factory, self.stale, own_prefix())
        except Exception as exc:  # noqa: BLE001 - their leases still end them; tried again later
            log.warning("could not look for dead instances' claims: %s", exc)
            return
        if any(freed.values()):
            self._wake()

    def _single(self, mine: bool) -> None:
        """The job runner takes the single job kinds only during a term."""
        if self.runner is not None:
            self.runner.skip = frozenset() if mine else SINGLE_KINDS

    async def _begin(self) -> None:
        self.old = prefix_of(self.lock.last_holder)
        self.lock.last_holder = None
        self._single(True)
        self.terms += 1
        self.term = asyncio.Event()
        self.leader.set()
        log.info("took over the work (term %d)", self.terms)
        sdnotify.status("working: this instance holds the lease")
        self.unfreed = True
        await self._free()
        self._wake()

    async def _free(self) -> None:
        """Free the previous holder's claims; rows its cut-off session still locks are freed at
        the next look, once the server has ended that session (idle_in_transaction_session_timeout)."""
        try:
            freed = await asyncio.to_thread(take_over, self.factory,
                                            None if self.old == own_prefix() else self.old)
        except Exception as exc:  # noqa: BLE001 - tried again in a moment
            log.warning("could not free the previous holder's claims yet: %s", exc)
            return
        self.unfreed = False
        if self.old is None:
            log.info("no previous holder seen: its claims (if any) are taken when their leases end")
        if any(freed.values()):
            log.info("freed the claims of the previous holder %s: %s", self.old, freed)
            self._wake()

    def _end(self, why: str) -> None:
        if not self.leader.is_set():
            return
        self.leader.clear()
        self._single(False)
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
    except TimeoutError:
        pass


async def _wait_any(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
