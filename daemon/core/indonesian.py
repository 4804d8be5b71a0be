"""Indonesian date and time wording for letters and emails ("Senin, 30 November 2026 pukul 09.00 WIB")."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from daemon.core.config_file import DEFAULT_TIMEZONE  # not config: no pydantic to print a date

LOCALE = "id"
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# The one table of Indonesian zone labels; the first zone of a label is the one its label means.
ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
               "Asia/Jayapura": "WIT"}

Zone = str | tzinfo | None  # a zone name, a tzinfo, or None for the office's zone
_office_zone = ZoneInfo(DEFAULT_TIMEZONE)


def set_zone(name: str) -> None:
    """The office's zone ([office] timezone), used when a caller names none; set once at start."""
    global _office_zone
    _office_zone = ZoneInfo(name)


def office_zone() -> ZoneInfo:
    return _office_zone


def zone(tz: Zone = None) -> tzinfo:
    """A tzinfo for a zone name or tzinfo; the office's zone for None."""
    if tz is None:
        return _office_zone
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def label_zone(label: str) -> ZoneInfo:
    """The zone a label (WIB/WITA/WIT) means: the office's own when the label is its label."""
    label = label.upper()
    if ZONE_LABELS.get(office_zone().key) == label:
        return office_zone()
    return ZoneInfo(next(name for name, lab in ZONE_LABELS.items() if lab == label))


@lru_cache(maxsize=1)
def _offset_labels() -> dict[timedelta, str]:
    """UTC offset -> label, for datetimes carrying a fixed-offset tzinfo (+07:00 -> WIB)."""
    jan = datetime(2000, 1, 1)
    return {ZoneInfo(name).utcoffset(jan): label for name, label in reversed(ZONE_LABELS.items())}


# CLDR's wide names for "id" (tests/unit/test_indonesian.py checks them against babel): written
# out, so a command that prints dates need not load babel and its locale data
DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
               "September", "Oktober", "November", "Desember")


def _day_names() -> tuple[str, ...]:
    """Monday-first day names in Indonesian (Senin ... Minggu)."""
    return DAY_NAMES


def _month_names() -> tuple[str, ...]:
    """January-first month names in Indonesian (Januari ... Desember)."""
    return MONTH_NAMES


def format_number(value: float, decimals: int = 0) -> str:
    """A number as Indonesian writes it (CLDR "id"): "69.461", "64,6"."""
    return f"{value:,.{decimals}f}".translate(_SEPARATORS)


_SEPARATORS = str.maketrans({",": ".", ".": ","})


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


def to_zone(dt: datetime, tz: Zone = None) -> datetime:
    """Convert an aware datetime to `tz` (the office's zone by default); a naive one is taken as in `tz`."""
    target = zone(tz)
    return dt.replace(tzinfo=target) if dt.tzinfo is None else dt.astimezone(target)


def zone_abbreviation(dt: datetime) -> str:
    """WIB / WITA / WIT for an Indonesian zone or offset (+7/+8/+9); otherwise "UTC+h"."""
    key = getattr(dt.tzinfo, "key", None)
    offset = dt.utcoffset() or timedelta(0)
    label = ZONE_LABELS.get(key) if key else _offset_labels().get(offset)
    if label:
        return label
    sign = "+" if offset >= timedelta(0) else "-"
    h, m = divmod(int(abs(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def format_time(dt: datetime, tz: Zone = None) -> str:
    """Clock time with zone: "09.00 WIB"."""
    local = to_zone(dt, tz)
    return f"{local.hour:02d}.{local.minute:02d} {zone_abbreviation(local)}"


def format_datetime(dt: datetime, tz: Zone = None) -> str:
    """Full date and time: "Senin, 30 November 2026 pukul 09.00 WIB"."""
    local = to_zone(dt, tz)
    return f"{format_date(local.date())} pukul {format_time(local)}"


def format_datetime_short(dt: datetime, tz: Zone = None) -> str:
    """Date and time without the weekday, for tables: "26 November 2026 pukul 10.15 WIB"."""
    local = to_zone(dt, tz)
    return f"{format_date_short(local.date())} pukul {format_time(local)}"


def format_time_range(start: datetime, end: datetime | None, until_done: bool = False,
                      tz: Zone = None) -> str:
    """Event time span: "Senin, 30 November 2026 pukul 09.00 WIB s.d. selesai" or "... s.d. 12.00 WIB"."""
    local_start = to_zone(start, tz)
    text = format_datetime(local_start)
    if end is None:
        return f"{text} s.d. selesai" if until_done else text
    local_end = to_zone(end, tz)
    if local_end.date() == local_start.date():
        return f"{text} s.d. {format_time(local_end)}"
    return f"{text} s.d. {format_datetime(local_end)}"


def place_date(city: str, d: date | datetime, tz: Zone = None) -> str:
    """Place and date line of a letter: "Bengkalis, 26 November 2026"."""
    day = to_zone(d, tz).date() if isinstance(d, datetime) else d
    return f"{city}, {format_date_short(day)}"


LOWER_WORDS = {"dan", "serta", "atau", "di", "ke", "dari", "pada", "untuk", "dengan", "yang"}


# Acronyms written in capitals whatever case the letter used.
ACRONYMS = frozenset("""
BPBD RSUD UPT UPTD PUPR DPRD SDN SD SMP SMPN SMA SMAN SMK SMKN TK MTS MAN MIN PAUD KUA PKK TP KNPI
OPD BUMD PDAM RS DWP MTQ BKPSDM BAPPEDA BPKAD BAPENDA SATPOL PP TNI POLRI POLRES POLSEK KODIM KORAMIL
BUMDES LPM BPD PMI KPU BAWASLU DPMD DPMPTSP BNN IKP RT RW PT PGRI IGTKI HIPMI BUMN BPJS BRI BNI BPS
SKPD NU TPQ TPA LKMD RI II III IV
""".split())


def title_case(value: str) -> str:
    """Title case that keeps conjunctions lower-case and acronyms in capitals ("RSUD Mandau")."""
    words = value.lower().split(" ")
    return " ".join(w.upper() if w.strip(".,;:()").upper() in ACRONYMS else
                    w if i and w in LOWER_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))


# The words the office uses for a request's state; the JSON keeps the English values.
STATE_LABELS = {"open": "terbuka", "done": "selesai", "rejected": "ditolak",
                "cancelled": "dibatalkan"}


def state_label(state: str | None) -> str:
    """A request's state as the office says it: "open" -> "terbuka"; an unknown one as it is."""
    return STATE_LABELS.get(state or "", state or "-")


def format_date_numeric(d: date | datetime, tz: Zone = None) -> str:
    """A date as people write it in a table: "07-12-2026"."""
    day = to_zone(d, tz).date() if isinstance(d, datetime) else d
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


def format_clock(dt: datetime, tz: Zone = None) -> str:
    """Date and clock time without the weekday, for timelines: "30-11-2026 08.05"."""
    local = to_zone(dt, tz)
    return f"{format_date_numeric(local.date())} {local.hour:02d}.{local.minute:02d}"
