"""The SQLite write lock is taken in turn by the threads of one process (core/writelock.py): a
waiter queues FIFO and is woken when the holder commits, rolls back or loses its connection; a
thread nesting two transactions and a forked child never hang on it; a thread that commits and
begins again at once no longer starves another."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from daemon.core import db, writelock

TIMEOUT = 1.0  # the busy timeout in these tests (the fair queue's and SQLite's)


@pytest.fixture
def engine(tmp_path, monkeypatch) -> Iterator[Engine]:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", TIMEOUT)
    eng = db.make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield eng
    eng.dispose()


def lock_of(engine: Engine) -> writelock.FairLock:
    return writelock.lock_for(engine.url.database)


def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def write(engine: Engine, who: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": who})


def test_waiters_take_the_lock_in_arrival_order(engine):
    order: list[str] = []
    lock = lock_of(engine)

    def waiter(name: str) -> None:
        with engine.begin() as conn:
            order.append(name)
            conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": name})

    threads = []
    with engine.begin() as held:
        held.execute(text("INSERT INTO t (who) VALUES ('holder')"))
        for i, name in enumerate(["a", "b", "c", "d", "e"]):
            threads.append(threading.Thread(target=waiter, args=(name,)))
            threads[-1].start()
            until(lambda i=i: lock.waiting() == i + 1)  # queued before the next one starts
            time.sleep(0.03)  # (without the queue, SQLite's sleeps would now differ per thread)
    for t in threads:
        t.join(5)
    assert order == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_waiter_is_woken_when_the_holder_ends(engine, end):
    lock, lags = lock_of(engine), []
    for _ in range(5):
        got = []
        conn = engine.connect()
        trans = conn.begin()
        waiter = threading.Thread(target=lambda got=got: (write(engine, "w"), got.append(time.monotonic())))
        waiter.start()
        until(lambda: lock.waiting() == 1)
        time.sleep(0.3)  # SQLite's busy handler would sleep 100 ms at a time by now
        getattr(trans, end)()
        ended = time.monotonic()
        waiter.join(5)
        conn.close()
        lags.append(got[0] - ended)
    assert statistics.median(lags) < 0.05, lags


def test_an_exception_inside_a_transaction_releases_it(engine):
    lock = lock_of(engine)
    with pytest.raises(ValueError), db.transaction(db.sessions(engine)) as s:
        s.execute(text("INSERT INTO t (who) VALUES ('undone')"))
        assert lock.waiting() == 0 and lock._holder is not None
        raise ValueError("boom")
    assert lock._holder is None
    started = time.monotonic()
    done = threading.Thread(target=write, args=(engine, "next"))
    done.start()
    done.join(5)
    assert time.monotonic() - started < TIMEOUT / 2
    with engine.connect() as conn:
        assert conn.execute(text("SELECT who FROM t")).scalars().all() == ["next"]


def test_a_connection_invalidated_mid_transaction_releases_it(engine):
    lock = lock_of(engine)
    conn = engine.connect()
    conn.execute(text("INSERT INTO t (who) VALUES ('lost')"))
    assert lock._holder is not None
    conn.invalidate()
    assert lock._holder is None
    started = time.monotonic()
    t = threading.Thread(target=write, args=(engine, "next"))
    t.start()
    t.join(5)
    assert time.monotonic() - started < TIMEOUT / 2
    conn.close()


def test_a_connection_closed_without_commit_releases_it(engine):
    lock = lock_of(engine)
    conn = engine.connect()
    conn.execute(text("SELECT 1"))  # autobegun: the lock is taken, then the close rolls back
    assert lock._holder is not None
    conn.close()
    assert lock._holder is None


def test_a_savepoint_neither_takes_nor_releases_it(engine):
    lock = lock_of(engine)
    with engine.begin() as conn:
        token = lock._holder
        nested = conn.begin_nested()
        conn.execute(text("INSERT INTO t (who) VALUES ('inner')"))
        nested.rollback()
        assert lock._holder is token
        with conn.begin_nested():
            conn.execute(text("INSERT INTO t (who) VALUES ('kept')"))
        assert lock._holder is token
    assert lock._holder is None


def test_one_thread_nesting_two_transactions_falls_through_to_sqlite(engine):
    lock = lock_of(engine)
    before = lock.fell_through
    with engine.begin() as outer:
        outer.execute(text("INSERT INTO t (who) VALUES ('outer')"))
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), engine.begin() as inner:
            inner.execute(text("INSERT INTO t (who) VALUES ('inner')"))
        waited = time.monotonic() - started
    # SQLite's own busy timeout alone, not the queue's on top of it
    assert TIMEOUT * 0.8 < waited < TIMEOUT * 1.6, waited
    assert lock.fell_through == before + 1
    assert lock._holder is None
    write(engine, "after")  # nothing left held


def test_a_waiter_past_the_timeout_falls_through(engine):
    lock = writelock.FairLock()
    holder, got = object(), []
    assert lock.acquire(holder, 1)
    t = threading.Thread(target=lambda: got.append(lock.acquire(object(), 0.2)))
    t.start()
    t.join(5)
    assert got == [False] and lock.waiting() == 0
    lock.release(holder)
    assert lock.acquire(object(), 0.1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_can_take_it(engine):
    lock, release = lock_of(engine), threading.Event()

    def hold() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('parent')"))
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    until(lambda: lock._holder is not None)
    pid = os.fork()
    if pid == 0:  # the child: the parent's holder thread is not here
        ok = writelock.lock_for(engine.url.database).acquire(object(), 0.5)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    release.set()
    holder.join(5)
    assert os.waitstatus_to_exitcode(status) == 0


def test_two_writers_in_a_loop_both_make_progress(engine):
    n, done, waits = 150, {"greedy": 0, "other": 0}, {"greedy": [], "other": []}
    start = threading.Barrier(2)
    at_end: list[int] = []

    def loop(who: str) -> None:
        start.wait()
        for _ in range(n):
            began = time.monotonic()
            with engine.begin() as conn:
                waits[who].append(time.monotonic() - began)
                conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": who})
                time.sleep(0.002)  # the transaction's own work
            done[who] += 1
        at_end.append(done["other" if who == "greedy" else "greedy"])

    threads = [threading.Thread(target=loop, args=(w,)) for w in done]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert done == {"greedy": n, "other": n}
    # taken in turn: when the first finished, the other had nearly done as many
    assert at_end[0] >= n * 0.8, (at_end, done)
    assert max(waits["other"]) < 0.3 and max(waits["greedy"]) < 0.3, (
        max(waits["other"]), max(waits["greedy"]))


def test_a_read_only_session_reads_beside_the_writer_and_cannot_write(engine):
    lock = lock_of(engine)
    write(engine, "committed")
    with engine.begin() as held:  # a writer holds the lock (and SQLite's) meanwhile
        held.execute(text("INSERT INTO t (who) VALUES ('uncommitted')"))
        started = time.monotonic()
        with db.reading(db.sessions(engine)) as s:
            assert s.execute(text("SELECT who FROM t")).scalars().all() == ["committed"]
            with pytest.raises(OperationalError, match="readonly"):
                s.execute(text("INSERT INTO t (who) VALUES ('sneaked')"))
        assert time.monotonic() - started < TIMEOUT / 2  # neither queued nor polled
        assert lock.waiting() == 0
    # the pooled connections write again as before
    for _ in range(3):
        with db.transaction(db.sessions(engine)) as s:
            s.execute(text("INSERT INTO t (who) VALUES ('after')"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t WHERE who = 'after'")).scalar() == 3


def test_a_connection_dropped_unclosed_is_released_by_the_pools_reset(engine):
    import gc
    import warnings
    lock = lock_of(engine)
    conn = engine.connect()
    conn.execute(text("INSERT INTO t (who) VALUES ('dropped')"))
    assert lock._holder is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy warns of the connection it cleans up
        del conn
        gc.collect()
    assert lock._holder is None  # the pool's reset on return rolled it back
    write(engine, "after")
