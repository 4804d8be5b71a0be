"""Indonesian date and time phrases."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from daemon.reading.datetimes import (
    combine,
    find_dates,
    find_times,
    parse_date,
    parse_time,
)

DEFAULT_TZ = ZoneInfo("Asia/Jakarta")  # the office's zone by default
ZONES = {"WIB": DEFAULT_TZ, "WITA": ZoneInfo("Asia/Makassar"), "WIT": ZoneInfo("Asia/Jayapura")}
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=DEFAULT_TZ)


@pytest.mark.parametrize("text,want", [
    ("Senin, 7 Desember 2026", date(2026, 12, 7)),
    ("7 Des 2026", date(2026, 12, 7)),
    ("07/12/2026", date(2026, 12, 7)),
    ("7-12-2026", date(2026, 12, 7)),
    ("07.12.2026", date(2026, 12, 7)),
    ("Senin / 07 Desember 2026", date(2026, 12, 7)),
    ("Senin tanggal 7 Desember 2026", date(2026, 12, 7)),
    ("Jum'at, 8 Januari 2027", date(2027, 1, 8)),
    ("Sab, 19 Des 2026", date(2026, 12, 19)),
    ("7 Nopember 2027", date(2027, 11, 7)),
    ("14 Januari", date(2027, 1, 14)),  # no year: the next 14 January
    ("Kamis, 26 November", date(2026, 11, 26)),
    ("20 November", date(2027, 11, 20)),  # already past this year
    ("December 7, 2026", date(2026, 12, 7)),  # dateparser fallback
])
def test_parse_date(text: str, want: date) -> None:
    assert parse_date(text, NOW) == want


@pytest.mark.parametrize("text", ["", "Senin", "belum ditentukan", "32 Desember 2026", "7 Desember 1999"])
def test_parse_date_none(text: str) -> None:
    assert parse_date(text, NOW) is None


def test_date_range_keeps_the_first_and_last_day() -> None:
    (hit,) = find_dates("Selasa, 8 s.d. 10 Desember 2026", NOW)
    assert (hit.value, hit.end_value, hit.weekday) == (date(2026, 12, 8), date(2026, 12, 10), True)


@pytest.mark.parametrize("text,start,end,done,zone", [
    ("09.00 WIB", time(9), None, False, "WIB"),
    ("pukul 13:30", time(13, 30), None, False, "WIB"),
    ("jam 8 pagi", time(8), None, False, "WIB"),
    ("jam 2 siang", time(14), None, False, "WIB"),
    ("jam 11 siang", time(11), None, False, "WIB"),
    ("jam 4 sore", time(16), None, False, "WIB"),
    ("jam 7 malam", time(19), None, False, "WIB"),
    ("09.00 s.d. selesai", time(9), None, True, "WIB"),
    ("09.00 WIB s/d selesai", time(9), None, True, "WIB"),
    ("08.00 WIB sampai dengan selesai", time(8), None, True, "WIB"),
    ("08:00-selesai", time(8), None, True, "WIB"),
    ("09.00 s/d 12.00", time(9), time(12), False, "WIB"),
    ("09.00 - 12.00 WIB", time(9), time(12), False, "WIB"),
    ("19.30 \u2013 22.00 WIB", time(19, 30), time(22), False, "WIB"),
    ("10.00 WITA", time(10), None, False, "WITA"),
    ("08.00 WIT", time(8), None, False, "WIT"),
    ("Senin, 7 Desember 2026 pukul 09.00 WIB", time(9), None, False, "WIB"),
])
def test_parse_time(text: str, start: time, end: time | None, done: bool, zone: str) -> None:
    got = parse_time(text)
    assert (got.start, got.end, got.until_done, got.tz) == (start, end, done, ZONES[zone])


@pytest.mark.parametrize("text", ["7 Desember 2026", "07.12.2026", "Nomor 12", "2026", "Senin"])
def test_no_time_in_dates_or_numbers(text: str) -> None:
    assert find_times(text) == []


def test_running_text_needs_pukul_or_a_zone() -> None:
    assert find_times("ada 12.000 peserta dan 3.50 meter", need_prefix=True) == []
    assert find_times("dimulai pukul 09.00", need_prefix=True)[0].start == time(9)


def test_combine_gives_aware_datetimes() -> None:
    start, end, done = combine(date(2026, 12, 7), parse_time("22.00 - 01.00 WIB"))
    assert start == datetime(2026, 12, 7, 22, 0, tzinfo=DEFAULT_TZ)
    assert end == datetime(2026, 12, 8, 1, 0, tzinfo=DEFAULT_TZ) and not done
    start, _, _ = combine(date(2026, 12, 7), parse_time("10.00 WITA"))
    assert start.isoformat() == "2026-12-07T10:00:00+08:00"
    assert combine(date(2026, 12, 7), None) == (None, None, False)
    assert combine(None, parse_time("09.00 s.d. selesai")) == (None, None, True)
