"""`liputan report --month YYYY-MM`: a month of requests against the SOP's time standards.

Read-only. The month is the office's calendar month ([office] timezone). Counted over the
requests received in the month (created_at):
  received   all of them;
  covered    reached the SOP's coverage step or a later one (an event at that step or later,
             or the request is done);
  rejected   ended rejected;
  published  have a `published` event or are done.
Per step, the time people took: from the task's creation (the mail that asked them, the
`sent` event) to its closing (their decision, the `decided` event), for the tasks of those
requests that were decided (superseded ones are not a person's time). Median and worst are
set against the step's `minutes` in rules/sop.yaml; a task over it is late, and the late
count is kept per role and person.

`liputan report` measures in working minutes (daemon/core/workcal.py, passed as `duration=`);
`DURATION`, the default, counts wall-clock minutes."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone, tzinfo
from statistics import median
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import indonesian
from daemon.core.models import Event, Request, Task
from daemon.core.rules_sop import Sop

Duration = Callable[[datetime, datetime], float]


def wall_clock_minutes(start: datetime, end: datetime) -> float:
    """Minutes between two instants, nights and weekends included."""
    return (end - start).total_seconds() / 60


DURATION: Duration = wall_clock_minutes


@dataclass
class StepTimes:
    number: int
    name: str
    standard: int | None  # minutes; None: "menyesuaikan"
    minutes: list[float] = field(default_factory=list)
    late: int = 0

    @property
    def count(self) -> int:
        return len(self.minutes)

    @property
    def median(self) -> float | None:
        return median(self.minutes) if self.minutes else None

    @property
    def worst(self) -> float | None:
        return max(self.minutes) if self.minutes else None


@dataclass
class Lateness:
    role: str
    person: str  # the address the task went to
    late: int = 0
    total: int = 0
    jabatan: str = ""  # as people read it: "Kepala Bidang IKP", the name with its Plt. title
    name: str = ""


Who = Callable[[str, str], tuple[str, str]]  # (role, address) -> (jabatan, name)


@dataclass
class MonthReport:
    month: str  # YYYY-MM
    received: int = 0
    covered: int = 0
    rejected: int = 0
    published: int = 0
    steps: list[StepTimes] = field(default_factory=list)
    people: list[Lateness] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"month": self.month, "received": self.received, "covered": self.covered,
                "rejected": self.rejected, "published": self.published,
                "steps": [{"step": s.number, "name": s.name, "standard_minutes": s.standard,
                           "count": s.count, "median_minutes": s.median,
                           "worst_minutes": s.worst, "late": s.late} for s in self.steps],
                "people": [vars(p).copy() for p in self.people]}


def parse_month(text: str) -> tuple[int, int]:
    """ "2026-11" -> (2026, 11); ValueError otherwise."""
    try:
        year, month = (int(p) for p in text.split("-"))
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, not {text!r}") from None
    if not 1 <= month <= 12 or year < 2000:
        raise ValueError(f"month must be YYYY-MM, not {text!r}")
    return year, month


def month_range(text: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the office's zone, as UTC."""
    year, month = parse_month(text)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (datetime.combine(date(year, month, 1), time(0), tzinfo=tz).astimezone(timezone.utc),
            datetime.combine(nxt, time(0), tzinfo=tz).astimezone(timezone.utc))


def coverage_step(sop: Sop) -> int:
    return next((s.number for s in sop.steps if s.kind == "coverage"), 10)


def build(s: Session, sop: Sop, month: str, tz: tzinfo, duration: Duration | None = None,
          who: Who | None = None) -> MonthReport:
    """Count the month (see the module's text); `who` names each role and address as the
    roster does (the report then reads "Kepala Dinas ...", not "kadis")."""
    measure = duration or DURATION
    start, end = month_range(month, tz)
    reqs = s.scalars(select(Request).where(Request.created_at >= start, Request.created_at < end)
                     .order_by(Request.id)).all()
    report = MonthReport(month=month, received=len(reqs))
    ids = [r.id for r in reqs]
    if not ids:
        return report
    events: dict[int, list[Event]] = defaultdict(list)
    for e in s.scalars(select(Event).where(Event.request_id.in_(ids))):
        events[e.request_id].append(e)
    cover = coverage_step(sop)
    for r in reqs:
        evs = events[r.id]
        if r.state == "done" or any(e.step is not None and e.step >= cover for e in evs):
            report.covered += 1
        report.rejected += r.state == "rejected"
        report.published += r.state == "done" or any(e.kind == "published" for e in evs)

    steps = {st.number: StepTimes(st.number, st.name, st.minutes) for st in sop.steps}
    people: dict[tuple[str, str], Lateness] = {}
    tasks = s.scalars(select(Task).where(Task.request_id.in_(ids), Task.status == "closed",
                                         Task.closed_at.is_not(None)).order_by(Task.id))
    for t in tasks:
        st = steps.setdefault(t.step, StepTimes(t.step, f"langkah {t.step}", None))
        took = measure(t.created_at, t.closed_at)
        st.minutes.append(took)
        late = st.standard is not None and took > st.standard
        st.late += late
        person = (t.who or ["-"])[0]
        row = people.get((t.role, person))
        if row is None:
            jabatan, name = who(t.role, person) if who else (t.role, person)
            row = people[(t.role, person)] = Lateness(t.role, person, jabatan=jabatan, name=name)
        row.total += 1
        row.late += late
    report.steps = [st for _, st in sorted(steps.items())]
    report.people = sorted(people.values(), key=lambda p: (-p.late, -p.total, p.role, p.person))
    return report


# ---- output ---------------------------------------------------------------------------------
def minutes_text(m: float | None) -> str:
    """ "5 mnt", "2 jam 5 mnt", "1 hari 3 jam" (rounded to the minute); "-" for none."""
    if m is None:
        return "-"
    total = int(round(m))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} hari"] * bool(days) + [f"{hours} jam"] * bool(hours)
    if mins or not parts:
        parts.append(f"{mins} mnt")
    return " ".join(parts[:2])


def month_title(month: str) -> str:
    year, m = parse_month(month)
    return f"{indonesian.month_name(m)} {year}"


def step_rows(report: MonthReport) -> list[tuple]:
    return [(st.number, st.name, "menyesuaikan" if st.standard is None else f"{st.standard} mnt",
             st.count, minutes_text(st.median), minutes_text(st.worst), st.late)
            for st in report.steps if st.count]


def table(report: MonthReport) -> str:
    lines = [f"Laporan bulanan peliputan {month_title(report.month)}", "",
             f"  Permohonan diterima : {report.received}",
             f"  Diliput             : {report.covered}",
             f"  Ditolak             : {report.rejected}",
             f"  Dipublikasikan      : {report.published}", "",
             "Waktu per langkah (standar SOP, waktu jam dinding)"]
    heads = ("Langkah", "Nama", "Standar", "Jumlah", "Median", "Terlama", "Terlambat")
    rows = [(str(n), shortened(name, 60), std, str(c), med, worst, str(late))
            for n, name, std, c, med, worst, late in step_rows(report)]
    lines += _grid(heads, rows) if rows else ["  (tidak ada langkah yang diputuskan)"]
    lines += ["", "Siapa yang sering terlambat"]
    late = [(p.jabatan or p.role, p.name or p.person, f"{p.late} / {p.total}") for p in report.people]
    lines += _grid(("Jabatan", "Nama", "Terlambat / Jumlah"), late) if late else ["  (tidak ada)"]
    return "\n".join(lines) + "\n"


def shortened(text: str, width: int) -> str:
    """The text cut at a word before `width` characters, with "…" (whole when it fits)."""
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"


def _grid(heads: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    fmt = "  " + "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*heads).rstrip(), fmt.format(*("-" * w for w in widths)).rstrip(),
            *(fmt.format(*r).rstrip() for r in rows)]


def xlsx(report: MonthReport) -> bytes:
    """Three sheets (Ringkasan, Langkah, Keterlambatan) and a bar chart of median and worst
    minutes per step against the standard."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font, PatternFill

    def header(ws) -> None:
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F4E78")
        ws.freeze_panes = "A2"

    wb = Workbook()
    ws = wb.active
    ws.title = "Ringkasan"
    ws.append(("Laporan bulanan peliputan", month_title(report.month)))
    for label, value in (("Permohonan diterima", report.received), ("Diliput", report.covered),
                         ("Ditolak", report.rejected), ("Dipublikasikan", report.published)):
        ws.append((label, value))
    ws["A1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 18

    steps = wb.create_sheet("Langkah")
    steps.append(("Langkah", "Nama", "Standar (menit)", "Jumlah", "Median (menit)",
                  "Terlama (menit)", "Terlambat"))
    measured = [st for st in report.steps if st.count]
    for st in measured:
        steps.append((st.number, st.name, st.standard, st.count, round(st.median, 1),
                      round(st.worst, 1), st.late))
    header(steps)
    for col, width in zip("ABCDEFG", (9, 60, 16, 9, 16, 16, 11)):
        steps.column_dimensions[col].width = width
    if measured:
        chart = BarChart()
        chart.type = "col"
        chart.title = "Waktu per langkah terhadap standar SOP"
        chart.y_axis.title = "menit"
        chart.x_axis.title = "langkah"
        n = len(measured) + 1
        chart.add_data(Reference(steps, min_col=3, max_col=3, min_row=1, max_row=n), titles_from_data=True)
        chart.add_data(Reference(steps, min_col=5, max_col=6, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(steps, min_col=1, min_row=2, max_row=n))
        chart.width, chart.height = 24, 12
        steps.add_chart(chart, "I2")

    people = wb.create_sheet("Keterlambatan")
    people.append(("Jabatan", "Nama", "Surel", "Terlambat", "Jumlah"))
    for p in report.people:
        people.append((p.jabatan or p.role, p.name or p.person, p.person, p.late, p.total))
    header(people)
    for col, width in zip("ABCDE", (36, 36, 36, 11, 9)):
        people.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
