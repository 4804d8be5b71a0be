"""iCalendar (RFC 5545/5546) invitations for coverage assignments, in the office's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Sequence

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from daemon.core import indonesian

PRODID = "-//Diskominfotik Kabupaten Bengkalis//Liputan//ID"
DEFAULT_DURATION = timedelta(hours=3)
ALARM_BEFORE = timedelta(minutes=60)
METHODS = ("REQUEST", "CANCEL", "PUBLISH")


def local(dt: datetime, tz: indonesian.Zone = None) -> datetime:
    """An aware datetime in `tz`, the office's zone by default (a naive one is taken as already local)."""
    return indonesian.to_zone(dt, tz)


def mailto(email: str, **params: str) -> vCalAddress:
    """A calendar address with parameters (CN, ROLE, ...)."""
    address = vCalAddress(f"mailto:{email}")
    for key, value in params.items():
        if value:
            address.params[key.upper()] = vText(value) if key.lower() == "cn" else value
    return address


def alarm(summary: str) -> Alarm:
    """A display reminder 60 minutes before the start."""
    reminder = Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", f"Pengingat: {summary}")
    reminder.add("trigger", -ALARM_BEFORE)
    return reminder


def event(uid: str, summary: str, start: datetime, end: datetime, location: str, description: str,
          organizer: vCalAddress, attendees: list[tuple[str, str]], sequence: int, status: str,
          stamp: datetime, remind: bool = True) -> Event:
    """The VEVENT with its attendees and reminder."""
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp.astimezone(timezone.utc))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", summary)
    ev.add("location", location)
    ev.add("description", description)
    ev.add("organizer", organizer)
    for name, email in attendees:
        ev.add("attendee", mailto(email, cn=name, cutype="INDIVIDUAL", role="REQ-PARTICIPANT",
                                  partstat="NEEDS-ACTION", rsvp="FALSE"))
    ev.add("sequence", sequence)
    ev.add("status", status)
    ev.add("transp", "OPAQUE")
    if remind:
        ev.add_component(alarm(summary))
    return ev


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def invitation(uid: str, summary: str, start: datetime, end: datetime | None, location: str,
               description: str, organizer_email: str, attendees: list[tuple[str, str]],
               sequence: int = 0, method: str = "REQUEST", *, organizer_name: str = "",
               tz: indonesian.Zone = None, stamp: datetime | None = None) -> bytes:
    """An iTIP invitation (METHOD:REQUEST by default; CANCEL marks the event cancelled) as .ics bytes.

    Times are shown in `tz` (the office's zone by default); `stamp` is DTSTAMP, the caller's clock
    (the wall clock when not given)."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"unsupported iTIP method {method!r}")
    start = local(start, tz)
    end = local(end, tz) if end is not None else start + DEFAULT_DURATION
    if end <= start:
        raise ValueError("event end must be after its start")
    cal = _calendar(method)
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    organizer = mailto(organizer_email, cn=organizer_name)
    cal.add_component(event(uid, summary, start, end, location, description, organizer,
                            attendees, sequence, status, stamp or datetime.now(timezone.utc)))
    cal.add_missing_timezones()  # the VTIMEZONE of the office's zone, from the zoneinfo data
    return cal.to_ical()


def blocks(uid: str, items: Sequence[tuple[str, datetime, datetime]], location: str,
           organizer_email: str, *, organizer_name: str = "", sequence: int = 0,
           cancel: bool = False, tz: indonesian.Zone = None,
           stamp: datetime | None = None) -> bytes:
    """Blocks of time around an event (travel out and back), each its own event (METHOD:PUBLISH),
    so the invitation itself keeps the event's own time; UIDs are `<n>-<uid>`."""
    cal = _calendar("PUBLISH")
    organizer = mailto(organizer_email, cn=organizer_name)
    for n, (summary, start, end) in enumerate(items, 1):
        cal.add_component(event(f"{n}-{uid}", summary, local(start, tz), local(end, tz), location,
                                summary, organizer, [], sequence,
                                "CANCELLED" if cancel else "CONFIRMED",
                                stamp or datetime.now(timezone.utc), remind=False))
    cal.add_missing_timezones()
    return cal.to_ical()
