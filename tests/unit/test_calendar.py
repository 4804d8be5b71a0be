"""The .ics invitation parses back with icalendar and carries the right method, times and people."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest

from daemon.paperwork.calendar import invitation

WIB = ZoneInfo("Asia/Jakarta")
START = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
ATTENDEES = [("Andi Saputra", "andi.saputra@bengkaliskab.go.id"), ("Rina Marlina, S.I.Kom.", "rina@x.id")]


def build(**kw) -> icalendar.Calendar:
    args = dict(uid="LPT-2026-0007@liputan", summary="Peliputan: Rapat; Koordinasi, & <Musrenbang>",
                start=START, end=START + timedelta(hours=2), location="Aula Camat Mandau, Duri",
                description="Tim liputan:\nAndi, Rina", organizer_email="liputan@bengkaliskab.go.id",
                attendees=ATTENDEES)
    args.update(kw)
    return icalendar.Calendar.from_ical(invitation(**args))


def vevent(cal: icalendar.Calendar) -> icalendar.Event:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_method_request_and_fields() -> None:
    cal = build()
    assert str(cal["METHOD"]) == "REQUEST"
    ev = vevent(cal)
    assert str(ev["UID"]) == "LPT-2026-0007@liputan"
    assert str(ev["SUMMARY"]) == "Peliputan: Rapat; Koordinasi, & <Musrenbang>"
    assert str(ev["LOCATION"]) == "Aula Camat Mandau, Duri"
    assert str(ev["DESCRIPTION"]) == "Tim liputan:\nAndi, Rina"
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert int(ev["SEQUENCE"]) == 0
    assert "DTSTAMP" in ev
    assert str(ev["ORGANIZER"]) == "mailto:liputan@bengkaliskab.go.id"


def test_times_with_tzid_and_vtimezone() -> None:
    cal = build()
    ev = vevent(cal)
    assert ev["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert ev["DTSTART"].dt == START
    assert ev["DTEND"].dt == START + timedelta(hours=2)
    assert ev["DTSTART"].dt.utcoffset() == timedelta(hours=7)
    tzs = cal.walk("VTIMEZONE")
    assert [str(t["TZID"]) for t in tzs] == ["Asia/Jakarta"]


def test_utc_start_is_converted_to_wib() -> None:
    ev = vevent(build(start=datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc), end=None))
    assert ev["DTSTART"].dt.hour == 9 and ev["DTSTART"].dt.utcoffset() == timedelta(hours=7)
    assert ev["DTEND"].dt - ev["DTSTART"].dt == timedelta(hours=3)


def test_end_none_means_three_hours() -> None:
    ev = vevent(build(end=None))
    assert ev["DTEND"].dt == START + timedelta(hours=3)


def test_attendees() -> None:
    ev = vevent(build())
    attendees = ev["ATTENDEE"]
    assert [str(a) for a in attendees] == [f"mailto:{e}" for _, e in ATTENDEES]
    for att, (name, _) in zip(attendees, ATTENDEES):
        assert att.params["CN"] == name
        assert att.params["ROLE"] == "REQ-PARTICIPANT"
        assert att.params["PARTSTAT"] == "NEEDS-ACTION"
        assert att.params["RSVP"] == "FALSE"


def test_alarm_sixty_minutes_before() -> None:
    alarms = vevent(build()).walk("VALARM")
    assert len(alarms) == 1
    assert alarms[0]["TRIGGER"].dt == -timedelta(minutes=60)
    assert str(alarms[0]["ACTION"]) == "DISPLAY"


def test_sequence_and_cancel() -> None:
    cal = build(sequence=2, method="CANCEL")
    assert str(cal["METHOD"]) == "CANCEL"
    ev = vevent(cal)
    assert int(ev["SEQUENCE"]) == 2
    assert str(ev["STATUS"]) == "CANCELLED"


def test_crlf_line_endings() -> None:
    raw = invitation("u", "s", START, None, "l", "d", "o@x.id", [])
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        invitation("u", "s", START, START - timedelta(hours=1), "l", "d", "o@x.id", [])
    with pytest.raises(ValueError):
        invitation("u", "s", START, None, "l", "d", "o@x.id", [], method="REPLYX")
