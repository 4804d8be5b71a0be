"""The schema and the gap-free sequences on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.db import (
    _alembic_config,
    alembic_head,
    current_revision,
    head_revision,
    make_engine,
    next_value,
    sessions,
    stored_revision,
    transaction,
    upgrade,
)
from daemon.core.models import Checkpoint, Inbound

pytestmark = pytest.mark.integration

VERSIONS = Path(__file__).parents[2] / "daemon" / "core" / "migrations" / "versions"
# every revision but the head: an office may upgrade from any of them
EARLIER = sorted(p.name[:4] for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))[:-1]


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


def test_the_head_read_from_the_files_is_alembics(tmp_path, monkeypatch) -> None:
    from daemon.core import db
    asked = []
    monkeypatch.setattr(db, "alembic_head", lambda: asked.append(1) or alembic_head())
    assert head_revision() == alembic_head() and not asked  # read from the files
    # a file it cannot read simply (a merge of two branches) is left to Alembic
    versions = tmp_path / "versions"
    versions.mkdir()
    for p in VERSIONS.glob("*.py"):
        (versions / p.name).write_text(p.read_text())
    merge = versions / "9999_merge.py"
    merge.write_text(f"revision = '9999'\ndown_revision = ('{alembic_head()}', 'x')\n")
    monkeypatch.setattr(db, "MIGRATIONS", tmp_path)
    monkeypatch.setattr(db, "alembic_head", lambda: asked.append(1) or "alembic's")
    assert head_revision() == "alembic's" and asked


def test_a_database_at_the_head_is_seen_without_alembic(db_url: str, monkeypatch) -> None:
    import sys
    engine = make_engine(db_url)
    try:
        assert stored_revision(engine) is None
        assert upgrade(engine) is True
        assert stored_revision(engine) == current_revision(engine) == head_revision()
        for name in [m for m in sys.modules if m == "alembic" or m.startswith("alembic.")]:
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, "alembic", None)  # importing it now would fail
        assert upgrade(engine) is False
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


@pytest.mark.parametrize("start", EARLIER)
def test_upgrade_from_every_earlier_version_keeps_requests_mail_and_letters(db_url: str, start: str) -> None:
    engine = make_engine(db_url)
    try:
        command.upgrade(_alembic_config(db_url), start)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO request (code, title, state, step, until_done, requester_email, subject, "
                "missing, team, schedule, notes, flags, created_at, updated_at) VALUES "
                "('LPT-2026-0001', 'Rapat', 'open', 4, false, 'a@b.id', 's', '[]', '[]', '{}', '[]', "
                "'[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text(
                "INSERT INTO outbox (message_id, request_id, kind, recipients, subject, raw, status, "
                "attempts, next_attempt_at, created_at) VALUES ('<m@x>', 1, 'task', '[\"k@b.id\"]', "
                "'s', :raw, 'queued', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"raw": b"x"})
            conn.execute(text(
                "INSERT INTO document (request_id, kind, number, version, path, meta, created_at) "
                "VALUES (1, 'spt', '800/1', 1, '/x.docx', '{}', CURRENT_TIMESTAMP)"))
        assert upgrade(engine) is True
        with engine.connect() as conn:
            assert conn.execute(text("SELECT step, sop_revision FROM request")).one() == (4, None)
            assert conn.execute(text("SELECT status FROM outbox")).scalar() == "queued"
            assert conn.execute(text("SELECT status FROM document")).scalar() == "ready"
            assert conn.execute(text("SELECT count(*) FROM job")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM publication")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM heartbeat")).scalar() == 0
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_models_match_the_migrations(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from daemon.core.models import Base

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        if engine.dialect.name == "sqlite":  # 0002 leaves SQLite's 64-bit INTEGERs alone on purpose
            diff = [d for d in diff if not (isinstance(d, list) and d[0][0] == "modify_type")]
        assert diff == []
    finally:
        engine.dispose()


def test_sqlite_commits_survive_a_power_cut(tmp_path) -> None:
    """WAL with synchronous=FULL: a commit is on disk before it returns (NORMAL may lose the last
    commits when the power goes)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'l.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_0006_turns_the_letter_date_text_into_a_date(db_url: str) -> None:
    """Issue 10: ISO text becomes a date, anything else becomes NULL; the letter's perihal is added."""
    from datetime import date
    engine = make_engine(db_url)
    try:
        command.upgrade(_alembic_config(db_url), "0005")
        with engine.begin() as conn:
            for code, day in (("LPT-2026-0001", "'2026-11-24'"), ("LPT-2026-0002", "'24 Nov'"),
                              ("LPT-2026-0003", "NULL")):
                conn.execute(text(
                    "INSERT INTO request (code, title, state, until_done, requester_email, subject, "
                    "letter_date, missing, team, schedule, notes, flags, created_at, updated_at) VALUES "
                    f"('{code}', 'Rapat', 'open', false, 'a@b.id', 's', {day}, '[]', '[]', '{{}}', '[]', "
                    "'[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        assert upgrade(engine) is True
        from daemon.core.models import Request
        with sessions(engine)() as s:
            rows = {r.code: (r.letter_date, r.letter_subject) for r in s.scalars(select(Request))}
        assert rows == {"LPT-2026-0001": (date(2026, 11, 24), None), "LPT-2026-0002": (None, None),
                        "LPT-2026-0003": (None, None)}
        command.downgrade(_alembic_config(db_url), "0005")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT letter_date FROM request WHERE code = 'LPT-2026-0001'")
                                ).scalar() == "2026-11-24"
    finally:
        engine.dispose()


def test_0007_adds_the_heartbeat_table_and_takes_it_away_again(db_url: str) -> None:
    """Issue 12: each running daemon's heartbeat row, read by `liputan status`."""
    from datetime import datetime, timezone

    from daemon.core.models import Heartbeat
    engine = make_engine(db_url)
    try:
        command.upgrade(_alembic_config(db_url), "0006")
        assert "heartbeat" not in inspect(engine).get_table_names()
        assert upgrade(engine) is True
        now = datetime.now(timezone.utc)
        with sessions(engine)() as s, s.begin():
            s.add(Heartbeat(instance="host:1", host="host", pid=1, version="0.1.0", started_at=now,
                            beat_at=now, interval=5.0, mailbox="connected", checks={"folder": {"ok": True}}))
        with sessions(engine)() as s:
            row = s.get(Heartbeat, "host:1")
            assert (row.mailbox, row.beat_at, row.checks) == ("connected", now, {"folder": {"ok": True}})
            assert row.stopped_at is None
        command.downgrade(_alembic_config(db_url), "0006")
        assert "heartbeat" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0010_adds_the_repeat_letter_indexes_and_takes_them_away_again(db_url: str) -> None:
    """The repeat-letter check's indexes: address and start beside the state, and the open
    requests' names (a hash on PostgreSQL: a name may be longer than a B-tree entry)."""
    engine = make_engine(db_url)
    wanted = {"ix_request_state_requester_email": ["state", "requester_email"],
              "ix_request_state_event_start": ["state", "event_start"],
              "ix_request_open_requester": ["requester"]}

    def indexes() -> dict[str, list[str]]:
        return {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("request")
                if ix["name"] in wanted}

    try:
        command.upgrade(_alembic_config(db_url), "0009")
        assert indexes() == {}
        assert upgrade(engine) is True
        assert indexes() == wanted
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                ddl = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                        "'ix_request_open_requester'")).scalar()
            assert "USING hash" in ddl and "WHERE" in ddl and "'open'" in ddl
        command.downgrade(_alembic_config(db_url), "0009")
        assert indexes() == {}
    finally:
        engine.dispose()
