"""The repeat-letter check reads a unit's open requests through indexes (0010), and decides
exactly as a comparison with every open request would, on SQLite and on PostgreSQL."""

from __future__ import annotations

import email.policy
import hashlib
import random
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from harness import Office, letter
from sqlalchemy import event, select, text
from test_workflow_bodies import BANTAN

from daemon.core.db import make_engine, upgrade
from daemon.core.models import Request
from daemon.core.types import RequestFacts
from daemon.sop import requests

DATA = Path(__file__).resolve().parents[1] / "data"
UNITS = ("Camat Bantan", "Camat Rupat", "Kepala Dinas Sosial Kabupaten Bengkalis",
         "Kepala Dinas Kesehatan Kabupaten Bengkalis", "Camat Mandau")
WHEN = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _explain(conn, stmt, params) -> str:
    """The plan the database makes for `stmt` with these parameters, as one text."""
    prefix = "EXPLAIN " if conn.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "

    def explain(_conn, _cursor, statement, parameters, _context, _many):  # noqa: ANN001, ANN202
        return prefix + statement, parameters

    event.listen(conn, "before_cursor_execute", explain, retval=True)
    try:
        return "\n".join(str(row[-1] if prefix.endswith("PLAN ") else row[0])
                         for row in conn.execute(stmt, params).all())
    finally:
        event.remove(conn, "before_cursor_execute", explain)


def _fill(conn, n: int) -> None:
    """n requests of 25 units, a quarter of them open (what a year leaves behind)."""
    conn.execute(text(
        "INSERT INTO request (code, title, state, until_done, requester, requester_email, subject, "
        "event_start, missing, team, schedule, notes, flags, created_at, updated_at) VALUES "
        "(:code, 'Rapat', :state, false, :name, :email, 's', :start, '[]', '[]', '{}', '[]', '[]', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
        [{"code": f"LPT-2026-{i:05d}", "state": "open" if i % 4 == 0 else "done",
          "name": f"Unit {i % 25}", "email": f"unit{i % 25}@bengkaliskab.go.id",
          "start": (WHEN + timedelta(hours=i)).replace(tzinfo=None)} for i in range(n)])


def test_each_part_of_the_repeat_check_is_read_through_its_own_index(engine) -> None:
    """Address, name and time: each part of the UNION searches its index; none scans every
    open request (the OR of main read each open row)."""
    with engine.begin() as conn:
        _fill(conn, 4000)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE request"))
        params = {"email": "unit3@bengkaliskab.go.id", "name": "Unit 3", "lo": WHEN, "hi": WHEN + timedelta(hours=1)}
        for (named, window), stmt in requests._CANDIDATES.items():
            plan = _explain(conn, stmt, params)
            wanted = {"ix_request_state_requester_email", *(["ix_request_open_requester"] if named else []),
                      *(["ix_request_state_event_start"] if window else [])}
            assert all(name in plan for name in wanted), (named, window, plan)
            assert "SCAN request" not in plan and "Seq Scan" not in plan, (named, window, plan)
        plan = _explain(conn, requests._BY_NAME, params)
        assert "ix_request_open_requester" in plan and "Seq Scan" not in plan, plan


def test_a_unit_name_longer_than_a_btree_entry_is_recorded_and_found(engine) -> None:
    """A unit's name is free text from the letter (a 2,000-character line, or the whole line
    under an empty label): PostgreSQL's B-tree would refuse it (2,704 bytes at most per entry,
    and random text does not compress), so that index is a hash there."""
    rng = random.Random(7)
    name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(4000))
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO request (code, title, state, until_done, requester, requester_email, subject, "
            "missing, team, schedule, notes, flags, created_at, updated_at) VALUES ('LPT-2026-0001', "
            "'Musrenbang Kecamatan Bantan', 'open', false, :name, 'a@b.id', 's', '[]', '[]', '{}', '[]', "
            "'[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"name": name})
    from sqlalchemy.orm import Session
    with Session(engine) as s:
        facts = RequestFacts(title="Musrenbang Kecamatan Bantan", requester=name)
        found, how = requests.same_event(s, facts, "other@b.id")  # another address: by the name
        assert found is not None and found.code == "LPT-2026-0001" and how == "same"


def _letter(unit: int, title: str, day: int, hour: str, sender: str | None = None,
            place: str | None = None, subject: str = "Permohonan peliputan") -> bytes:
    body = (BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", title)
            .replace("Senin, 7 Desember 2026", f"Senin, {day} Desember 2026")
            .replace("09.00 WIB", f"{hour} WIB")
            .replace("\nCamat Bantan\n", f"\n{UNITS[unit]}\n"))
    if place:
        body = body.replace("Aula Kantor Camat Bantan", place)
    return letter(sender or f"unit{unit}@bengkaliskab.go.id", f"{subject} {title}", body
                  ).as_bytes(policy=email.policy.SMTP)


def _corpus() -> list[bytes]:
    """Distinct letters of five units, their repeats (resent, from another address of the
    unit, at a new hour, another unit's letter for the same time and place, a number that makes
    another event) and the request letters of tests/data (those not read by OCR), each twice."""
    hours = ("08.00", "10.00", "13.00", "15.30")
    first = [_letter(i % 5, f"Musyawarah Desa Nomor {i}", 7 + i // 8, hours[i % 4]) for i in range(40)]
    repeats = []
    for i in range(0, 40, 3):
        title, day, hour = f"Musyawarah Desa Nomor {i}", 7 + i // 8, hours[i % 4]
        repeats += [_letter(i % 5, title, day, hour),  # sent again
                    _letter(i % 5, title, day, hour, sender=f"sekretariat{i}@gmail.com"),  # by name
                    _letter(i % 5, title, day, hours[(i + 1) % 4], sender=f"tu{i}@gmail.com",
                            subject="Perubahan waktu"),  # moved
                    _letter((i + 1) % 5, f"Rapat Koordinasi {i}", day, hour),  # same time and place
                    _letter((i + 1) % 5, f"Rapat Koordinasi {i}", day, hour, place=f"Gedung {i}"),
                    _letter(i % 5, f"Musyawarah Desa Nomor {i + 100}", day, hour)]  # another number
    corpus = [p.read_bytes() for p in sorted((DATA / "requests").glob("*.eml"))
              if not any(w in p.name for w in ("scanned", "photo"))]  # (OCR: read by a job)
    mixed = [*first[:20], *repeats[:30], *first[20:], *repeats[30:]]
    return [*mixed, *corpus, *(_again(raw, b"again") for raw in corpus)]


def _again(raw: bytes, tag: bytes) -> bytes:
    """The same letter under a Message-ID of its own (a copy sent again)."""
    fresh, n = re.subn(rb"(?im)^(message-id:[ \t]*<)", rb"\1" + tag + b".", raw, count=1)
    return fresh if n else b"Message-ID: <" + tag + b"." + hashlib.sha256(raw).hexdigest().encode() + b"@x>\r\n" + raw


def _every_open(s, facts, email):  # noqa: ANN001, ANN202 - the reference: no narrowing at all
    held = requests._held(s)
    rows = [row for row in s.connection().execute(
        select(*requests._COLUMNS).where(Request.state == "open").order_by(Request.id)) if row.id not in held]
    rows += [req for req in held.values() if requests._value(req, "state") == "open" and req in s]
    return sorted(rows, key=lambda r: r.id)


def test_repeat_decisions_equal_a_comparison_with_every_open_request(tmp_path, db_url, monkeypatch) -> None:
    """Every decision of the narrowed check (in batches: the batch's own requests come from the
    session) is the one a comparison with every open request makes."""
    office = Office(tmp_path, database=db_url)
    office.ctx.cfg.reading.read_ahead = False
    real, narrowed = requests.same_event, requests._candidates
    seen: Counter[str] = Counter()
    differ = []  # (an assertion inside would only quarantine the message)

    def checked(s, facts, email):  # noqa: ANN001, ANN202
        found, how = real(s, facts, email)
        monkeypatch.setattr(requests, "_candidates", _every_open)
        try:
            expected, expected_how = real(s, facts, email)
        finally:
            monkeypatch.setattr(requests, "_candidates", narrowed)
        if (found and found.id, how) != (expected and expected.id, expected_how):
            differ.append((facts.title, email, found and found.code, how, expected and expected.code))
        seen[how if found is not None else "new"] += 1
        return found, how

    monkeypatch.setattr(requests, "same_event", checked)
    for raw in _corpus():
        office.store(raw)
    while office.dispatcher.run_once():  # a backlog: batches of 32 and more (no jobs: not needed)
        pass
    for raw in _corpus()[::7]:  # and one by one, each in its own transaction
        office.store(_again(raw, b"late"))
        office.dispatcher.run_once()
    assert differ == []
    assert seen["same"] >= 40 and seen["moved"] >= 5 and seen["new"] >= 40, seen
    print(seen)


def test_every_spelling_of_a_unit_alike_enough_is_searched(engine) -> None:
    """Two open requests under two spellings of one unit's name: a letter from a third address
    finds the first of them (a second name is its own indexed look-up)."""
    from sqlalchemy.orm import Session
    with engine.begin() as conn:
        for i, (name, title) in enumerate((("Unit Lain", "Rapat Lain"), ("CAMAT BANTAN", "Rapat Desa"),
                                           ("Camat Bantan,", "Musrenbang Kecamatan Bantan"),
                                           ("Camat Bantan", "Musrenbang Kecamatan Bantan"))):
            conn.execute(text(
                "INSERT INTO request (code, title, state, until_done, requester, requester_email, subject, "
                "missing, team, schedule, notes, flags, created_at, updated_at) VALUES (:code, :title, "
                "'open', false, :name, :email, 's', '[]', '[]', '{}', '[]', '[]', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"), {"code": f"LPT-2026-{i + 1:04d}", "title": title, "name": name,
                                        "email": f"u{i}@b.id"})
    with Session(engine) as s:
        facts = RequestFacts(title="Musrenbang Kecamatan Bantan", requester="Camat Bantan")
        assert len([n for n in requests.open_requesters(s) if requests.similar(n, "Camat Bantan") > 0.9]) == 3
        found, how = requests.same_event(s, facts, "third@b.id")
        assert (found.code, how) == ("LPT-2026-0003", "same")
        assert [r.id for r in requests._candidates(s, facts, "third@b.id")] == [2, 3, 4]


def test_a_unit_kept_for_the_batch_is_read_again_after_a_flush_or_an_undone_savepoint(engine) -> None:
    """On SQLite a unit's open requests are read once per transaction; a request closed and
    flushed meanwhile, or a change undone with its savepoint, is judged as the database has it."""
    from sqlalchemy.orm import Session
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO request (code, title, state, until_done, requester, requester_email, subject, "
            "missing, team, schedule, notes, flags, created_at, updated_at) VALUES ('LPT-2026-0001', "
            "'Musrenbang Kecamatan Bantan', 'open', false, 'Camat Bantan', 'camat@b.id', 's', '[]', "
            "'[]', '{}', '[]', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    facts = RequestFacts(title="Musrenbang Kecamatan Bantan", requester="Camat Bantan")
    with Session(engine) as s, s.begin():
        assert requests.same_event(s, facts, "camat@b.id")[0].code == "LPT-2026-0001"
        savepoint = s.begin_nested()
        s.get(Request, 1).state = "cancelled"
        s.flush()  # no longer held as changed: read from the database again
        assert requests.same_event(s, facts, "camat@b.id") == (None, "other")
        savepoint.rollback()  # open again
        assert requests.same_event(s, facts, "camat@b.id")[0].code == "LPT-2026-0001"
        s.get(Request, 1).state = "cancelled"
        s.flush()
        assert requests.same_event(s, facts, "camat@b.id") == (None, "other")
