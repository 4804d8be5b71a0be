"""One clock, the office's zone: [office] timezone = "Asia/Makassar" shows WITA in mail, letters, .ics and CLI."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import icalendar
import pytest
import yaml

from daemon.app.cli import main
from daemon.core import db, indonesian
from daemon.core.config import load_config
from daemon.core.config_file import DEFAULT_TIMEZONE
from daemon.core.context import Context
from daemon.core.models import Request
from daemon.devservers.config import write_config
from daemon.mail import mails
from daemon.paperwork import calendar, letter_context, letters
from daemon.reading.datetimes import parse_time

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 09.00 WIB, 10.00 WITA


@pytest.fixture()
def makassar(tmp_path: Path) -> Iterator[Path]:
    """A config for an office in Makassar, loaded as the daemon loads it; the zone is reset afterwards."""
    path = write_config(tmp_path / "liputan.toml", imap_port=1143, smtp_port=1025,
                        database="sqlite:///liputan.db", rules=REPO / "rules",
                        office={"timezone": "Asia/Makassar"})
    Context.load(load_config(path))
    yield path
    indonesian.set_zone(DEFAULT_TIMEZONE)


def test_the_default_zone_is_jakarta() -> None:
    assert indonesian.office_zone().key == DEFAULT_TIMEZONE == "Asia/Jakarta"
    assert indonesian.format_datetime(START) == "Senin, 30 November 2026 pukul 09.00 WIB"


def test_context_load_sets_the_office_zone(makassar: Path) -> None:
    assert indonesian.office_zone().key == "Asia/Makassar"
    assert indonesian.format_time(START) == "10.00 WITA"
    assert indonesian.format_time(START, "Asia/Jakarta") == "09.00 WIB"  # an explicit zone still wins


@pytest.mark.parametrize(("zone", "label"), [("Asia/Jakarta", "WIB"), ("Asia/Pontianak", "WIB"),
                                             ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT")])
def test_each_indonesian_zone_has_its_label(zone: str, label: str) -> None:
    assert indonesian.format_time(START, zone).endswith(f" {label}")


def test_a_mail_shows_wita(makassar: Path) -> None:
    r = SimpleNamespace(code="LPT-2026-0001", title="Musrenbang", requester="Kantor Camat Bantan",
                        requester_email="camat@example.org", event_start=START, event_end=None,
                        until_done=True, location="Aula", outside_island=False, letter_number=None,
                        contact_name=None, contact_phone=None)
    office = yaml.safe_load((REPO / "rules" / "office.yaml").read_text(encoding="utf-8"))
    _, text, _ = mails.render("ack", tag="[LPT-2026-0001]", r=r, office=office)
    assert "Senin, 30 November 2026 pukul 10.00 WITA s.d. selesai" in text


def test_a_letter_shows_wita(makassar: Path, tmp_path: Path) -> None:
    office = yaml.safe_load((REPO / "rules" / "office.yaml").read_text(encoding="utf-8"))
    request = {"code": "LPT-2026-0001", "title": "Musrenbang", "start": START, "until_done": True,
               "location": "Aula", "requester": "Kantor Camat Bantan"}
    ctx = letter_context.spt_context(office, request, [], "1/2026", office["roles"]["kadis"], [], None, START)
    out = letters.render(letters.SPT_TEMPLATE, ctx, tmp_path / "spt.docx")
    with zipfile.ZipFile(out) as z:
        assert "pukul 10.00 WITA" in z.read("word/document.xml").decode("utf-8")


def test_the_invitation_is_in_makassar_time(makassar: Path) -> None:
    ics = calendar.invitation("u@x", "Peliputan", START, None, "Aula", "-", "liputan@x", [],
                              stamp=START)
    text = ics.decode()
    assert "DTSTART;TZID=Asia/Makassar:20261130T100000" in text
    cal = icalendar.Calendar.from_ical(ics)
    tz = next(c for c in cal.walk("VTIMEZONE"))
    assert str(tz["TZID"]) == "Asia/Makassar"
    assert str(tz.walk("STANDARD")[0]["TZNAME"]) == "WITA"
    assert next(iter(cal.walk("VEVENT")))["DTSTAMP"].dt == START


def test_unlabelled_times_in_letters_are_office_time(makassar: Path) -> None:
    assert parse_time("pukul 09.00").tz.key == "Asia/Makassar"
    assert parse_time("pukul 09.00 WIB").tz.key == "Asia/Jakarta"
    assert parse_time("pukul 09.00 WITA").tz.key == "Asia/Makassar"


def test_liputan_requests_json_prints_office_offsets(makassar: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = load_config(makassar)
    engine = db.make_engine(cfg.paths.database)
    db.upgrade(engine)
    with db.sessions(engine)() as s, s.begin():
        s.add(Request(code="LPT-2026-0001", title="Musrenbang", step=1, requester_email="a@example.org",
                      event_start=START, created_at=datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)))
    engine.dispose()
    indonesian.set_zone(DEFAULT_TIMEZONE)  # the command reads the zone from its config itself
    assert main(["requests", "-c", str(makassar), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["event_start"] == "2026-11-30T10:00:00+08:00"
    assert row["created_at"] == "2026-11-25T09:00:00+08:00"
