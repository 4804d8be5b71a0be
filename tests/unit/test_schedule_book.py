"""The Buku jadwal peliputan: `liputan jadwal` as a table, RFC 5545 calendar, spreadsheet and CSV,
and the copy of the calendar the daemon keeps in the state folder; requests and show in Indonesian."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import openpyxl
import pytest
import vobject
from harness import CAMAT, KADIS, WIB, Office, letter, reply, to_coverage
from sqlalchemy import select
from test_workflow_bodies import BANTAN, DURI

from daemon.app.cli import main
from daemon.core.models import Request
from daemon.paperwork import schedule_book as book

DISDIK = "disdik@bengkaliskab.go.id"
DOMAIN = "bengkaliskab.go.id"


@pytest.fixture
def office(tmp_path: Path, db_url: str) -> Office:
    """The office on SQLite and on PostgreSQL (see tests/conftest.py)."""
    return Office(tmp_path, database=db_url)


@pytest.fixture
def two(office: Office) -> tuple[str, str]:
    """Bantan's Musrenbang approved to the coverage (7 Dec, 09.00 s.d. selesai, team of two) and
    Duri's school opening waiting on the Kadis (9 Dec, 13.00-16.00)."""
    a = to_coverage(office)
    office.deliver(letter(DISDIK, "Permohonan Peliputan", DURI, display="Dinas Pendidikan"))
    b = office.request()
    assert (a.state, a.step, b.state, b.step) == ("open", 10, "open", 2)
    return a.code, b.code


def reschedule_bantan(office: Office) -> None:
    office.deliver(letter(CAMAT, "Perubahan jadwal Musrenbang Kecamatan Bantan",
                          BANTAN.replace("Senin, 7 Desember 2026", "Selasa, 8 Desember 2026"),
                          display="Kantor Camat Bantan"))


def cancel_duri(office: Office) -> None:
    ack = office.mail_to(DISDIK)[0]
    office.deliver(reply(ack, DISDIK, "Mohon maaf, acara ini dibatalkan."))


def calendar_of(office: Office) -> bytes:
    with office.factory() as s:
        return book.ics(book.coverages(s, with_ended=True), DOMAIN, office.cfg.tz)


def vevents(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def cli(office: Office, *args: str) -> list[str]:
    return ["-c", str(office.folder / "liputan.toml"), *args]


# ---- the table ------------------------------------------------------------------------------
def test_the_table_speaks_indonesian(office, two) -> None:
    with office.factory() as s:
        text = book.table(book.coverages(s), office.cfg.tz)
    head, rule, bantan, duri = text.splitlines()
    assert head.split() == ["Tanggal", "Waktu", "Kegiatan", "Tempat", "Tim", "Status"]
    assert bantan.startswith("Senin, 7 Desember 2026") and "09.00 WIB s.d. selesai" in bantan
    assert "Andi Saputra, Fajar Ramadhan" in bantan and bantan.endswith("terbuka, terjadwal")
    assert duri.startswith("Rabu, 9 Desember 2026") and "13.00 WIB s.d. 16.00 WIB" in duri
    assert "SDN 12 Mandau, Duri" in duri and duri.endswith("terbuka, langkah 2")
    assert bantan.index("Aula") == duri.index("SDN")  # the columns line up


def test_liputan_jadwal_keeps_to_its_days(office, two, capsys) -> None:
    assert main(cli(office, "jadwal", "--from", "2026-12-01", "--to", "2026-12-08")) == 0
    out = capsys.readouterr().out
    assert out.startswith("Jadwal peliputan 1 Desember 2026 s.d. 8 Desember 2026\n")
    assert two[0] in out and two[1] not in out  # Duri's is on the 9th
    assert main(cli(office, "jadwal", "--from", "2026-12-09")) == 0
    out = capsys.readouterr().out
    assert two[1] in out and two[0] not in out and "s.d. 7 Januari 2027" in out


def test_the_days_are_the_office_s_days() -> None:
    assert book.default_range(date(2026, 11, 30)) == (date(2026, 11, 30), date(2026, 12, 29))
    start, end = book.day_range(date(2026, 12, 7), date(2026, 12, 7), WIB)
    assert (start, end) == (datetime(2026, 12, 6, 17, tzinfo=timezone.utc),
                            datetime(2026, 12, 7, 17, tzinfo=timezone.utc))


def test_a_wrong_date_is_refused(office, capsys) -> None:
    assert main(cli(office, "jadwal", "--from", "7 Desember")) == 2
    assert "--from must be a date" in capsys.readouterr().err
    assert main(cli(office, "jadwal", "--from", "2026-12-09", "--to", "2026-12-01")) == 2


# ---- the calendar ---------------------------------------------------------------------------
def test_the_calendar_validates_with_two_readers(office, two) -> None:
    data = calendar_of(office)
    events = vevents(data)
    assert set(events) == {f"{two[0]}@{DOMAIN}", f"{two[1]}@{DOMAIN}"}
    bantan = events[f"{two[0]}@{DOMAIN}"]
    assert bantan["DTSTART"].dt == datetime(2026, 12, 7, 9, 0, tzinfo=WIB)
    assert bantan["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert bantan["DTEND"].dt - bantan["DTSTART"].dt == book.DEFAULT_DURATION  # s.d. selesai
    assert str(bantan["LOCATION"]) == "Aula Kantor Camat Bantan"
    assert {str(bantan["STATUS"]), str(events[f"{two[1]}@{DOMAIN}"]["STATUS"])} == {"CONFIRMED", "TENTATIVE"}
    assert str(bantan["STATUS"]) == "CONFIRMED"
    for text in (two[0], "Andi Saputra (Penulisan berita)", "Pemohon: Kecamatan Bantan"):
        assert text in str(bantan["DESCRIPTION"])
    cal = icalendar.Calendar.from_ical(data)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Jakarta"]

    second = vobject.readOne(data.decode("utf-8"))  # a second, independent reader
    read = {ev.uid.value: ev for ev in second.vevent_list}
    assert set(read) == set(events)
    assert read[f"{two[0]}@{DOMAIN}"].dtstart.value == datetime(2026, 12, 7, 9, 0, tzinfo=WIB)
    assert read[f"{two[1]}@{DOMAIN}"].dtend.value == datetime(2026, 12, 9, 16, 0, tzinfo=WIB)
    assert read[f"{two[1]}@{DOMAIN}"].location.value == "SDN 12 Mandau, Duri"

    # RFC 5545 3.1: CRLF line ends, content lines folded at 75 octets
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert re.search(rb"\r\n [^\r]", data), "the description is long enough to be folded"


def test_a_rescheduled_coverage_keeps_its_uid_with_a_higher_sequence(office, two) -> None:
    uid = f"{two[0]}@{DOMAIN}"
    before = vevents(calendar_of(office))[uid]
    reschedule_bantan(office)
    after = vevents(calendar_of(office))[uid]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"]) == 0
    assert after["DTSTART"].dt == datetime(2026, 12, 8, 9, 0, tzinfo=WIB)
    assert str(after["STATUS"]) == "CONFIRMED"
    assert len(vevents(calendar_of(office))) == 2  # moved, not added


def test_a_cancelled_coverage_is_marked_cancelled(office, two) -> None:
    uid = f"{two[1]}@{DOMAIN}"
    before = vevents(calendar_of(office))[uid]
    cancel_duri(office)
    assert office.request(two[1]).state == "cancelled"
    after = vevents(calendar_of(office))[uid]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    with office.factory() as s:
        assert [c.code for c in book.coverages(s)] == [two[0]]  # gone from the table and the book


def test_a_rejected_request_is_cancelled_in_the_calendar() -> None:
    start = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    c = book.Coverage(code="LPT-2026-0009", title="Rapat", state="rejected", step=None, start=start,
                      end=None, until_done=False, location="Aula", requester="Camat", reschedules=2)
    assert (c.ics_status, c.sequence, c.status_label) == ("CANCELLED", 3, "ditolak")
    ev = vevents(book.ics([c], DOMAIN, WIB, stamp=start))["LPT-2026-0009@bengkaliskab.go.id"]
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 3


def test_liputan_jadwal_writes_the_calendar_with_cancelled_ones(office, two, tmp_path) -> None:
    cancel_duri(office)
    out = tmp_path / "jadwal.ics"
    assert main(cli(office, "jadwal", "--from", "2026-12-01", "--format", "ics", "-o", str(out))) == 0
    events = vevents(out.read_bytes())
    assert str(events[f"{two[1]}@{DOMAIN}"]["STATUS"]) == "CANCELLED"
    assert str(events[f"{two[0]}@{DOMAIN}"]["STATUS"]) == "CONFIRMED"


def test_the_daemon_s_copy_is_written_whole_in_the_state_folder(office, two) -> None:
    with office.factory() as s:
        path = book.write_calendar(office.ctx, s)
    assert path == Path(office.cfg.paths.state) / "jadwal.ics"
    assert set(vevents(path.read_bytes())) == {f"{two[0]}@{DOMAIN}", f"{two[1]}@{DOMAIN}"}
    reschedule_bantan(office)
    cancel_duri(office)
    with office.factory() as s:
        book.write_calendar(office.cfg, s)  # a Config serves as well as a Context
    events = vevents(path.read_bytes())
    assert int(events[f"{two[0]}@{DOMAIN}"]["SEQUENCE"]) == 1
    assert str(events[f"{two[1]}@{DOMAIN}"]["STATUS"]) == "CANCELLED"
    assert [p.name for p in path.parent.glob(".jadwal.ics*")] == []  # no temp file left


# ---- the spreadsheet and CSV ----------------------------------------------------------------
def test_the_spreadsheet_holds_every_scheduled_coverage(office, two, tmp_path) -> None:
    office.deliver(letter(DISDIK, "Permohonan Peliputan", DURI.replace(
        "Peresmian Gedung Sekolah Dasar Negeri 12 Mandau", "Lomba Pidato Pelajar Tingkat Kabupaten")
        .replace("Rabu, 9 Desember 2026", "Kamis, 10 Desember 2026"), display="Dinas Pendidikan"))
    out = tmp_path / "buku.xlsx"
    assert main(cli(office, "jadwal", "--from", "2026-12-01", "--format", "xlsx", "-o", str(out))) == 0
    ws = openpyxl.load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == book.BOOK_HEADERS
    with office.factory() as s:
        codes = [r.code for r in s.scalars(select(Request).order_by(Request.id))]
    assert len(codes) == 3 and [r[-1] for r in rows[1:]] == codes  # every one, in order of date
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    assert rows[1][1:3] == ("Senin, 7 Desember 2026", "09.00 WIB s.d. selesai")
    assert rows[1][6] == "Andi Saputra, Fajar Ramadhan" and rows[1][5] == "Kecamatan Bantan"
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws.column_dimensions["D"].width == book.BOOK_WIDTHS[3]


def test_the_csv_opens_in_excel_and_in_python(office, two) -> None:
    with office.factory() as s:
        data = book.csv_text(book.coverages(s), office.cfg.tz)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == book.CSV_HEADERS
    assert [r[8] for r in rows[1:]] == list(two)
    assert rows[1][9] == "2026-12-07T09:00:00+07:00" and rows[2][10] == "2026-12-09T16:00:00+07:00"
    assert rows[1][11] == "open"


# ---- requests and show speak to the office; JSON keeps the contract -------------------------
def test_requests_and_show_speak_indonesian_and_json_keeps_english(office, two, capsys) -> None:
    cancel_duri(office)
    assert main(cli(office, "requests")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Kode", "Status", "Langkah", "Waktu", "acara", "Kegiatan"]
    bantan = next(ln for ln in lines if ln.startswith(two[0]))
    duri = next(ln for ln in lines if ln.startswith(two[1]))
    assert " terbuka " in bantan and "Senin, 7 Desember 2026 pukul 09.00 WIB" in bantan
    assert " dibatalkan " in duri

    assert main(cli(office, "requests", "--json")) == 0
    rows = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[two[0]]["state"] == "open" and rows[two[1]]["state"] == "cancelled"
    assert rows[two[0]]["event_start"] == "2026-12-07T09:00:00+07:00"

    assert main(cli(office, "show", two[0])) == 0
    text = capsys.readouterr().out
    assert "Status     : terbuka, langkah 10" in text
    assert "Acara      : Senin, 7 Desember 2026 pukul 09.00 WIB" in text
    assert re.search(r"30-11-2026 08\.00\s+2\s+diputuskan\s+setuju\s+" + re.escape(KADIS), text)
    assert main(cli(office, "show", two[0], "--json")) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "open" and shown["step"] == 10
    assert {"approve"} <= {e["decision"] for e in shown["events"]}
    assert {"sent", "decided"} <= {e["kind"] for e in shown["events"]}


def test_no_heavy_module_loads_for_help() -> None:
    import subprocess
    import sys
    code = ("import sys; from daemon.app import cli; "
            "print(any(m in sys.modules for m in ('openpyxl', 'icalendar', 'daemon.paperwork.schedule_book')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_an_event_that_ends_another_day_names_that_day() -> None:
    start = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    c = book.Coverage(code="X", title="Pameran", state="open", step=4, start=start,
                      end=start + timedelta(days=2), until_done=False, location="-", requester="-")
    assert book.time_text(c, WIB) == "09.00 WIB s.d. 9 Desember 2026 09.00 WIB"
