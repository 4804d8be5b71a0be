"""iCalendar (RFC 5545/5546) invitations for coverage assignments, in the office's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText

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


def vtimezone(zone: tzinfo) -> Timezone:
    """The VTIMEZONE of a zone (TZID is its IANA name, e.g. Asia/Jakarta), from the zoneinfo data."""
    return Timezone.from_tzinfo(zone)


def alarm(summary: str) -> Alarm:
    """A display reminder 60 minutes before the start."""
    reminder = Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", f"Pengingat: {summary}")
    reminder.add("trigger", -ALARM_BEFORE)
    return reminder


def event(uid: str, summary: str, start: datetime, end: datetime, location: str, description: str,
          organizer: vCalAddress, attendees: list[tuple[str, str]], sequence: int, status: str,
          stamp: datetime) -> Event:
    """The VEVENT with its attendees and reminder."""
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp.astimezone(UTC))
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
    ev.add_component(alarm(summary))
    return ev


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
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(vtimezone(start.tzinfo))
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    organizer = mailto(organizer_email, cn=organizer_name)
    cal.add_component(event(uid, summary, start, end, location, description, organizer,
                            attendees, sequence, status, stamp or datetime.now(UTC)))
    return cal.to_ical()
