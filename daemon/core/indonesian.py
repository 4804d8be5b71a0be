"""Indonesian date and time wording for letters and emails ("Senin, 30 November 2026 pukul 09.00 WIB")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import get_day_names, get_month_names

DEFAULT_TZ = "Asia/Jakarta"
LOCALE = "id"
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
ZONE_ABBREVIATIONS = {7: "WIB", 8: "WITA", 9: "WIT"}


@lru_cache(maxsize=1)
def _day_names() -> tuple[str, ...]:
    """Monday-first day names in Indonesian (Senin ... Minggu)."""
    names = get_day_names("wide", locale=LOCALE)
    return tuple(str(names[i]) for i in range(7))


@lru_cache(maxsize=1)
def _month_names() -> tuple[str, ...]:
    """January-first month names in Indonesian (Januari ... Desember)."""
    names = get_month_names("wide", locale=LOCALE)
    return tuple(str(names[i]) for i in range(1, 13))


def day_name(d: date) -> str:
    """Indonesian weekday name: "Senin"."""
    return _day_names()[d.weekday()]


def month_name(m: int) -> str:
    """Indonesian month name for 1..12: "November"."""
    if not 1 <= m <= 12:
        raise ValueError(f"month out of range: {m}")
    return _month_names()[m - 1]


def roman_month(m: int) -> str:
    """Roman numeral of a month 1..12, as used in letter numbers: 11 -> "XI"."""
    if not 1 <= m <= 12:
        raise ValueError(f"month out of range: {m}")
    return ROMAN_MONTHS[m - 1]


def format_date_short(d: date) -> str:
    """Date without the weekday: "30 November 2026"."""
    return f"{d.day} {month_name(d.month)} {d.year}"


def format_date(d: date) -> str:
    """Date with the weekday: "Senin, 30 November 2026"."""
    return f"{day_name(d)}, {format_date_short(d)}"


def to_zone(dt: datetime, tz: str = DEFAULT_TZ) -> datetime:
    """Convert an aware datetime to `tz`; a naive one is taken as already in `tz`."""
    zone = ZoneInfo(tz)
    return dt.replace(tzinfo=zone) if dt.tzinfo is None else dt.astimezone(zone)


def zone_abbreviation(dt: datetime) -> str:
    """WIB / WITA / WIT from the UTC offset (+7/+8/+9); otherwise "UTC+h"."""
    offset = dt.utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    if hours in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[int(hours)]
    sign = "+" if hours >= 0 else "-"
    h, m = divmod(int(abs(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def format_time(dt: datetime, tz: str = DEFAULT_TZ) -> str:
    """Clock time with zone: "09.00 WIB"."""
    local = to_zone(dt, tz)
    return f"{local.hour:02d}.{local.minute:02d} {zone_abbreviation(local)}"


def format_datetime(dt: datetime, tz: str = DEFAULT_TZ) -> str:
    """Full date and time: "Senin, 30 November 2026 pukul 09.00 WIB"."""
    local = to_zone(dt, tz)
    return f"{format_date(local.date())} pukul {format_time(local, tz)}"


def format_datetime_short(dt: datetime, tz: str = DEFAULT_TZ) -> str:
    """Date and time without the weekday, for tables: "26 November 2026 pukul 10.15 WIB"."""
    local = to_zone(dt, tz)
    return f"{format_date_short(local.date())} pukul {format_time(local, tz)}"


def format_time_range(start: datetime, end: datetime | None, until_done: bool = False,
                      tz: str = DEFAULT_TZ) -> str:
    """Event time span: "Senin, 30 November 2026 pukul 09.00 WIB s.d. selesai" or "... s.d. 12.00 WIB"."""
    text = format_datetime(start, tz)
    if end is None:
        return f"{text} s.d. selesai" if until_done else text
    local_start, local_end = to_zone(start, tz), to_zone(end, tz)
    if local_end.date() == local_start.date():
        return f"{text} s.d. {format_time(local_end, tz)}"
    return f"{text} s.d. {format_datetime(local_end, tz)}"


def place_date(city: str, d: date | datetime) -> str:
    """Place and date line of a letter: "Bengkalis, 26 November 2026"."""
    day = to_zone(d).date() if isinstance(d, datetime) else d
    return f"{city}, {format_date_short(day)}"


LOWER_WORDS = {"dan", "serta", "atau", "di", "ke", "dari", "pada", "untuk", "dengan", "yang"}


def title_case(value: str) -> str:
    """Title case that keeps Indonesian conjunctions lower-case ("Informatika dan Statistik")."""
    words = value.lower().split(" ")
    return " ".join(w if i and w in LOWER_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))
