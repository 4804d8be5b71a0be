"""Exact Indonesian date/time strings used in letters and emails."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from daemon.core import indonesian as ind

WIB = ZoneInfo("Asia/Jakarta")


def test_format_date_monday() -> None:
    assert ind.format_date(date(2026, 11, 30)) == "Senin, 30 November 2026"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 1, 1), "Kamis, 1 Januari 2026"),
        (date(2026, 2, 14), "Sabtu, 14 Februari 2026"),
        (date(2026, 3, 1), "Minggu, 1 Maret 2026"),
        (date(2026, 6, 2), "Selasa, 2 Juni 2026"),
        (date(2026, 8, 19), "Rabu, 19 Agustus 2026"),
        (date(2026, 12, 25), "Jumat, 25 Desember 2026"),
    ],
)
def test_format_date_all_day_names(d: date, expected: str) -> None:
    assert ind.format_date(d) == expected


def test_all_month_names() -> None:
    names = [ind.month_name(m) for m in range(1, 13)]
    assert names == ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
                     "Agustus", "September", "Oktober", "November", "Desember"]


def test_format_datetime_wib() -> None:
    dt = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
    assert ind.format_datetime(dt) == "Senin, 30 November 2026 pukul 09.00 WIB"


def test_format_datetime_converts_utc() -> None:
    dt = datetime(2026, 11, 29, 23, 30, tzinfo=timezone.utc)
    assert ind.format_datetime(dt) == "Senin, 30 November 2026 pukul 06.30 WIB"


def test_format_datetime_naive_taken_as_local() -> None:
    assert ind.format_datetime(datetime(2026, 11, 30, 14, 5)) == "Senin, 30 November 2026 pukul 14.05 WIB"


@pytest.mark.parametrize(("tz", "expected"), [("Asia/Makassar", "10.00 WITA"), ("Asia/Jayapura", "11.00 WIT")])
def test_other_zones(tz: str, expected: str) -> None:
    dt = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
    assert ind.format_time(dt, tz) == expected


def test_format_time() -> None:
    assert ind.format_time(datetime(2026, 11, 30, 9, 0, tzinfo=WIB)) == "09.00 WIB"


def test_place_date() -> None:
    assert ind.place_date("Bengkalis", date(2026, 11, 26)) == "Bengkalis, 26 November 2026"


def test_place_date_datetime_uses_local_day() -> None:
    late_utc = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)  # 01.00 WIB on the 26th
    assert ind.place_date("Bengkalis", late_utc) == "Bengkalis, 26 November 2026"


def test_roman_month() -> None:
    assert [ind.roman_month(m) for m in (1, 4, 9, 11, 12)] == ["I", "IV", "IX", "XI", "XII"]
    with pytest.raises(ValueError):
        ind.roman_month(13)


def test_time_range() -> None:
    start = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
    assert ind.format_time_range(start, start + timedelta(hours=3)) == (
        "Senin, 30 November 2026 pukul 09.00 WIB s.d. 12.00 WIB")
    assert ind.format_time_range(start, None, until_done=True) == (
        "Senin, 30 November 2026 pukul 09.00 WIB s.d. selesai")
    assert ind.format_time_range(start, None) == "Senin, 30 November 2026 pukul 09.00 WIB"


def test_the_written_out_names_are_cldrs():
    from babel.dates import get_day_names, get_month_names

    from daemon.core import indonesian
    assert indonesian.DAY_NAMES == tuple(str(get_day_names("wide", locale="id")[i]) for i in range(7))
    assert indonesian.MONTH_NAMES == tuple(str(get_month_names("wide", locale="id")[i])
                                           for i in range(1, 13))


@pytest.mark.parametrize(("value", "decimals"), [(69461, 0), (64.6, 1), (0.04, 1), (1234567.891, 2), (7, 0), (-1500.5, 1)])
def test_numbers_are_written_as_cldr_writes_them_for_indonesian(value, decimals) -> None:
    from babel.numbers import format_decimal
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    assert ind.format_number(value, decimals) == format_decimal(value, format=pattern, locale="id")
