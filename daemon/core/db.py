"""Database engine, sessions and self-upgrade (Alembic), on SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import Engine, Table, create_engine, event, func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from daemon.core import writelock
from daemon.core.models import Sequence
from daemon.core.schema_head import MIGRATIONS, head_from_files  # (read without SQLAlchemy too)

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger("daemon.core.db")
# alembic says "Context impl SQLiteImpl." at INFO on every connection it inspects; our own line
# says when a migration really runs
logging.getLogger("alembic").setLevel(logging.WARNING)


IDLE_IN_TRANSACTION_MS = 15_000
# SQLite's page cache per connection, in KiB (its default is 2,000 KiB): the pool keeps about six
# connections open, and what the cache holds is in the OS page cache anyway
SQLITE_CACHE_KIB = 512
# SQLite waits this long for another holder's write lock (and this process's threads as long in
# their queue before it, core/writelock.py)
BUSY_TIMEOUT_S = 30


def make_engine(url: str) -> Engine:
    """An engine with the pragmas the service relies on (SQLite: WAL, busy timeout, FKs)."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cur.close()

        @event.listens_for(engine, "connect")
        def _own_transactions(dbapi_conn, _record) -> None:  # noqa: ANN001
            dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" below issues BEGIN

        # every transaction takes the write lock up front (BEGIN IMMEDIATE): a read-then-write
        # transaction (sequences, claims) then waits for the busy timeout instead of failing with
        # "database is locked"; this process's threads queue for it in turn (core/writelock.py)
        # rather than each polling in SQLite's busy handler
        writelock.install(engine, BUSY_TIMEOUT_S)

        return engine
    # a transaction left open by a process cut off from the server (dead route, no FIN) would
    # hold its row locks for hours; the server ends it instead, so a standby taking over is not
    # blocked (the daemon never keeps a transaction open while doing slow work)
    # (TCP keepalives: a call blocked on a dead route fails in about 25 s instead of hours)
    # (application_name: the process's 'host:pid:' as its claims name it, so another instance can
    # see in pg_stat_activity whether it still has a session: app/reclaim.py; the server's own
    # keepalives end the sessions of a machine that died without closing them in about 25 s)
    return create_engine(url, pool_pre_ping=True, connect_args={
        "options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
                   " -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
        "application_name": session_name("db"),
        "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3})


def session_name(role: str) -> str:
    """'host:pid:role' (host cut to 40 characters), as app/work.holder_name names claims."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{role}"[:63]


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that only reads: on SQLite it takes no write lock (a deferred BEGIN; a write in
    it fails with "attempt to write a readonly database"), so it never queues behind a writer;
    on PostgreSQL, an ordinary session. Rolled back at the end."""
    with factory(execution_options={writelock.READ_ONLY: True}) as session:
        yield session


def _alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest migration: read from the files' `revision`/`down_revision` lines (no Alembic:
    every command asks), or by Alembic when a file is not that simple (a merge, a branch)."""
    return head_from_files(MIGRATIONS) or alembic_head()


def alembic_head() -> str | None:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def stored_revision(engine: Engine) -> str | None:
    """The database's revision by one SELECT of Alembic's own table (None: empty, or not one
    revision); a read that locks nothing beyond what opening a transaction takes."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns True when it changed anything. A database
    already at the head is seen by one SELECT; Alembic is loaded only to migrate.

    SQLite: the file is copied aside first, so a failed upgrade can be undone by hand.
    PostgreSQL: an advisory lock keeps two starting instances from migrating at once.
    """
    head = head_revision()
    if head is not None and stored_revision(engine) == head:
        return False
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    url = engine.url.render_as_string(hide_password=False)
    cfg = _alembic_config(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(727110)"))
        try:
            current = MigrationContext.configure(conn).get_current_revision()
            if current == head:
                return False
            _backup_sqlite(engine, current)
            log.info("upgrading database from %s to %s", current or "empty", head)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(727110)"))
                conn.commit()
    return True


def upgrade_apart(engine: Engine, timeout: float = 3600) -> bool:
    """upgrade(), with Alembic run in a short child process (daemon/core/migrate.py) so that the
    long-running daemon never holds its ~11 MB of imports; True when it changed anything. A
    database already at the head is seen here by one SELECT; an in-memory SQLite database (not
    shared with a child) is upgraded here. The URL goes to the child on stdin, not in its argv."""
    head = head_revision()
    if head is not None and stored_revision(engine) == head:
        return False
    if engine.dialect.name == "sqlite" and (engine.url.database or ":memory:") == ":memory:":
        return upgrade(engine)
    url = engine.url.render_as_string(hide_password=False)
    here = str(Path(__file__).resolve().parents[2])  # this very `daemon` package in the child
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run([sys.executable, "-m", "daemon.core.migrate"], input=url, text=True, env=env,
                          capture_output=True, timeout=timeout, check=False)
    for line in done.stderr.splitlines():
        log.info("migration: %s", line)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise RuntimeError(f"upgrading the database failed: {tail}")
    return done.stdout.strip() == "changed"


def _backup_sqlite(engine: Engine, current: str | None) -> None:
    if engine.dialect.name != "sqlite" or current is None:
        return
    path = Path(engine.url.database or "")
    if path.is_file():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        shutil.copy2(path, path.with_name(f"{path.name}.before-{current}-{stamp}"))


def next_value(session: Session, name: str, year: int) -> int:
    """The next number of a gap-free per-year sequence, inside the caller's transaction.

    The row is locked until the caller commits, so numbers are never skipped or shared; a
    rolled-back transaction gives its number back.
    """
    held = _held_sequences(session)
    row = held.get((name, year))
    # locked already in this transaction; a savepoint's rollback expires it (and PostgreSQL
    # frees a lock taken inside that savepoint), so it is then read and locked again below
    if row is not None and inspect(row).persistent and "value" not in inspect(row).unloaded:
        row.value += 1  # written with the caller's next flush (the row that takes the number)
        return row.value
    query = select(Sequence).where(Sequence.name == name, Sequence.year == year).with_for_update()
    with session.no_autoflush:  # (the session's own changes to a sequence are in `held`)
        row = session.execute(query).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():  # two first-of-the-year allocations may race here
                session.add(Sequence(name=name, year=year, value=0))
        except IntegrityError:
            pass
        row = session.execute(query).scalar_one()
    held[(name, year)] = row
    row.value += 1  # written with the caller's next flush: the row is locked until it commits
    return row.value


def held(session: Session, name: str, undone: bool = False) -> dict:
    """A dict kept in `session.info` under `name` for the session's current transaction only
    (what this transaction made or locked; the next transaction starts with an empty one).
    `undone`: each value a tuple ending with the (sub)transaction it was made in (`current`),
    dropped when that savepoint is rolled back."""
    txn = session.get_transaction()
    kept = session.info.get(name)
    if kept is None or kept[0] is not txn:
        kept = session.info[name] = (txn, {})
        if undone:
            session.info.setdefault(UNDONE, set()).add(name)
    return kept[1]


UNDONE = "held_undone"  # session.info: the names of held dicts a rollback empties


def _held_sequences(session: Session) -> dict:
    """The sequence rows locked by the session's current transaction (a batch of letters takes
    its codes from one row read once); another transaction starts with none."""
    txn = session.get_transaction()
    kept = session.info.get("sequences")
    if kept is None or kept[0] is not txn:
        kept = session.info["sequences"] = (txn, {})
    return kept[1]


def new_id(session: Session, model: type) -> int:
    """A primary key for a row about to be added, known before any flush: a batch of rows (a
    backlog's new requests, their history and jobs) is then written with one flush at its end.

    PostgreSQL: the column's own sequence (nextval: never handed out twice, across instances).
    SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the highest id is read
    once and counted on in this transaction; an id of a row undone with its savepoint is a gap.
    Every row of `model` added in such a transaction must take its id here."""
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        return session.connection().execute(  # on the connection: nothing is flushed for it
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id'))"), {"t": table.name}).scalar_one()
    txn = session.get_transaction()
    kept = session.info.get("new_ids")
    if kept is None or kept[0] is not txn:
        kept = session.info["new_ids"] = (txn, {})
    held = kept[1]
    if table.name not in held:
        with session.no_autoflush:
            held[table.name] = session.execute(select(func.max(table.c.id))).scalar() or 0
    held[table.name] += 1
    return held[table.name]


# ---- rows written without the ORM's unit of work -----------------------------------------------
DEFERRED = "deferred_rows"  # db.held: "rows" -> [(the (sub)transaction that queued it, table, row)]
_INSERTS: dict[Table, object] = {}  # one INSERT statement per table: its cache key made once


def current(session: Session) -> object:
    """The innermost transaction of the session now (a savepoint's, or the transaction's)."""
    return session.get_nested_transaction() or session.get_transaction()


def defer(session: Session, table: Table, values: dict) -> None:
    """Queue a new row of `table` (every id it needs taken up front: see new_id) to be written
    by the caller's `write_deferred`, with the other rows of its table and columns in one
    executemany: no ORM object, no unit-of-work flush. A savepoint rolled back drops the rows
    queued inside it (and only those)."""
    held(session, DEFERRED).setdefault("rows", []).append((current(session), table, values))


def deferred(session: Session, table: Table) -> list[dict]:
    """The rows of `table` queued in this transaction and not written yet (a key looked up)."""
    return [row for _, t, row in held(session, DEFERRED).get("rows", ()) if t is table]


def write_deferred(session: Session) -> int:
    """Write the rows `defer` queued, in the caller's transaction; how many statements. Tables in
    the order they were first queued (they refer only to rows already written), rows in theirs."""
    rows = held(session, DEFERRED).pop("rows", None)
    if not rows:
        return 0
    batches: dict[tuple, list[dict]] = {}
    for _, table, values in rows:
        batches.setdefault((table, tuple(values)), []).append(values)
    conn = session.connection()  # (on the connection: nothing is flushed for it)
    for (table, _), values in batches.items():
        stmt = _INSERTS.get(table)
        if stmt is None:
            stmt = _INSERTS[table] = insert(table)
        conn.execute(stmt, values)  # type: ignore[arg-type]
    return len(batches)


def drop_deferred(session: Session) -> None:
    """Forget the rows queued and not written (their transaction or savepoint is being undone)."""
    held(session, DEFERRED).pop("rows", None)


def within(txn: object, undone: object) -> bool:
    """Whether `txn` is the transaction `undone` or one of its savepoints."""
    while txn is not None:
        if txn is undone:
            return True
        txn = txn.parent  # type: ignore[attr-defined]
    return False


@event.listens_for(Session, "after_soft_rollback")
def _undone(session: Session, previous: object) -> None:
    """A transaction or savepoint undone: the rows queued inside it are not written, and what the
    held dicts marked `undone` kept of it (values ending with their transaction) is forgotten."""
    kept = session.info.get(DEFERRED)
    if kept and kept[1].get("rows"):
        kept[1]["rows"] = [r for r in kept[1]["rows"] if not within(r[0], previous)]
    for name in session.info.get(UNDONE, ()):
        kept = session.info.get(name)
        if kept:
            for key in [k for k, v in kept[1].items() if within(v[-1], previous)]:
                del kept[1][key]


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Rows still queued at the commit are written with it (a caller that queued and returned)."""
    kept = session.info.get(DEFERRED)
    if kept and kept[1].get("rows") and kept[0] is session.get_transaction():
        write_deferred(session)
