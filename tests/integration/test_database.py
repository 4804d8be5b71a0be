"""The schema and the gap-free sequences on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.db import (
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    next_value,
    sessions,
    transaction,
    upgrade,
)
from daemon.core.models import Checkpoint, Inbound

pytestmark = pytest.mark.integration


def test_upgrade_builds_an_empty_database_and_then_does_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        assert upgrade(engine) is True
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"inbound", "checkpoint", "outbox", "request", "sequence", "lease"} <= tables
        assert upgrade(engine) is False
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_imap_uids_up_to_2_to_the_32_fit(factory: sessionmaker[Session]) -> None:
    top = 2**32 - 1
    with transaction(factory) as session:
        session.add(Checkpoint(folder="INBOX", uidvalidity=top, last_uid=top))
        session.add(Inbound(message_id="<a@b>", folder="INBOX", uidvalidity=top, uid=top,
                            raw_path="x", sha256="0" * 64, size=1))
    with factory() as session:
        cp = session.get(Checkpoint, "INBOX")
        assert cp is not None and (cp.uidvalidity, cp.last_uid) == (top, top)
        assert session.scalar(select(Inbound.uid)) == top


def test_upgrade_from_the_first_schema_keeps_the_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.upgrade(_alembic_config(db_url), "0001")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO checkpoint (folder, uidvalidity, last_uid, updated_at) "
                              "VALUES ('INBOX', 7, 42, CURRENT_TIMESTAMP)"))
        assert upgrade(engine) is True
        with engine.connect() as conn:
            assert conn.execute(text("SELECT last_uid FROM checkpoint")).scalar() == 42
    finally:
        engine.dispose()


def _allocate(factory: sessionmaker[Session], n: int, out: list[int], errors: list[BaseException]) -> None:
    try:
        for _ in range(n):
            for attempt in range(50):
                try:
                    with transaction(factory) as session:
                        value = next_value(session, "surat", 2026)
                    out.append(value)
                    break
                except (IntegrityError, OperationalError):
                    # two first-ever allocations both inserting the row: the loser retries
                    time.sleep(0.01 * (attempt + 1))
            else:
                raise AssertionError("could not allocate a number")
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def test_next_value_is_gap_free_under_concurrency(factory: sessionmaker[Session]) -> None:
    threads_n, per_thread = 6, 25
    values: list[int] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_allocate, args=(factory, per_thread, values, errors))
               for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(values) == list(range(1, threads_n * per_thread + 1))
    with transaction(factory) as session:
        assert next_value(session, "surat", 2026) == threads_n * per_thread + 1
        assert next_value(session, "surat", 2027) == 1


def test_a_rolled_back_allocation_leaves_no_gap(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        assert next_value(session, "spt", 2026) == 1
    with pytest.raises(RuntimeError):
        with transaction(factory) as session:
            next_value(session, "spt", 2026)
            raise RuntimeError("letter could not be written")
    with transaction(factory) as session:
        assert next_value(session, "spt", 2026) == 2


def test_sessions_share_one_engine_per_url(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    factory = sessions(engine)
    with factory() as s:
        assert s.get_bind() is engine
    engine.dispose()
