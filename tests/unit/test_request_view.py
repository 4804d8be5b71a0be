"""The rows `requests` and `show` print, built once from plain values for both paths: times in the
office's zone and a step's working minutes against its standard."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from daemon.app import request_view
from daemon.core import indonesian

TEAM = [{"email": "andi@bengkaliskab.go.id"}, {"email": "rina@bengkaliskab.go.id"}]
UTC = timezone.utc


class Minutes:
    """A calendar where every minute is a working one (the real one is tested in test_workcal)."""

    def minutes_between(self, start: datetime, end: datetime) -> float:
        return (end - start).total_seconds() / 60


def test_the_summary_shows_times_in_the_office_zone_and_the_step_only_while_open():
    indonesian.set_zone("Asia/Jakarta")
    req = {"code": "LPT-2026-0001", "title": "Musrenbang", "state": "rejected", "step": 3,
           "event_start": datetime(2026, 12, 7, 2, 0, tzinfo=UTC), "location": "Bantan",
           "outside_island": False, "requester": "Camat", "requester_email": "camat@x",
           "created_at": datetime(2026, 11, 30, 1, 5, tzinfo=UTC), "missing": [], "flags": []}
    row = request_view.summary(req, [])
    assert row["event_start"] == "2026-12-07T09:00:00+07:00" and row["created_at"] == "2026-11-30T08:05:00+07:00"
    assert row["step"] is None and row["duplicate_of"] is None
    assert request_view.summary({**req, "state": "open"}, ["kadis@x"])["step"] == 3


def test_a_step_is_late_past_its_standard_and_an_open_one_counts_up_to_now():
    indonesian.set_zone("Asia/Jakarta")
    sent = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    closed = request_view.step_taken(Minutes(), {2: 60}, sent + timedelta(hours=5), 2, "kadis",
                                     ["kadis@x"], sent, sent + timedelta(minutes=45), "closed", "approve")
    assert (closed["working_minutes"], closed["late"], closed["who"]) == (45.0, False, "kadis@x")
    assert closed["closed"] == "2026-11-30T08:45:00+07:00"
    still = request_view.step_taken(Minutes(), {2: 60}, sent + timedelta(minutes=90), 2, "kadis",
                                    [], sent, None, "open", None)
    assert (still["working_minutes"], still["late"], still["who"], still["closed"]) == (90.0, True, None, None)
    unknown = request_view.step_taken(Minutes(), {}, sent, 9, "staf", None, sent, sent, "closed", None)
    assert unknown["standard_minutes"] is None and unknown["late"] is False
