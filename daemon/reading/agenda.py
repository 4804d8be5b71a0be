"""Agendas: tables with a header row, and agendas without labels or headers (one event per line or row)."""

from __future__ import annotations

import re
from datetime import date, datetime

from daemon.reading.datetimes import _MONTH_RE, _WEEKDAY_RE, find_dates, find_times
from daemon.reading.documents import Table
from daemon.reading.extract_fields import Event
from daemon.reading.running_text import title_ok

_BULLET = re.compile(r"^[ \t>]*(?:\(?\d{1,2}[.)]|[-•*▪])?[ \t]*")
# Between the time and the event, and between the event and its place: a dash, a bar or a tab.
_SEP = re.compile(r"[ \t]+[-–—|][ \t]+|[ \t]*\t[ \t]*")
# Everything a "when" may hold besides its numbers: weekdays, months, pukul, zones, s.d. selesai.
_WHEN_WORDS = re.compile(
    rf"\b(?:{_WEEKDAY_RE}|{_MONTH_RE}|hari|tanggal|tgl|pukul|pkl|jam|waktu|wib|wita|wit|s\.?\s?d|sd|s/d|"
    r"sampai|dengan|hingga|selesai|pagi|siang|sore|petang|malam)\b\.?", re.I)
_PLACE_SPLIT = re.compile(r",?\s+(?:bertempat\s+|berlokasi\s+)?di\s+(?=[A-Z0-9])|\s+[-–—|]\s+|[ \t]*\t[ \t]*")
MAX_WHEN = 80  # characters of "Kamis, 10 Desember 2026, pukul 19.30 WIB s.d. selesai" and more
_ROW_NUMBER = re.compile(r"^\s*\d{1,3}[.)]?\s*$")


def agenda_events(tables: list[Table], text: str, now: datetime) -> list[Event]:
    """Events of an agenda without labels: from header-less tables, else from 'when – what di where' lines."""
    for table in tables:
        events = _table_events(table, now)
        if len(events) >= 2:
            return events
    return line_events(text, now)


def is_when(value: str, now: datetime) -> bool:
    """Whether a piece of text is only a date and/or time ("Senin, 7 Desember 2026 / 09.00 WIB")."""
    if not value or not (find_dates(value, now) or find_times(value)):
        return False
    return not re.search(r"[A-Za-z]", _WHEN_WORDS.sub(" ", value))


def line_events(text: str, now: datetime) -> list[Event]:
    """One event per line that starts with its date/time and names the event after a dash."""
    events: list[Event] = []
    for i, raw in enumerate((text or "").splitlines()):
        line = _BULLET.sub("", raw, count=1).strip()
        for sep in _SEP.finditer(line, 0, MAX_WHEN):  # the when is short: a long line costs no more
            when, what = line[:sep.start()], line[sep.end():]
            if is_when(when, now):
                ev = _event(when, *_title_place(what), now, i)
                if ev is not None:
                    events.append(ev)
                break
    return events


def _title_place(what: str) -> tuple[str, str | None]:
    m = _PLACE_SPLIT.search(what)
    if not m:
        return what.strip(" .,;"), None
    return what[:m.start()].strip(" .,;"), what[m.end():].strip(" .,;") or None


def _event(when: str, title: str, place: str | None, now: datetime, pos: int) -> Event | None:
    """The event, when its title names one (not a date, not a sentence)."""
    if (not title or is_when(title, now) or not title[:1].isupper() or not title_ok(title)
            or not re.search(r"[A-Za-z]{3}", _WHEN_WORDS.sub(" ", title))):  # "Hari/Tanggal": a label
        return None
    hits, times = find_dates(when, now), find_times(when)
    if not hits and not times:
        return None
    day, end_day = (hits[0].value, hits[0].end_value) if hits else (None, None)
    return Event(title[:160], day, end_day, times[0] if times else None, place[:160] if place else None, pos)


def _table_events(table: Table, now: datetime) -> list[Event]:
    """One event per row of a table without a header row: its date/time cells, then the first other
    cell as the event and the next as the place. A table with a header is read elsewhere."""
    if any(len(_columns(row)) >= 3 for row in table[:3]) or any(c.strip() in (":", "：") for r in table for c in r):
        return []  # a header row, or "Label : value" rows
    events: list[Event] = []
    for i, row in enumerate(table):
        cells = [c.strip() for c in row if c and c.strip() and not _ROW_NUMBER.match(c)]
        when = " ".join(c for c in cells if is_when(c, now))
        others = [c for c in cells if not is_when(c, now)]
        if when and others:
            ev = _event(when, others[0], others[1] if len(others) > 1 else None, now, i)
            if ev is not None:
                events.append(ev)
    return events


# ---- tables with a header row ----------------------------------------------------------------
_COLUMNS = {"date": r"hari|tanggal|tgl", "time": r"pukul|waktu|jam", "title": r"acara|kegiatan|agenda|uraian",
            "place": r"tempat|lokasi"}


def events_from_tables(tables: list[Table], now: datetime) -> list[Event]:
    """Events from tables with a header row (one event per row), as in a Bupati's agenda."""
    events: list[Event] = []
    for table in tables:
        for h, header in enumerate(table[:3]):
            cols = _columns(header)
            if len(cols) >= 3 and "title" in cols:
                events += _table_rows(table[h + 1:], cols, now)
                break
    return events


def _columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, cell in enumerate(header):
        for kind, rx in _COLUMNS.items():
            if re.search(rf"\b(?:{rx})", cell or "", re.I) and kind not in cols and len(cell) < 40:
                cols[kind] = i
                if kind == "date" and re.search(r"waktu|pukul|jam", cell, re.I):
                    cols.setdefault("time", i)
                break
    return cols


def _table_rows(rows: Table, cols: dict[str, int], now: datetime) -> list[Event]:
    events: list[Event] = []
    last_day: date | None = None
    for i, row in enumerate(rows):
        cell = lambda k: row[cols[k]] if k in cols and cols[k] < len(row) else ""  # noqa: E731
        when = f"{cell('date')} {cell('time')}"
        hits = find_dates(when, now)
        times = find_times(cell("time")) or find_times(when)
        day = hits[0].value if hits else last_day
        ev = Event(cell("title").strip() or None, day, None, times[0] if times else None,
                   cell("place").strip() or None, i)
        if ev.title and (ev.day or ev.time):
            events.append(ev)
            last_day = day
    return events
