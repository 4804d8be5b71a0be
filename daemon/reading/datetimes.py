"""Indonesian dates and times as written in letters: '7 Des 2026', 'jam 8 pagi', '09.00 s.d. selesai'."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from daemon.core import guard, indonesian

MONTHS: dict[str, int] = {}
for _num, _names in enumerate((
        "januari jan january", "februari pebruari feb peb february", "maret mar march",
        "april apr", "mei may", "juni jun june", "juli jul july",
        "agustus agu agt ags agus aug august", "september sep sept", "oktober okt oct october",
        "november nopember nov nop", "desember des dec december"), start=1):
    for _n in _names.split():
        MONTHS[_n] = _num
WEEKDAYS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "jum’at": 4,
            "sabtu": 5, "minggu": 6, "ahad": 6}

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_RE = r"senin|selasa|rabu|kamis|jum[’']?at|sabtu|minggu|ahad"
_RANGE_SEP = r"(?:-|–|—|s\.?\s?d\.?|s/d|sampai(?:\s+dengan)?|hingga|dan|&)"
_WORD_DATE = re.compile(
    rf"(?<![\d.:])(\d{{1,2}})(?:\s*{_RANGE_SEP}\s*(\d{{1,2}}))?[\s./-]*(?<![a-z])({_MONTH_RE})(?![a-z])\.?"
    rf"(?:[\s,./-]*(\d{{4}})(?!\d))?", re.I)
# Month first, as English-language Outlook writes it ("Thursday, Jan 21, 2027"); only with a year, so
# that a month word next to any number is no date.
_MONTH_FIRST_DATE = re.compile(
    rf"\b({_MONTH_RE})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\d.:/])\s*,?\s+(\d{{4}})(?!\d)", re.I)
_NUM_DATE = re.compile(r"(?<![\d/.:])(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d/]|\.\d)")
_WEEKDAY_BEFORE = re.compile(rf"\b({_WEEKDAY_RE})\b[\s,/]*(?:tanggal|tgl\.?)?[\s,/]*$", re.I)

_HOUR = r"(?<![\d.:/])(?P<{p}h>[01]?\d|2[0-4])(?:\s?[.:]\s?(?P<{p}m>[0-5]\d))?(?![\d/]|\.\d)"
_PERIOD = r"(?:\s*(?P<{p}p>pagi|siang|sore|petang|malam)\b)?"
_TZ = r"(?:\s*(?P<{p}z>WITA|WIT|WIB)\b)?"
_PREFIX = r"(?:(?P<{p}x>pukul|pkl\.?|jam)\s*)?"


def _part(p: str) -> str:
    return (_PREFIX + _HOUR + _PERIOD + _TZ).format(p=p)


_TIME_RANGE = re.compile(
    _part("s") + r"(?:\s*(?:-|–|—|s\.?\s?/?\s?d\.?|sd\.?|sampai(?:\s+dengan)?|hingga)\s*"
    r"(?:(?P<done>selesai)\b|" + _part("e") + "))?", re.I)


@dataclass
class DateHit:
    """A date found in text, with its position and whether a weekday name precedes it."""

    value: date
    start: int
    end: int
    weekday: bool
    end_value: date | None = None  # "7 s.d. 9 Desember 2026"


@dataclass
class TimeRange:
    """Start and end clock times with their zone; end None and until_done for 's.d. selesai'."""

    start: time
    end: time | None
    until_done: bool
    tz: tzinfo
    pos: int = 0
    prefixed: bool = False


def _year(day: int, month: int, year: str | None, now: datetime) -> date | None:
    """The date, with a missing year taken as the next occurrence from `now`."""
    try:
        if year:
            y = int(year) + (2000 if len(year) == 2 else 0)
            if not now.year - 1 <= y <= now.year + 3:
                return None
            return date(y, month, day)
        candidate = date(now.year, month, day)
        return candidate if candidate >= now.date() else date(now.year + 1, month, day)
    except ValueError:
        return None


def find_dates(text: str, now: datetime) -> list[DateHit]:
    """All dates in the text, in order of appearance."""
    hits: list[DateHit] = []
    for m in _WORD_DATE.finditer(text):
        month = MONTHS[m.group(3).lower()]
        first = _year(int(m.group(1)), month, m.group(4), now)
        if first is None:
            continue
        last = _year(int(m.group(2)), month, m.group(4), now) if m.group(2) else None
        hits.append(DateHit(first, m.start(), m.end(), _has_weekday(text, m.start()), last))
    for m in _MONTH_FIRST_DATE.finditer(text):
        if not any(h.start <= m.start() < h.end or m.start() <= h.start < m.end() for h in hits):
            d = _year(int(m.group(2)), MONTHS[m.group(1).lower()], m.group(3), now)
            if d is not None:
                hits.append(DateHit(d, m.start(), m.end(), _has_weekday(text, m.start())))
    for m in _NUM_DATE.finditer(text):
        if 1 <= int(m.group(3)) <= 12 and not any(h.start <= m.start() < h.end for h in hits):
            d = _year(int(m.group(1)), int(m.group(3)), m.group(4), now)
            if d is not None:
                hits.append(DateHit(d, m.start(), m.end(), _has_weekday(text, m.start())))
    return sorted(hits, key=lambda h: h.start)


def _has_weekday(text: str, pos: int) -> bool:
    return bool(_WEEKDAY_BEFORE.search(text[max(0, pos - 30):pos]))


def parse_date(text: str, now: datetime) -> date | None:
    """The first date in a short text (a labelled value); dateparser as a fallback."""
    hits = find_dates(text or "", now)
    if hits:
        return hits[0].value
    return _dateparser_date(text, now)


def _dateparser_date(text: str, now: datetime) -> date | None:
    if not text or not re.search(r"\d", text) or not re.search(r"[A-Za-z]{3}", text):
        return None
    try:
        import dateparser

        settings = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "future",
                    "RELATIVE_BASE": now.replace(tzinfo=None), "REQUIRE_PARTS": ["day", "month"]}
        found = dateparser.parse(text, languages=["id", "en"], settings=settings)
    except Exception as exc:
        guard.failed("dateparser", exc, level=logging.WARNING)
        return None
    if found is None or not now.year - 1 <= found.year <= now.year + 3:
        return None
    return found.date()


def _clock(h: str, m: str | None, period: str | None) -> time | None:
    hour, minute = int(h), int(m or 0)
    period = (period or "").lower()
    if period == "siang" and hour < 10:
        hour += 12
    elif period in ("sore", "petang") and hour < 12:
        hour += 12
    elif period == "malam" and 6 <= hour < 12:
        hour += 12
    if hour == 24:
        hour = 0
    return time(hour, minute) if hour < 24 else None


# A clock time as OCR or a hurried typist writes it: "09,00", "09 00", "O9.00", "l3.00", "1O.3O".
_SHAPE = str.maketrans("OoIl|", "00111")
_MISREAD = re.compile(r"(?<![\w.,:/])(?P<h>[0-9OoIl|]{1,2})(?P<sep>[.,:]|[ ](?=\d{2}\b))(?P<m>[0-9Oo]{2})(?![\w.,:/]|,\d)")
_BEFORE_STRICT = re.compile(r"\b(?:pukul|pkl|jam)\.?[ \t]*:?[ \t]*$", re.I)
_BEFORE_OCR = re.compile(r"(?:\b(?:pukul|pkl|jam|waktu)\.?[ \t]*:?[ \t]*|\d[.:]\d\d[ \t]*"
                         r"(?:-|–|—|s\.?[ ]?/?[ ]?d\.?|sd\.?|sampai(?:[ ]+dengan)?|hingga)[ \t]*)$", re.I)
_AFTER_STRICT = re.compile(r"^[ \t]*(?:WITA|WIT|WIB)\b", re.I)
_AFTER_OCR = re.compile(r"^[ \t]*(?:WITA|WIT|WIB|s\.?[ ]?/?[ ]?d\b|sd\b|sampai\b|hingga\b|-|–|—)", re.I)


def repair_ocr_times(text: str) -> str:
    """OCR text with misread clock times put right ("O9,0O WIB" -> "09.00 WIB"), same length, so every
    position found in it holds in the original. Only where the text says it is a time (pukul, waktu,
    WIB, a range): "Rp 9,00" and "3,5 km" stay as they are."""
    return _repair(text, ocr=True)


def _repair(text: str, ocr: bool) -> str:
    """Misread times made clock times; outside OCR only digits with ',' or ' ' next to pukul/jam or a zone."""
    if not text:
        return text
    chars = list(text)
    before, after = (_BEFORE_OCR, _AFTER_OCR) if ocr else (_BEFORE_STRICT, _AFTER_STRICT)
    for m in _MISREAD.finditer(text):
        raw = m.group("h") + m.group("m")
        if not ocr and (not raw.isdigit() or m.group("sep") in ".:"):
            continue
        if not any(c.isdigit() for c in raw) or re.search(r"rp\.?\s*$", text[max(0, m.start() - 4):m.start()], re.I):
            continue
        line_start = max(text.rfind("\n", max(0, m.start() - 40), m.start()) + 1, m.start() - 40)
        if not (before.search(text[line_start:m.start()]) or after.match(text[m.end():m.end() + 12])):
            continue
        hour, minute = m.group("h").translate(_SHAPE), m.group("m").translate(_SHAPE)
        if int(hour) > 24 or int(minute) > 59:
            continue
        chars[m.start("h"):m.end("m")] = hour + "." + minute
    return "".join(chars)


def find_times(text: str, need_prefix: bool = False) -> list[TimeRange]:
    """Clock times/ranges in the text; a bare number counts only with minutes, 'pukul/jam' or a period."""
    found: list[TimeRange] = []
    text = _repair(text or "", ocr=False)
    anywhere: list[str | None] = []  # the zone named anywhere in the text: searched once, not per time
    for m in _TIME_RANGE.finditer(text or ""):
        g = m.groupdict()
        prefixed = bool(g["sx"])
        if not (prefixed or g["sm"] or g["sp"]) or (need_prefix and not (prefixed or g["sz"])):
            continue
        if _looks_like_date(text, m.start("sh")):
            continue
        start = _clock(g["sh"], g["sm"], g["sp"])
        if start is None:
            continue
        end = _clock(g["eh"], g["em"], g["ep"] or g["sp"]) if g["eh"] and (g["em"] or g["ex"] or g["ep"]) else None
        if not anywhere:
            anywhere.append(_zone_in(text))
        label = g["sz"] or g["ez"] or anywhere[0]
        zone = indonesian.label_zone(label) if label else indonesian.office_zone()
        found.append(TimeRange(start, end, bool(g["done"]), zone, m.start(), prefixed))
    return found


def _looks_like_date(text: str, pos: int) -> bool:
    """A number followed by a month name is a day of month, not an hour."""
    return bool(re.match(rf"\d{{1,2}}[\s.-]*(?:{_MONTH_RE})\b", text[pos:pos + 20], re.I))


def _zone_in(text: str) -> str | None:
    m = re.search(r"\b(WITA|WIT|WIB)\b", text or "", re.I)
    return m.group(1) if m else None


def parse_time(text: str) -> TimeRange | None:
    """The first time or time range in a short text (a labelled value)."""
    found = find_times(text)
    return found[0] if found else None


def combine(day: date | None, tr: TimeRange | None,
            end_day: date | None = None) -> tuple[datetime | None, datetime | None, bool]:
    """(start, end, until_done) as aware datetimes; start None when the date or time is missing."""
    if day is None or tr is None:
        return None, None, bool(tr and tr.until_done)
    start = datetime.combine(day, tr.start, tzinfo=tr.tz)
    end = None
    if tr.end is not None:
        end = datetime.combine(end_day or day, tr.end, tzinfo=tr.tz)
        if end <= start:
            end += timedelta(days=1)
    return start, end, tr.until_done
