"""`liputan show` names an acting official (Plt./Plh. of office.yaml) in the office they decided in,
as the letters sign them, on both paths and in --json; and keeps saying it after the dates end."""

from __future__ import annotations

import contextlib
import io
import json
from argparse import Namespace
from datetime import datetime

from harness import CAMAT, KADIS, SEKDIS, WIB, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.app import cli, human, listing

PLT = ("Plt. Kepala Dinas Komunikasi, Informatika dan Statistik: Hj. Rosnaini, S.Sos., M.Si., "
       "NIP 19720305 199803 2 004")


def _printed(fn, *args) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert fn(*args) == 0
    return out.getvalue()


def _short(office: Office, code: str, as_json: bool) -> str:
    facts = listing.facts(str(office.folder / "liputan.toml"))
    db = listing.Reader(facts.database)
    try:
        data = listing.history(facts, db, code, office.clock())
    finally:
        db.close()
    return json.dumps(data["events"], ensure_ascii=False) if as_json else human.show_text(data)


def test_show_names_the_plt_who_decided(tmp_path, db_url):
    """The Sekretaris, Plt. Kepala Dinas from 14 to 24 December, approves the disposition."""
    office = Office(tmp_path, database=db_url, now=datetime(2026, 12, 15, 8, 0, tzinfo=WIB))
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN.replace("7 Desember", "21 Desember"),
                          display="Kantor Camat Bantan"))
    task = office.last_to(SEKDIS)
    office.deliver(reply(task, SEKDIS, "Setuju"))
    code = office.request().code
    assert office.request().step == 3
    full = _printed(cli.show, office.ctx, office.factory, Namespace(code=code, json=True))
    events = json.loads(full)["events"]
    (decided,) = [e for e in events if e["kind"] == "decided"]
    assert decided["actor"] == SEKDIS and decided["acting"] == PLT
    assert all(e["acting"] is None for e in events if e is not decided)
    text = _printed(cli.show, office.ctx, office.factory, Namespace(code=code, json=False))
    assert f"sebagai {PLT}" in text
    assert _short(office, code, as_json=False) == text
    assert PLT in _short(office, code, as_json=True)
    office.clock.advance(days=30)  # the Plt. period is over: the history still says who acted as what
    assert f"sebagai {PLT}" in _printed(cli.show, office.ctx, office.factory, Namespace(code=code, json=False))


def test_the_holder_deciding_is_not_called_acting(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju"))
    code = office.request().code
    events = json.loads(_printed(cli.show, office.ctx, office.factory, Namespace(code=code, json=True)))["events"]
    assert [e["acting"] for e in events if e["kind"] == "decided"] == [None]
    assert "sebagai" not in _printed(cli.show, office.ctx, office.factory, Namespace(code=code, json=False))


def test_0011_adds_the_acting_column_and_keeps_the_history(db_url):
    """An office upgrading keeps its history lines (no one was recorded as acting before)."""
    from alembic import command
    from sqlalchemy import inspect, text

    from daemon.core.db import _alembic_config as alembic_config
    from daemon.core.db import make_engine, upgrade

    engine = make_engine(db_url)
    try:
        command.upgrade(alembic_config(db_url), "0010")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO request (code, title, state, step, until_done, requester_email, subject, "
                "missing, team, schedule, notes, flags, created_at, updated_at) VALUES "
                "('LPT-2026-0001', 'Rapat', 'open', 3, false, 'a@b.id', 's', '[]', '[]', '{}', '[]', "
                "'[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO event (request_id, time, step, actor, kind, decision) "
                              "VALUES (1, CURRENT_TIMESTAMP, 2, 'k@b.id', 'decided', 'approve')"))
        assert upgrade(engine) is True
        with engine.connect() as conn:
            assert conn.execute(text("SELECT kind, acting FROM event")).one() == ("decided", None)
        command.downgrade(alembic_config(db_url), "0010")
        assert "acting" not in {c["name"] for c in inspect(engine).get_columns("event")}
    finally:
        engine.dispose()
