"""One mailbox, one worker: two instances on one PostgreSQL database never both work a mailbox.

Two IMAP sessions filing the same message at the same moment both copy it (the processed folder
gets it twice), so the instances agree through the database: a session-level advisory lock held
on a connection of its own. A standby's worker waits for it; when the holder dies its connection
closes, the server drops the lock, and the standby takes over. SQLite has one instance by design.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import Connection, Engine, text

log = logging.getLogger("daemon.mail.mailbox_lock")


def lock_key(host: str, port: int, username: str, folder: str) -> int:
    """A signed 64-bit key naming one mailbox folder (what pg_try_advisory_lock takes)."""
    name = f"liputan-mailbox:{username.lower()}@{host.lower()}:{port}/{folder}".encode()
    return int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)


class MailboxLock:
    """`acquire()` without waiting; `held()` also notices a lost database connection."""

    def __init__(self, engine: Engine, key: int):
        self.engine, self.key = engine, key
        self.enabled = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if not self.enabled:
            return True
        if self.held():
            return True
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as exc:  # the database is away: not ours for now
            log.warning("cannot take the mailbox lock: %s", exc)
            return False
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        except Exception as exc:
            log.warning("cannot take the mailbox lock: %s", exc)
            got = False
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("mailbox lock taken: this instance works the mailbox")
        return True

    def held(self) -> bool:
        """True while the lock's connection is alive (then the server still holds the lock)."""
        if not self.enabled:
            return True
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.warning("mailbox lock lost with its database connection: %s", exc)
            self._drop()
            return False

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        except Exception:  # the connection is gone, and the lock with it
            pass
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never back into the pool: the lock must die with it
            except Exception:
                pass
