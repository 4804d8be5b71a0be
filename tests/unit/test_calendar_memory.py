"""The schedule book's calendar (jadwal.ics, every coverage ever booked, rewritten after each
change) is serialized event by event: its memory does not grow with the office's history, and its
bytes are those of the whole-tree build it replaced."""

from __future__ import annotations

import tracemalloc
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from daemon.core import indonesian
from daemon.paperwork import schedule_book as book

WIB = ZoneInfo("Asia/Jakarta")
DOMAIN = "bengkaliskab.go.id"
T0 = datetime(2026, 1, 5, 2, tzinfo=timezone.utc)


def coverages(n: int) -> list[book.Coverage]:
    return [book.Coverage(code=f"LPT-2026-{i:04d}", title=f"Rapat koordinasi {i}; Musrenbang, & <{i}>",
                          state=("open", "closed", "cancelled", "rejected")[i % 4], step=i % 5 or None,
                          start=T0 + timedelta(hours=7 * i),
                          end=None if i % 2 else T0 + timedelta(hours=7 * i + 2), until_done=i % 7 == 0,
                          location="Aula Kantor Camat Mandau, Duri", requester=f"Bagian Umum {i % 40}",
                          team=[{"name": "Andi Saputra", "task": "foto"}, {"email": "rina@x.id"}][: i % 3],
                          reschedules=i % 3, confirmed=i % 5 == 0, stamp=None if i % 6 else T0)
            for i in range(n)]


def whole_tree(rows: list[book.Coverage], stamp: datetime) -> bytes:
    """The calendar as it was built before: one icalendar tree of every event."""
    cal = Calendar()
    for key, value in (("prodid", book.PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH"), ("x-wr-calname", "Jadwal"), ("x-wr-timezone", "Asia/Jakarta")):
        cal.add(key, value)
    for c in rows:
        ev = VEvent()
        ev.add("uid", f"{c.code}@{DOMAIN}")
        changed = (c.stamp or stamp).astimezone(timezone.utc)
        ev.add("dtstamp", changed)
        ev.add("last-modified", changed)
        ev.add("dtstart", indonesian.to_zone(c.start, WIB))
        ev.add("dtend", indonesian.to_zone(c.calendar_end(), WIB))
        ev.add("summary", f"Peliputan: {c.title}")
        ev.add("location", c.location)
        ev.add("description", book.description(c))
        ev.add("sequence", c.sequence)
        ev.add("status", c.ics_status)
        ev.add("transp", "TRANSPARENT" if c.cancelled else "OPAQUE")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


def test_the_bytes_are_those_of_the_whole_tree():
    stamp = T0 + timedelta(days=3)
    for n in (0, 1, 2, 120):
        rows = coverages(n)
        assert book.ics(rows, DOMAIN, WIB, name="Jadwal", stamp=stamp) == whole_tree(rows, stamp)
    # a generator of rows (as coverages() may give) reads the same
    assert book.ics(iter(coverages(5)), DOMAIN, WIB, name="Jadwal", stamp=stamp) == whole_tree(coverages(5), stamp)


def peak_mb(n: int) -> float:
    rows = coverages(n)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = book.ics(rows, DOMAIN, WIB, name="Jadwal", stamp=T0)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert out.count(b"BEGIN:VEVENT") == n
    return peak / 1e6


def test_writing_the_calendar_holds_about_one_event_at_a_time():
    book.ics(coverages(2), DOMAIN, WIB, stamp=T0)  # icalendar's imports and zone data loaded once
    small, large = peak_mb(200), peak_mb(1200)
    # the whole tree took ~10 kB per event (12 MB for 1,200); now the output bytes (~0.4 kB per
    # event) and one event's objects
    assert large < 3.0, (small, large)
    assert large - small < 1.5, (small, large)
