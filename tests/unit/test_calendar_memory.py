"""The schedule book's calendar (jadwal.ics, every coverage ever booked, rewritten after each
change) is serialized event by event: its memory does not grow with the office's history, and its
bytes are those of the whole-tree build it replaced."""

from __future__ import annotations

import re
import tracemalloc
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
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


# ---- the daemon's copy (write_calendar): read and written as a stream --------------------------
def _book(factory, n: int) -> int:  # noqa: ANN001 - a sessionmaker
    """n requests with an event (a quarter rejected, some rescheduled), as a booked office has them."""
    from sqlalchemy import insert

    from daemon.core.models import Event, Request
    with factory() as s:
        first = (s.execute(select_count_requests()).scalar() or 0)
        s.execute(insert(Request), [
            {"code": f"LPT-2026-{first + i:05d}", "title": f"Musrenbang Kecamatan Nomor {first + i}",
             "state": ("open", "done", "closed", "rejected")[i % 4], "step": 10,
             "event_start": T0 + timedelta(hours=first + i), "event_end": T0 + timedelta(hours=first + i, minutes=90),
             "location": "Aula Kantor Camat Bantan", "requester": f"Kantor Camat {i % 30}",
             "requester_email": f"unit{i}@bengkaliskab.go.id", "subject": "Permohonan peliputan",
             "team": [{"name": "Andi Saputra", "task": "foto"}]} for i in range(n)])
        ids = s.execute(select_ids()).scalars().all()[-n:]
        s.execute(insert(Event), [{"request_id": rid, "kind": "rescheduled"} for rid in ids[::7]])
        s.commit()
    return len(range(3, n, 4)) + len(ids[::7])  # the SEQUENCE they add: a cancellation, a reschedule


def sequences(data: bytes) -> int:
    return sum(int(n) for n in re.findall(rb"\r\nSEQUENCE:(\d+)\r\n", data))


def select_count_requests():  # noqa: ANN201
    from sqlalchemy import func, select

    from daemon.core.models import Request
    return select(func.count()).select_from(Request)


def select_ids():  # noqa: ANN201
    from sqlalchemy import select

    from daemon.core.models import Request
    return select(Request.id).order_by(Request.id)


def _write_peak(cfg, factory) -> tuple[int, bytes]:  # noqa: ANN001
    """The Python memory write_calendar peaks at (bytes above what it started with) and its file."""
    with factory() as s:
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            path = book.write_calendar(cfg, s)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    return peak, path.read_bytes()


def test_the_daemons_calendar_is_read_and_written_as_a_stream(sqlite_factory, tmp_path):
    """write_calendar's peak does not grow with the requests booked: read 200 rows at a time,
    the reschedules counted by the database, the file written event by event. Read as one list
    (the rows, their Coverage objects and the whole file's bytes), 400 -> 1,600 requests took
    +1.5 MB more (~50 Python blocks a request): the main process's transient near 5,000 messages."""
    from types import SimpleNamespace

    cfg = SimpleNamespace(state_dir=tmp_path / "state", tz=WIB,
                          office=SimpleNamespace(domain=DOMAIN, name="Diskominfotik"))
    seq = _book(sqlite_factory, 4)
    _write_peak(cfg, sqlite_factory)  # icalendar's imports, the zone, the compiled statement: once
    seq += _book(sqlite_factory, 396)
    small, data = _write_peak(cfg, sqlite_factory)
    assert data.count(b"BEGIN:VEVENT") == 400 and sequences(data) == seq
    seq += _book(sqlite_factory, 1200)
    large, data = _write_peak(cfg, sqlite_factory)
    assert data.count(b"BEGIN:VEVENT") == 1600 and data.count(b"STATUS:CANCELLED") == 400
    assert sequences(data) == seq
    assert data.endswith(b"END:VCALENDAR\r\n") and data.count(b"BEGIN:VTIMEZONE") == 1
    assert large - small < 250_000, (small, large)
    assert large < 1_000_000, (small, large)


def test_a_long_calendar_rewrite_is_followed_by_a_longer_pause():
    """The rewrite's CPU grows with the office's history (1.75 s at 5,000 coverages): the daemon
    waits 9x as long as it took before the next one (at most a tenth of its time), 3 s at least."""
    from daemon.app.service import calendar_pause
    assert calendar_pause(0.05) == 3.0
    assert calendar_pause(1.75) == pytest.approx(15.75)


def test_a_stop_does_not_wait_out_the_pause_between_rewrites():
    """The pause after a rewrite (3 s at least) ends at the stop: a daemon that had just written
    its calendar stopped 3 s late (in every daemon test and every `systemctl restart`)."""
    import asyncio
    import time
    from types import SimpleNamespace

    from daemon.app.service import Service

    async def scenario() -> tuple[int, float]:
        writes = []
        svc = SimpleNamespace(calendar_dirty=asyncio.Event(),
                              write_calendar=lambda: writes.append(time.monotonic()))
        stop = asyncio.Event()
        svc.calendar_dirty.set()
        loop_task = asyncio.create_task(Service.calendar_loop(svc, stop))
        while not writes:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # now in the pause after the rewrite
        t0 = time.monotonic()
        stop.set()
        await asyncio.wait_for(loop_task, 2.5)
        return len(writes), time.monotonic() - t0

    written, took = asyncio.run(scenario())
    assert written == 1 and took < 0.5
