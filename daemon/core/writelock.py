"""A fair (FIFO) in-process queue in front of SQLite's write lock (BEGIN IMMEDIATE).

SQLite's busy handler polls: a thread that finds the database locked sleeps (up to 100 ms at a
time) and tries again, while a thread of the same process that commits and begins again at once
keeps winning. So the daemon's threads queue here first, in arrival order, and the next one is
woken the moment the holder's COMMIT or ROLLBACK (or the close of its connection) has returned.

- Only threads of this process queue; other processes (CLI commands, the reading process, a
  second daemon) still meet SQLite's busy handler, as does the holder itself.
- A waiter gives up after `timeout` (the busy timeout) and falls through to SQLite's own wait:
  this queue never turns a timeout into a deadlock.
- A thread that already holds it (one thread nesting two transactions) falls through at once,
  to fail in SQLite as before rather than wait here for itself.
- A forked child starts with every queue empty and free (os.register_at_fork).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

_LOCKS: weakref.WeakValueDictionary[str, FairLock] = weakref.WeakValueDictionary()
_REGISTRY = threading.Lock()


class _Waiter:
    __slots__ = ("granted", "ready", "thread", "token")

    def __init__(self, token: object, thread: int) -> None:
        self.token, self.thread, self.granted = token, thread, False
        self.ready = threading.Lock()
        self.ready.acquire()  # released by the holder that hands the lock over


class FairLock:
    """A FIFO lock whose holder is a token (a DBAPI connection), released by that token from
    any thread; the holding thread is remembered to let its re-entrance fall through. A release
    hands the lock straight to the first waiter and wakes that one only, so the releasing thread,
    beginning again at once, queues behind it."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._mutex = threading.Lock()
        self._queue: deque[_Waiter] = deque()  # first in line first; empty while no one holds it
        self._holder: object | None = None
        self._thread: int | None = None
        self.fell_through = 0  # acquisitions that gave up (timeout or re-entrance)

    def acquire(self, token: object, timeout: float) -> bool:
        """Take the lock for `token`: True once it is ours, False when the caller should go on
        without it (the timeout passed, or this thread holds it already)."""
        me = threading.get_ident()
        with self._mutex:
            if self._holder is None:
                self._holder, self._thread = token, me
                return True
            if self._thread == me:
                self.fell_through += 1
                return False
            waiter = _Waiter(token, me)
            self._queue.append(waiter)
        if waiter.ready.acquire(timeout=max(timeout, 0)):
            return True
        with self._mutex:
            if waiter.granted:  # handed over as the wait ran out
                return True
            self._queue.remove(waiter)
            self.fell_through += 1
            return False

    def release(self, token: object) -> bool:
        """Free the lock if `token` holds it (a no-op otherwise: a transaction that fell
        through, or a connection that held nothing), handing it to the next in line."""
        with self._mutex:
            if self._holder is not token or token is None:
                return False
            if self._queue:
                waiter = self._queue.popleft()
                self._holder, self._thread, waiter.granted = waiter.token, waiter.thread, True
                waiter.ready.release()
            else:
                self._holder = self._thread = None
            return True

    def held_by(self, token: object) -> bool:
        return self._holder is token and token is not None

    def waiting(self) -> int:
        return len(self._queue)


def lock_for(database: str | None) -> FairLock:
    """The one lock of a database file in this process (every engine on it shares it); an
    in-memory database gets a lock of its own."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return FairLock()
    key = os.path.realpath(database)
    with _REGISTRY:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FairLock()
        return lock


def _after_fork_in_child() -> None:
    # a lock held (or waited for) by a thread of the parent is no one's in the child: that thread
    # does not exist here, and its transaction is the parent's (so is the registry's mutex)
    global _REGISTRY
    _REGISTRY = threading.Lock()
    for lock in list(_LOCKS.values()):
        lock._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _dbapi(connection: Any) -> Any:
    """The raw DBAPI connection behind a pool proxy (or the connection itself)."""
    return getattr(connection, "dbapi_connection", None) or connection


READ_ONLY = "liputan_read_only"  # execution option: a transaction that only reads (db.reading)


def install(engine: Engine, timeout: float, begin_sql: str = "BEGIN IMMEDIATE") -> FairLock:
    """Queue every transaction of `engine` on its file's fair lock before `begin_sql`; release it
    once the DBAPI COMMIT or ROLLBACK has returned (the pool's reset on return included) or the
    connection is closed (invalidated). Savepoints neither take nor release it.

    A transaction on a connection with the READ_ONLY execution option takes no write lock: a
    deferred BEGIN reads the last committed state beside the writer (WAL), and `query_only`
    makes any write in it fail at once instead of taking the lock unqueued."""
    lock = lock_for(engine.url.database)
    dialect = engine.dialect
    reading: dict[int, Any] = {}  # id(DBAPI connection) -> it, while in a read-only transaction

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        token = _dbapi(conn.connection)
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            reading[id(token)] = token
            conn.exec_driver_sql("PRAGMA query_only = ON")
            return
        lock.acquire(token, timeout)
        try:
            conn.exec_driver_sql(begin_sql)
        except BaseException:
            lock.release(token)
            raise

    def releasing(original: Callable[[Any], None], closing: bool = False) -> Callable[[Any], None]:
        def done(connection: Any) -> None:
            token = _dbapi(connection)
            try:
                original(connection)
            finally:
                lock.release(token)
                if reading.pop(id(token), None) is not None and not closing:
                    with contextlib.suppress(Exception):  # (a connection that cannot run this
                        token.execute("PRAGMA query_only = OFF")  # cannot write either)
        return done

    # the dialect is this engine's own instance (and its pool's): after the call returns, so the
    # next thread never begins while this COMMIT is still being written
    dialect.do_commit = releasing(dialect.do_commit)  # type: ignore[method-assign]
    dialect.do_rollback = releasing(dialect.do_rollback)  # type: ignore[method-assign]
    dialect.do_close = releasing(dialect.do_close, closing=True)  # type: ignore[method-assign]
    return lock
