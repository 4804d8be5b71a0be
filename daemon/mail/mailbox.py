"""IMAP intake: the mailbox worker's connection, its IDLE/poll loop and the fetching of new mail."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.config import Config
from daemon.mail import filing, health
from daemon.mail.health import MailboxHealth
from daemon.mail.inbound_store import CheckpointMoved, checkpoint, save_raw, store_batch
from daemon.mail.mailbox_lock import MailboxLock

log = logging.getLogger("daemon.mail.mailbox")

BATCH_MESSAGES = 100
BATCH_BYTES = 32 * 1024 * 1024
IDLE_CHECK_SECONDS = 1.0
FILE_CHECK_SECONDS = 10.0
STANDBY_SECONDS = 3.0  # how often a standby instance tries to take the mailbox over
STORE_RETRY_SECONDS = 5.0  # while mail cannot be stored (disk full), how often it is tried again


class ConnectionLost(Exception):
    """The IMAP connection is dead or the server said goodbye."""


class StoreFailed(Exception):
    """Mail was fetched but could not be stored here (disk full, database unwritable): it stays
    in the mailbox, above the checkpoint, and is fetched again; the connection is kept."""


class MailboxWorker:
    """Reads one IMAP folder into the inbound table and files handled messages away."""

    def __init__(self, cfg: Config, factory: sessionmaker[Session], raw_dir: Path,
                 lock: MailboxLock | None = None):
        self.cfg = cfg
        self.box = cfg.mailbox
        self.factory = factory
        self.raw_dir = Path(raw_dir)
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None
        self.folder = self.box.folder
        self._poke = threading.Event()
        self._delim: str | None = None
        self._quick_empty = 0
        self._last_file_check = 0.0
        self._duplicates: list[int] = []  # UIDs of second copies of stored messages
        self.lock = lock  # None: this worker is the only one (tests, SQLite)
        if lock is not None:  # a lease lost mid-read: the blocked IMAP call ends at once
            lock.on_lost(self.abort)
        self.health = MailboxHealth()  # read by the heartbeat (`liputan status`)
        self.store_error: str | None = None  # why mail cannot be stored now (logged once)

    # -- connection ---------------------------------------------------------------------
    def connect(self) -> IMAPClient:
        """Connect, log in, make our folders and select the intake folder."""
        self.close()
        box = self.box
        timeout = SocketTimeout(connect=box.timeout, read=box.timeout)
        context = ssl.create_default_context() if box.security != "none" else None
        client = IMAPClient(box.host, port=box.port, ssl=box.security == "ssl",
                            ssl_context=context, timeout=timeout)
        try:
            _keepalive(client.socket())
            if box.security == "starttls":
                client.starttls(context)
            client.login(box.username, box.secret())
            self.client = client
            self._ensure_folders()
            self._select()
        except BaseException:
            self.client = None
            _shutdown(client)
            raise
        log.info("connected to %s:%s as %s, folder %s (UIDVALIDITY %s)",
                 box.host, box.port, box.username, self.folder, self.uidvalidity)
        return client

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.sock.settimeout(2)  # a dead peer must not keep us in logout
            client.logout()
        except Exception:
            _shutdown(client)

    def abort(self) -> None:
        """From another thread, at shutdown: cut the socket so a blocked read returns at once."""
        client = self.client
        if client is not None:
            try:
                client.socket().shutdown(socket.SHUT_RDWR)
            except Exception:  # already closed, or never connected
                pass

    def poke(self) -> None:
        """Ask a running worker to leave IDLE and do a round now (e.g. after messages were handled)."""
        self._poke.set()

    def _server_name(self, name: str) -> str:
        """Config folder names use '/' between levels; the server may use another separator."""
        assert self.client is not None
        if name.upper() == "INBOX":
            return name
        delim = self._delimiter()
        return name.replace("/", delim) if delim and delim != "/" else name

    def _delimiter(self) -> str:
        if self._delim is None:
            assert self.client is not None
            folders = self.client.list_folders(directory="", pattern="INBOX")
            delim = folders[0][1] if folders else b"/"
            self._delim = delim.decode() if isinstance(delim, bytes) else (delim or "/")
        return self._delim

    def _ensure_folders(self) -> None:
        assert self.client is not None
        self.folder = self._server_name(self.box.folder)
        for name in (self.box.processed_folder, self.box.quarantine_folder, self.box.ignored_folder):
            server_name = self._server_name(name)
            if not self.client.folder_exists(server_name):
                log.info("creating folder %s", server_name)
                try:
                    self.client.create_folder(server_name)
                except IMAPClientError:
                    if not self.client.folder_exists(server_name):
                        raise  # not another session creating it at the same moment
                try:
                    self.client.subscribe_folder(server_name)
                except Exception:  # subscription is a courtesy for mail clients
                    pass

    def _select(self) -> None:
        assert self.client is not None
        info = self.client.select_folder(self.folder)
        self.uidvalidity = int(info[b"UIDVALIDITY"])

    def _ensure(self) -> IMAPClient:
        return self.client if self.client is not None else self.connect()

    # -- one round ----------------------------------------------------------------------
    def run_once(self) -> int:
        """One round: store new messages, file handled ones; returns how many were stored."""
        self._ensure()
        stored = self.fetch_new()
        self.file_handled()
        return stored

    def fetch_new(self) -> int:
        """Store every message above the checkpoint, in batches; returns how many were new."""
        client = self._ensure()
        self._select()  # refresh UIDVALIDITY (and the server's view of the folder)
        assert self.uidvalidity is not None
        last = checkpoint(self.factory, self.box.folder, self.uidvalidity, self.folder)
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        if not uids:
            return 0
        sizes = client.fetch(uids, ["RFC822.SIZE"])
        stored = 0
        for batch in _batches(uids, sizes):
            stored += self._store_batch(client, batch)
        if stored:
            self.health.message_seen()
            log.info("stored %d new message(s) from %s", stored, self.folder)
        return stored

    def _store_batch(self, client: IMAPClient, uids: list[int]) -> int:
        data = client.fetch(uids, ["BODY.PEEK[]"])
        try:
            fetched = save_raw(data, uids, self.raw_dir, datetime.now(self.cfg.tz))
        except OSError as exc:  # a local write: the disk, not the connection
            raise StoreFailed(f"cannot write the raw mail under {self.raw_dir}: {exc}") from exc
        try:
            return store_batch(self.factory, self.box.folder, self.uidvalidity, uids, fetched,
                               self._duplicates)
        except CheckpointMoved as exc:
            raise ConnectionLost(str(exc)) from exc
        except DBAPIError as exc:
            raise StoreFailed(f"cannot record the mail in the database: {str(exc.orig).strip()}") from exc

    # -- filing -------------------------------------------------------------------------
    def _destination(self, status: str) -> str:
        name = {"done": self.box.processed_folder, "ignored": self.box.ignored_folder,
                "quarantined": self.box.quarantine_folder}[status]
        return self._server_name(name)

    def file_handled(self) -> int:
        """Move handled messages to their folders; returns how many rows were marked filed."""
        client = self._ensure()
        if self._duplicates:  # a second copy of a message we have: out of the operator's way
            filing.move(client, self._duplicates, self._destination("ignored"))
            self._duplicates = []
        return filing.file_pending(client, self.factory, self.box.folder, self.uidvalidity,
                                   self._destination)

    # -- the loop -----------------------------------------------------------------------
    def run(self, stop: threading.Event, wake: Callable[[], None] | None = None) -> None:
        """Work the mailbox until `stop` is set: IDLE (or poll), reconnecting with backoff."""
        backoff = 1.0
        standby = False
        away_since: float | None = None  # monotonic time of this outage's first failure
        failures = 0
        while not stop.is_set():
            if self.lock is not None and not self.lock.acquire():
                if not standby:
                    log.info("another instance works %s@%s; standing by", self.box.username,
                             self.box.host)
                    standby = True
                    self.health.set(health.STANDBY)
                stop.wait(STANDBY_SECONDS)
                continue
            standby = False
            try:
                self.connect()
                self.health.set(health.CONNECTED)
                if away_since is not None:
                    log.info("mailbox %s@%s back after %.0f s (%d failed attempt(s)); catching up",
                             self.box.username, self.box.host, time.monotonic() - away_since, failures)
                    away_since, failures = None, 0
                self._round(wake)
                backoff = 1.0
                if self.client is not None and self.client.has_capability("IDLE"):
                    self._idle_loop(stop, wake)
                else:
                    self._poll_loop(stop, wake)
            except Exception as exc:
                if stop.is_set():
                    break
                failures += 1
                if away_since is None:  # one warning per outage; the retries are debug lines
                    away_since = time.monotonic()
                    log.warning("mailbox connection failed (%s: %s); retrying in %.0f s, then at most "
                                "every %.0f s (`liputan status` shows the latest error)",
                                type(exc).__name__, exc, backoff, self.box.retry_max_seconds,
                                exc_info=log.isEnabledFor(logging.DEBUG))
                else:
                    log.debug("mailbox still away (%s: %s); retrying in %.0f s", type(exc).__name__,
                              exc, backoff)
                self.health.set(health.AWAY, f"{type(exc).__name__}: {exc}"[:500])
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, self.box.retry_max_seconds)
        self.close()
        if self.lock is not None:
            self.lock.release()
        self.health.set(health.STOPPED)
        log.info("mailbox worker stopped")

    def _round(self, wake: Callable[[], None] | None) -> None:
        self._check_lock()
        self._poke.clear()
        try:
            stored = self.run_once()
        except (StoreFailed, DBAPIError) as exc:  # DBAPIError: e.g. filing's bookkeeping
            if isinstance(exc, DBAPIError):
                exc = StoreFailed(f"cannot write the database: {str(exc.orig).strip()}")
            if self.store_error is None:
                log.error("cannot store new mail (%s); it stays in the mailbox and is fetched again "
                          "every %.0f s", exc, STORE_RETRY_SECONDS)
            self.store_error = str(exc)[:500]
            self.health.set(health.CANNOT_STORE, self.store_error)
            return
        if self.store_error is not None:
            log.info("storing mail again (after: %s)", self.store_error)
            self.store_error = None
            self.health.set(health.CONNECTED)
        if stored and wake is not None:
            wake()

    def _storage_wait(self, stop: threading.Event, wake: Callable[[], None] | None) -> bool:
        """While mail cannot be stored, try again every few seconds instead of waiting for news."""
        if self.store_error is None:
            return False
        stop.wait(STORE_RETRY_SECONDS)
        if not stop.is_set():
            self._check_lock()
            self.client.noop()  # type: ignore[union-attr]
            self._round(wake)
        return True

    def _poll_loop(self, stop: threading.Event, wake: Callable[[], None] | None) -> None:
        while not stop.is_set():
            if self._storage_wait(stop, wake):
                continue
            deadline = time.monotonic() + self.box.poll_seconds
            while not stop.is_set() and time.monotonic() < deadline and not self._poke.is_set():
                stop.wait(min(IDLE_CHECK_SECONDS, max(0.0, deadline - time.monotonic())))
            if stop.is_set():
                return
            self._check_lock()
            self.client.noop()  # type: ignore[union-attr]
            self._round(wake)

    def _idle_loop(self, stop: threading.Event, wake: Callable[[], None] | None) -> None:
        while not stop.is_set():
            if self._storage_wait(stop, wake):
                continue
            self._idle_once(stop)
            if stop.is_set():
                return
            self._round(wake)  # after news, and at every IDLE re-issue as a catch-up

    def _idle_once(self, stop: threading.Event) -> bool:
        """One IDLE period; True when the server reported news or filing is due."""
        client = self.client
        assert client is not None
        client.idle()
        started = time.monotonic()
        self._last_file_check = started
        self._quick_empty = 0
        news = False
        while not stop.is_set() and time.monotonic() - started < self.box.idle_seconds:
            news = self._idle_step(client)
            if news:
                break
        # idle_done reads the tagged reply with the socket's read timeout, so a cut network
        # raises socket.timeout here instead of hanging
        client.idle_done()
        return news

    def _idle_step(self, client: IMAPClient) -> bool:
        self._check_lock()  # local and instant: a holder whose lease runs out stops within 1 s
        t0 = time.monotonic()
        responses = client.idle_check(timeout=IDLE_CHECK_SECONDS)
        if any(isinstance(r, tuple) and r and r[0] == b"BYE" for r in responses):
            raise ConnectionLost("server said BYE")
        if responses:
            self._quick_empty = 0
            return any(_is_news(r) for r in responses)
        # poll() reporting "readable" with nothing to read means the peer closed the socket
        quick = time.monotonic() - t0 < IDLE_CHECK_SECONDS / 2
        self._quick_empty = self._quick_empty + 1 if quick else 0
        if self._quick_empty >= 3:
            raise ConnectionLost("socket closed during IDLE")
        if self._poke.is_set():
            return True
        if time.monotonic() - self._last_file_check > FILE_CHECK_SECONDS:
            self._last_file_check = time.monotonic()
            return bool(filing.pending(self.factory, self.box.folder))
        return False


    def _check_lock(self) -> None:
        if self.lock is not None and not self.lock.held():
            raise ConnectionLost("lost the mailbox lease (not renewed in time)")


def _is_news(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def _batches(uids: list[int], sizes: dict) -> Iterable[list[int]]:
    """Group UIDs so that one FETCH stays under BATCH_MESSAGES and about BATCH_BYTES."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0) or 0)
        if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _keepalive(sock: socket.socket) -> None:
    """TCP keepalive: a peer gone without a FIN (dead NAT, cut route) ends a blocked IDLE read
    in about 90 s instead of waiting for the next IDLE renewal."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:
        try:
            client.sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            pass
