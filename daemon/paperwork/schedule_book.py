"""The Buku jadwal peliputan (the SOP's one named record): the coming coverage as a table, an
RFC 5545 calendar, a spreadsheet with the columns of the paper book, or CSV.

Read-only: it queries the requests and their history, and changes nothing. The daemon keeps a
copy of the calendar in the state folder (`write_calendar`) for calendar subscription."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daemon.core import indonesian
from daemon.core.config import Config
from daemon.core.context import Context
from daemon.core.durable import atomic_write
from daemon.core.models import Event, Request

PRODID = "-//Diskominfotik Kabupaten Bengkalis//Liputan Buku Jadwal//ID"
DEFAULT_DURATION = timedelta(hours=3)  # an event "s.d. selesai" shows as three hours
DEFAULT_DAYS = 30
CALENDAR_FILE = "jadwal.ics"
COVERAGE_STEP = 10  # when the rules name no step of kind "coverage"
ENDED = ("cancelled", "rejected")
HEADERS = ("Tanggal", "Waktu", "Kegiatan", "Tempat", "Tim", "Status")
BOOK_HEADERS = ("No.", "Hari/Tanggal", "Waktu", "Kegiatan", "Tempat", "Pemohon", "Tim Peliput",
                "Status", "Kode")
BOOK_WIDTHS = (5, 26, 24, 44, 34, 30, 40, 22, 15)
CSV_HEADERS = (*BOOK_HEADERS, "Mulai (ISO 8601)", "Selesai (ISO 8601)", "state")


@dataclass(frozen=True)
class Coverage:
    """One line of the book: a request with an event time, as the book shows it."""

    code: str
    title: str
    state: str
    step: int | None
    start: datetime
    end: datetime | None
    until_done: bool
    location: str
    requester: str
    team: list[dict] = field(default_factory=list)
    reschedules: int = 0
    confirmed: bool = False
    stamp: datetime | None = None  # when the request last changed

    @property
    def cancelled(self) -> bool:
        return self.state in ENDED

    @property
    def sequence(self) -> int:
        """RFC 5545 SEQUENCE: one more for each reschedule and for the cancellation."""
        return self.reschedules + (1 if self.cancelled else 0)

    @property
    def ics_status(self) -> str:
        if self.cancelled:
            return "CANCELLED"
        return "CONFIRMED" if self.confirmed else "TENTATIVE"

    @property
    def team_names(self) -> str:
        return ", ".join(m.get("name") or m.get("email") or "?" for m in self.team) or "-"

    @property
    def status_label(self) -> str:
        """The state in Indonesian; an open request also tells whether the coverage is settled."""
        label = indonesian.state_label(self.state)
        if self.state == "open":
            return f"{label}, {'terjadwal' if self.confirmed else f'langkah {self.step or 1}'}"
        return label

    def calendar_end(self) -> datetime:
        return self.end if self.end is not None and self.end > self.start \
            else self.start + DEFAULT_DURATION


def coverage_step(ctx: Context | None) -> int:
    """The number of the SOP's coverage step (reached: the team and schedule are approved)."""
    if ctx is None:
        return COVERAGE_STEP
    return next((s.number for s in ctx.rules.sop.steps if s.kind == "coverage"), COVERAGE_STEP)


def day_range(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[first 00.00, the day after last 00.00) in the office's zone, as UTC instants."""
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def default_range(today: date, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """From today, `days` days (today and the 29 that follow by default)."""
    return today, today + timedelta(days=days - 1)


def coverages(s: Session, start: datetime | None = None, end: datetime | None = None, *,
              with_ended: bool = False, confirmed_from: int = COVERAGE_STEP) -> list[Coverage]:
    """The requests whose event starts in [start, end), in order of time.

    Open and done requests always; cancelled and rejected ones only `with_ended` (the calendar
    carries them as cancelled, so a subscribed calendar drops them)."""
    return list(each_coverage(s, start, end, with_ended=with_ended, confirmed_from=confirmed_from))


def each_coverage(s: Session, start: datetime | None = None, end: datetime | None = None, *,
                  with_ended: bool = False, confirmed_from: int = COVERAGE_STEP,
                  chunk: int = 200) -> Iterator[Coverage]:
    """`coverages`, one at a time: the rows are fetched `chunk` at a time and the reschedules
    counted by the database, so the Python memory does not grow with the number of requests.

    The calendar reads every request ever booked after each change; read as one list (rows,
    Coverage objects, the ids for the reschedule count) it was the main process's largest
    transient, ~50 Python blocks a request (260,000 at 5,000 booked), and each new peak left
    obmalloc arenas pinned for good (tests/unit/test_calendar_memory.py)."""
    # the columns the book shows, not whole Request objects (~150 Python objects a request)
    moved = (select(Event.request_id, func.count().label("n")).where(Event.kind == "rescheduled")
             .group_by(Event.request_id).subquery())
    q = (select(Request.code, Request.title, Request.subject, Request.state, Request.step,
                Request.event_start, Request.event_end, Request.until_done, Request.location,
                Request.requester, Request.requester_email, Request.team, Request.updated_at,
                Request.created_at, moved.c.n)
         .outerjoin(moved, moved.c.request_id == Request.id).where(Request.event_start.is_not(None)))
    if start is not None:
        q = q.where(Request.event_start >= start)
    if end is not None:
        q = q.where(Request.event_start < end)
    if not with_ended:
        q = q.where(Request.state.not_in(ENDED))
    result = s.execute(q.order_by(Request.event_start, Request.code).execution_options(yield_per=chunk))
    try:
        for r in result:
            confirmed = r.state == "done" or (r.state == "open" and (r.step or 0) >= confirmed_from)
            yield Coverage(code=r.code, title=r.title or r.subject or "-", state=r.state,
                           step=r.step, start=r.event_start, end=r.event_end,
                           until_done=bool(r.until_done), location=r.location or "-",
                           requester=r.requester or r.requester_email or "-",
                           team=list(r.team or []), reschedules=r.n or 0,
                           confirmed=confirmed, stamp=r.updated_at or r.created_at)
    finally:
        result.close()


# ---- the words of the book ------------------------------------------------------------------
def day_text(c: Coverage, tz: tzinfo) -> str:
    """ "Senin, 7 Desember 2026" """
    return indonesian.format_date(indonesian.to_zone(c.start, tz).date())


def time_text(c: Coverage, tz: tzinfo) -> str:
    """ "09.00 WIB", "09.00 WIB s.d. 12.00 WIB", "09.00 WIB s.d. selesai"; another day's end
    is written with its date."""
    start = indonesian.to_zone(c.start, tz)
    text = indonesian.format_time(start)
    if c.end is not None and c.end > c.start:
        end = indonesian.to_zone(c.end, tz)
        if end.date() == start.date():
            return f"{text} s.d. {indonesian.format_time(end)}"
        return f"{text} s.d. {indonesian.format_date_short(end.date())} {indonesian.format_time(end)}"
    return f"{text} s.d. selesai" if c.until_done else text


def table_rows(rows: Iterable[Coverage], tz: tzinfo) -> list[tuple[str, ...]]:
    return [(day_text(c, tz), time_text(c, tz), f"{c.title} ({c.code})", c.location,
             c.team_names, c.status_label) for c in rows]


def table(rows: list[Coverage], tz: tzinfo, first: date | None = None,
          last: date | None = None) -> str:
    """The human table: Tanggal, Waktu, Kegiatan, Tempat, Tim, Status."""
    lines = []
    if first and last:
        lines.append(f"Jadwal peliputan {indonesian.format_date_short(first)} s.d. "
                     f"{indonesian.format_date_short(last)}")
    body = table_rows(rows, tz)
    if not body:
        lines.append("Tidak ada peliputan terjadwal.")
        return "\n".join(lines) + "\n"
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(HEADERS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines.append(fmt.format(*HEADERS).rstrip())
    lines.append(fmt.format(*("-" * w for w in widths)))
    lines += [fmt.format(*r).rstrip() for r in body]
    return "\n".join(lines) + "\n"


def book_rows(rows: Iterable[Coverage], tz: tzinfo) -> list[tuple]:
    """The paper book's columns: No., Hari/Tanggal, Waktu, Kegiatan, Tempat, Pemohon, Tim
    Peliput, Status, Kode."""
    return [(i, day_text(c, tz), time_text(c, tz), c.title, c.location, c.requester,
             c.team_names, c.status_label, c.code) for i, c in enumerate(rows, 1)]


def description(c: Coverage) -> str:
    team = "\n".join(f"- {m.get('name', '?')}" + (f" ({m['task']})" if m.get("task") else "")
                     for m in c.team) or "- (belum ditetapkan)"
    return (f"Kode: {c.code}\nPemohon: {c.requester}\nStatus: {c.status_label}\n"
            f"Tim peliput:\n{team}")


# ---- formats --------------------------------------------------------------------------------
def ics(rows: Iterable[Coverage], domain: str, tz: tzinfo, *, name: str = "Jadwal Peliputan",
        stamp: datetime | None = None) -> bytes:
    """RFC 5545: one VEVENT per coverage, UID <code>@<domain>, SEQUENCE and STATUS carrying
    reschedules and cancellations; times in the office's zone with its VTIMEZONE."""
    return b"".join(ics_parts(rows, domain, tz, name=name, stamp=stamp))


def ics_parts(rows: Iterable[Coverage], domain: str, tz: tzinfo, *, name: str = "Jadwal Peliputan",
              stamp: datetime | None = None) -> Iterator[bytes]:
    """`ics` as it is made, event by event: the calendar file is written from these parts.

    The events are serialized one at a time, not as one tree of icalendar objects: the calendar
    holds every coverage ever booked and is rewritten after each change, and the whole tree (~30
    objects per event: 23 MB and 3.7 s CPU at 2,000 events) was the daemon's largest transient,
    growing with the office's history (tests/unit/test_calendar_memory.py)."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", getattr(tz, "key", str(tz)))
    events = iter(rows)
    first = next(events, None)
    if first is not None:  # the VTIMEZONE the events' times need (one zone: the office's)
        cal.add_component(_vevent(first, domain, tz, stamp))
    cal.add_missing_timezones()
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    del cal
    yield head[: -len(end)]
    for c in events:
        yield _vevent(c, domain, tz, stamp).to_ical()
    yield end


def _vevent(c: Coverage, domain: str, tz: tzinfo, stamp: datetime | None):  # noqa: ANN202 - an icalendar Event
    from icalendar import Event as VEvent
    ev = VEvent()
    ev.add("uid", f"{c.code}@{domain}")
    changed = (c.stamp or stamp or datetime.now(timezone.utc)).astimezone(timezone.utc)
    ev.add("dtstamp", changed)
    ev.add("last-modified", changed)
    ev.add("dtstart", indonesian.to_zone(c.start, tz))
    ev.add("dtend", indonesian.to_zone(c.calendar_end(), tz))
    ev.add("summary", f"Peliputan: {c.title}")
    ev.add("location", c.location)
    ev.add("description", description(c))
    ev.add("sequence", c.sequence)
    ev.add("status", c.ics_status)
    ev.add("transp", "TRANSPARENT" if c.cancelled else "OPAQUE")
    return ev


def xlsx(rows: list[Coverage], tz: tzinfo, title: str = "Buku Jadwal Peliputan") -> bytes:
    """The book as a spreadsheet: styled, frozen header, widths of the paper columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "Jadwal Peliputan"
    ws.append(BOOK_HEADERS)
    thin = Side(style="thin", color="808080")
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for row in book_rows(rows, tz):
        ws.append(row)
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for i, width in enumerate(BOOK_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_text(rows: list[Coverage], tz: tzinfo) -> bytes:
    """CSV for anything else: UTF-8 with a BOM (Excel then reads "Kecamatan Mandau, Duri"
    and accents right; Python reads it with encoding="utf-8-sig"), comma-separated, CRLF lines.
    The book's columns, then the times in ISO 8601 and the state as the JSON gives it."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_HEADERS)
    for c, row in zip(rows, book_rows(rows, tz)):
        end = indonesian.to_zone(c.end, tz).isoformat() if c.end else ""
        w.writerow((*row, indonesian.to_zone(c.start, tz).isoformat(), end, c.state))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render(fmt: str, rows: list[Coverage], cfg: Config, first: date | None = None,
           last: date | None = None) -> bytes:
    """The book in `fmt` (table, ics, xlsx or csv) as bytes."""
    tz = cfg.tz
    if fmt == "ics":
        return ics(rows, cfg.office.domain, tz, name=f"Jadwal Peliputan {cfg.office.name}")
    if fmt == "xlsx":
        return xlsx(rows, tz)
    if fmt == "csv":
        return csv_text(rows, tz)
    return table(rows, tz, first, last).encode("utf-8")


# ---- the subscription copy ------------------------------------------------------------------
def calendar_path(cfg: Config) -> Path:
    return cfg.state_dir / CALENDAR_FILE


def write_calendar(ctx_or_cfg: Context | Config, s: Session) -> Path:
    """Write <state>/jadwal.ics: every coverage with an event time (cancelled and rejected ones
    as cancelled), atomically, so a subscribed calendar never reads half a file. Call it after a
    change of a request's schedule or state has been committed."""
    ctx = ctx_or_cfg if isinstance(ctx_or_cfg, Context) else None
    cfg = ctx.cfg if ctx else ctx_or_cfg
    rows = each_coverage(s, with_ended=True, confirmed_from=coverage_step(ctx))
    parts = ics_parts(rows, cfg.office.domain, cfg.tz, name=f"Jadwal Peliputan {cfg.office.name}")
    return atomic_write(calendar_path(cfg), parts)  # streamed: the file is never whole in memory
