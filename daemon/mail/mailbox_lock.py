"""The office lease: of two instances on one PostgreSQL database, only the holder works the mailbox.

A session-level advisory lock held on a connection of its own (never the pool's). The holder
renews it every `check` seconds with a round trip; the session runs with `idle_session_timeout`
= `ttl`, so the server ends it, and drops the lock, `ttl` seconds after the last renewal even
when the holder's network is gone without a FIN (a dead route keeps a plain TCP session and its
lock for hours). The holder counts its own time from the moment it SENT its last successful
renewal: it stops calling the lease its own a margin before the server can give it away, so
two instances never both work the mailbox. A SIGKILLed holder's socket closes at once and the
lock is free at once. SQLite has one instance by design (the lease is always held).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger("daemon.mail.mailbox_lock")

TTL = 15.0  # seconds; [ha] lease_seconds
CHECK = 2.0  # seconds between renewals; [ha] check_seconds
CONNECT_TIMEOUT = 5  # seconds: a connection attempt into a dead network must not hang


def lock_key(host: str, port: int, username: str, folder: str) -> int:
    """A signed 64-bit key naming one mailbox folder (what pg_try_advisory_lock takes)."""
    name = f"liputan-mailbox:{username.lower()}@{host.lower()}:{port}/{folder}".encode()
    return int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)


def margin(ttl: float) -> float:
    """How long before the server could end the session the holder already lets go."""
    return max(2.0, ttl / 5)


class MailboxLock:
    """`acquire()` without waiting; `held()` is local and instant (no network round trip)."""

    def __init__(self, engine: Engine, key: int, ttl: float = TTL, check: float = CHECK,
                 name: str = "liputan"):
        self.key, self.ttl, self.check = key, float(ttl), float(check)
        self.enabled = engine.dialect.name == "postgresql"
        # its own engine: one connection per acquisition, closed (not pooled) when the lease ends
        self.engine = create_engine(
            engine.url, poolclass=NullPool,
            connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": name[:63],
                          "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                          "keepalives_count": 3}) if self.enabled else engine
        self._conn: Connection | None = None
        self._valid_until = 0.0  # time.monotonic() at which this process stops calling it its own
        self._mutex = threading.RLock()
        self._keeper: threading.Thread | None = None
        self._on_lost: list[Callable[[], None]] = []
        self.last_holder: str | None = None  # the other holder's name, as last seen by a standby
        self.held_at: datetime | None = None  # when this instance took the lease it holds (UTC)

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Called (from the keeper's thread) as soon as a held lease is found lost."""
        self._on_lost.append(callback)

    def acquire(self) -> bool:
        if not self.enabled:
            return True
        with self._mutex:
            if self.held():
                return True
            self._drop()  # a lease that ran out locally is given up for good
            conn = self._connect()
            if conn is None:
                return False
            sent = time.monotonic()
            try:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            except Exception as exc:  # noqa: BLE001 - not ours for now; tried again later
                log.warning("cannot take the mailbox lock: %s", exc)
                got = False
            if not got:
                self.last_holder = self._holder(conn) or self.last_holder
                _close(conn)
                return False
            self._conn, self._valid_until = conn, sent + self.ttl - margin(self.ttl)
            self.held_at = datetime.now(timezone.utc)
            self._keeper = threading.Thread(target=self._keep, args=(conn,), daemon=True,
                                            name="mailbox-lease")
            self._keeper.start()
        log.info("mailbox lock taken: this instance works the mailbox (lease %.0f s)", self.ttl)
        return True

    def _holder(self, conn: Connection) -> str | None:
        """The application_name (the holder's `name`) of the session holding the lock now."""
        try:
            found = session_holding(conn, self.key)
            return found["application_name"] if found else None
        except Exception as exc:  # noqa: BLE001 - only a hint for freeing its claims later
            log.debug("cannot name the lease holder: %s", exc)
            return None

    def _connect(self) -> Connection | None:
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as exc:  # noqa: BLE001 - the database is away: not ours for now
            log.warning("cannot take the mailbox lock: %s", exc)
            return None
        try:  # the server ends the session, and the lock, ttl seconds after the last renewal
            ms = int(self.ttl * 1000)
            for name, value in (("idle_session_timeout", ms), ("tcp_user_timeout", ms),
                                ("tcp_keepalives_idle", 5), ("tcp_keepalives_interval", 2),
                                ("tcp_keepalives_count", 3)):
                conn.execute(text(f"SET {name} = {int(value)}"))
        except Exception as exc:  # noqa: BLE001 - without a bounded lease we do not hold one
            log.error("cannot bound the mailbox lease (PostgreSQL 14 or later is needed for "
                      "idle_session_timeout): %s", exc)
            _close(conn)
            return None
        return conn

    def held(self) -> bool:
        """True while the last renewal is recent enough that the server still holds the lock."""
        if not self.enabled:
            return True
        return self._conn is not None and time.monotonic() < self._valid_until

    def seconds_left(self) -> float:
        return max(0.0, self._valid_until - time.monotonic()) if self._conn is not None else 0.0

    def _keep(self, conn: Connection) -> None:
        """Renew every `check` seconds; a renewal that overruns the lease cuts the socket."""
        while True:
            time.sleep(self.check)
            with self._mutex:
                if self._conn is not conn:
                    return  # released or replaced
            sent = time.monotonic()
            if sent >= self._valid_until or not self._ping(conn, self._valid_until - sent):
                self._lost(conn)
                return
            with self._mutex:
                if self._conn is conn:
                    self._valid_until = sent + self.ttl - margin(self.ttl)

    def _ping(self, conn: Connection, limit: float) -> bool:
        cutter = threading.Timer(limit, _cut_socket, args=(conn,))
        cutter.daemon = True
        cutter.start()
        try:
            conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:  # noqa: BLE001 - the session (and the lock) is gone
            log.warning("mailbox lease could not be renewed: %s", exc)
            return False
        finally:
            cutter.cancel()

    def _lost(self, conn: Connection) -> None:
        with self._mutex:
            if self._conn is not conn:
                return
            self._drop()
        log.warning("mailbox lease lost: this instance stops working the mailbox")
        for callback in self._on_lost:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the others must still run
                log.exception("a mailbox-lease-lost callback failed")

    def release(self) -> None:
        with self._mutex:
            conn = self._conn
            if conn is None:
                return
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except Exception:  # noqa: BLE001 - the connection is gone, and the lock with it
                pass
            self._drop()

    def facts(self) -> dict:
        """Whether this instance holds the lease and since when, for its heartbeat."""
        held = self.held()
        since = self.held_at if held else None
        return {"held": held, "since": since.isoformat() if since else None,
                "shared": self.enabled}

    def _drop(self) -> None:
        with self._mutex:
            conn, self._conn, self._valid_until = self._conn, None, 0.0
            self.held_at = None
        if conn is not None:
            _cut_socket(conn)  # the server sees the session end now, not at its timeout
            _close(conn)


# the session holding a lease key's advisory lock (bigint keys: classid = high, objid = low half)
HOLDER = ("SELECT a.application_name, a.backend_start, a.client_addr::text AS client_addr"
          " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
          " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
          " AND l.classid::bigint = (:k >> 32) & 4294967295 AND l.objid::bigint = :k & 4294967295")


def session_holding(conn, key: int) -> dict | None:  # noqa: ANN001 - a Connection or Session
    """The server's own answer: the session holding the lease now (its application_name is the
    holder's 'host:pid:lease'), or None when nobody holds it."""
    row = conn.execute(text(HOLDER), {"k": key}).mappings().first()
    return dict(row) if row else None


def _cut_socket(conn: Connection) -> None:
    """From any thread: end the session's TCP connection so a blocked call returns at once."""
    try:
        fd = conn.connection.dbapi_connection.fileno()  # type: ignore[union-attr]
        dup = socket.socket(fileno=os.dup(fd))
    except Exception:  # noqa: BLE001 - already closed
        return
    try:
        dup.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        dup.close()


def _close(conn: Connection) -> None:
    try:
        conn.invalidate()  # never back into a pool: the lock must die with it
        conn.close()
    except Exception:  # noqa: BLE001
        pass
