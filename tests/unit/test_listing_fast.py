"""`liputan requests` and `show` on the short path (daemon/app/listing.py: the driver, the cached
config and steps) print what the full path (SQLAlchemy, models, the rules) prints, on SQLite and
PostgreSQL, and load none of the heavy modules once the config and rules were validated."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

from harness import KADIS, Office, letter, reply, to_coverage
from sqlalchemy import select
from test_workflow_bodies import BANTAN, DURI

from daemon.app import cli, human, listing
from daemon.core.models import Inbound, Request, SopRevision
from daemon.mail.inbound_claim import WAITING

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "pydantic", "yaml", "jinja2", "babel", "docxtpl", "holidays",
         "daemon.core.db", "daemon.core.models", "daemon.core.config", "daemon.core.rules",
         "daemon.core.context", "daemon.sop.waiting", "daemon.sop.run", "daemon.sop.engine")
DINKES = "dinkes@bengkaliskab.go.id"


def office_of_every_kind(tmp_path: Path, database: str | None = None) -> Office:
    """At the coverage (waits on the team), at the Kadis (an open task), refused, one on a SOP
    revision only the database holds, and a letter waiting for its OCR job."""
    office = Office(tmp_path, database=database)
    team = to_coverage(office)
    office.deliver(letter(DINKES, "Permohonan peliputan Sosialisasi", DURI))
    office.deliver(letter("unit2@bengkaliskab.go.id", "Permohonan peliputan rapat",
                          BANTAN.replace("Senin, 7", "Rabu, 9").replace("Musrenbang Kecamatan", "Rapat")))
    office.deliver(reply(office.last_to(KADIS), KADIS, "Tolak"))
    with office.factory() as s, s.begin():
        old = "f" * 64  # the same steps, stored under another revision (as after an edit)
        s.add(SopRevision(hash=old, label="lama", content=office.ctx.rules.sop_text,
                          created_at=office.clock()))
        s.flush()
        s.get(Request, team.id).sop_revision = old
        row = s.scalars(select(Inbound).order_by(Inbound.id.desc())).first()
        waiting = Inbound(message_id="<scan@x>", folder="INBOX", uidvalidity=1, uid=999,
                          raw_path=row.raw_path, sha256=row.sha256, size=row.size,
                          from_addr=DINKES, subject="Surat hasil pindai", status=WAITING,
                          reason="menunggu OCR")
        s.add(waiting)
    return office


def config(office: Office) -> str:
    return str(office.folder / "liputan.toml")


def printed(fn, *args) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert fn(*args) == 0
    return out.getvalue()


def short_show(office: Office, code: str) -> str:
    """The short path's `show`, on the office's own clock (the timeline counts up to now)."""
    facts = listing.facts(config(office))
    db = listing.Reader(facts.database)
    try:
        return human.show_text(listing.history(facts, db, code, office.clock()))
    finally:
        db.close()


def test_the_short_path_prints_what_the_full_path_prints(tmp_path, db_url):
    office = office_of_every_kind(tmp_path, db_url)
    with office.factory() as s:
        codes = list(s.scalars(select(Request.code).order_by(Request.id)))
        states = sorted(s.scalars(select(Request.state)))
    assert len(codes) == 3 and states == ["open", "open", "rejected"]
    for as_json in (False, True):
        full = printed(cli.list_requests, office.ctx, office.factory, Namespace(json=as_json))
        short = printed(cli.main, ["requests", "-c", config(office), *(["--json"] if as_json else [])])
        assert short == full
    rows = json.loads(short)
    assert rows[0]["step"] == 10 and len(rows[0]["waiting_for"]) == 2  # the team, by the stored revision
    assert (rows[1]["state"], rows[1]["waiting_for"]) == ("open", [KADIS])
    assert (rows[2]["state"], rows[2]["step"], rows[2]["waiting_for"]) == ("rejected", None, [])
    assert "Surat hasil pindai" in printed(cli.main, ["requests", "-c", config(office)])
    for code in codes:
        full = printed(cli.show, office.ctx, office.factory, Namespace(code=code.lower(), json=False))
        assert short_show(office, code.lower()) == full
    assert "Riwayat" in full and "langkah" in full


def test_an_unknown_code_is_said_so(tmp_path, capsys):
    office = office_of_every_kind(tmp_path)
    assert cli.main(["show", "LPT-2026-0999", "-c", config(office)]) == 1
    assert "no request LPT-2026-0999" in capsys.readouterr().err


def test_a_database_not_at_the_newest_schema_takes_the_full_path(tmp_path, monkeypatch):
    office = office_of_every_kind(tmp_path)
    args = Namespace(command="requests", config=config(office), json=False)
    with contextlib.redirect_stdout(io.StringIO()):
        assert listing.command(args) == 0
    monkeypatch.setattr(listing, "head_from_files", lambda: "9999")  # a migration not yet run
    assert listing.command(args) is None
    monkeypatch.setattr(listing, "head_from_files", lambda: None)  # a head only Alembic can tell
    assert listing.command(args) is None
    # an unknown SOP revision (the full path raises on it) is not guessed either
    with office.factory() as s, s.begin():
        s.get(Request, 1).sop_revision = "0" * 64
    monkeypatch.undo()
    assert listing.command(args) is None


def loaded_after(argv: list[str], env: dict) -> tuple[str, set[str]]:
    code = ("import sys\nfrom daemon.app.cli import main\nrc = main(sys.argv[1:])\n"
            f"print('LOADED', rc, *[m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          cwd=REPO, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    rc, *mods = done.stderr.split("LOADED", 1)[1].split()
    assert rc == "0", done.stderr
    return done.stdout, set(mods)


def test_requests_and_show_load_no_orm_no_models_no_pydantic(tmp_path):
    office = office_of_every_kind(tmp_path)
    env = {**os.environ, "LIPUTAN_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    first, heavy = loaded_after(["requests", "-c", config(office)], env)
    assert {"pydantic", "daemon.core.config"} <= heavy  # the first run validates config and rules
    again, heavy = loaded_after(["requests", "-c", config(office)], env)
    assert again == first and heavy == set()  # then knows them by their hash
    show = ["show", office.request().code, "-c", config(office)]
    loaded_after(show, env)  # (the first also keeps the year's holidays, read from `holidays`)
    shown, heavy = loaded_after(show, env)
    assert "Riwayat" in shown and heavy == set()
    _, heavy = loaded_after(["requests", "--json", "-c", config(office)], env)
    assert heavy == set()
    # an edited rules/ or config is validated again (the daemon would refuse a broken one)
    text = Path(config(office)).read_text()
    Path(config(office)).write_text(text.replace('timezone = "Asia/Jakarta"', 'timezone = "Asia/Makassar"'))
    makassar, heavy = loaded_after(["requests", "-c", config(office)], env)
    assert "pydantic" in heavy and "WITA" in makassar and "WIB" not in makassar
