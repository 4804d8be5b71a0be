"""The rows `liputan requests` and `show` print, built from plain values (no ORM): one builder for
the short path (listing.py, through the database driver) and the full path (cli.py, the models)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from daemon.core import indonesian

# a request's attributes the summary reads (the model's names, or the columns of its table)
SUMMARY_FIELDS = ("code", "title", "state", "step", "event_start", "location", "outside_island",
                  "requester", "requester_email", "created_at", "missing", "flags")
EVENT_FIELDS = ("time", "step", "actor", "decision", "note", "message_id", "kind", "acting")
FILE_FIELDS = ("name", "kind", "status", "source", "size", "sha256", "reason")
PUBLICATION_FIELDS = ("channel", "status", "remote_id", "url", "detail")
TASK_FIELDS = ("step", "role", "who", "created_at", "closed_at", "status", "decision")


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with the offset of the office's zone ([office] timezone), as people read times."""
    return indonesian.to_zone(dt).isoformat() if dt else None


def summary(req: Mapping[str, Any], waiting: list[str]) -> dict:
    """A request's line of `requests` (and the head of `show`): times as ISO in the office's zone,
    the step only while it is open."""
    return {"code": req["code"], "title": req["title"], "state": req["state"],
            "step": req["step"] if req["state"] == "open" else None, "waiting_for": waiting,
            "event_start": iso(req["event_start"]), "location": req["location"],
            "outside_island": req["outside_island"], "requester": req["requester"],
            "requester_email": req["requester_email"], "created_at": iso(req["created_at"]),
            "duplicate_of": None, "missing": req["missing"], "flags": req["flags"]}


def event(time: datetime | None, step: int | None, actor: str | None, decision: str | None,
          note: str | None, message_id: str | None, kind: str, acting: str | None = None) -> dict:
    """One line of a request's history; `acting`: the Plt./Plh. office its actor decided in."""
    return {"time": iso(time), "step": step, "actor": actor, "decision": decision, "note": note,
            "message_id": message_id, "kind": kind, "acting": acting}


def delivered_file(name: str, kind: str, status: str, source: str, size: int | None,
                   sha256: str | None, reason: str | None) -> dict:
    """One file the team handed in (an empty hash is none)."""
    return {"name": name, "kind": kind, "status": status, "source": source, "size": size,
            "sha256": sha256 or None, "reason": reason}


def publication(channel: str, status: str, remote_id: str | None, url: str | None,
                detail: str | None) -> dict:
    """One channel of steps 12-14."""
    return {"channel": channel, "status": status, "remote_id": remote_id, "url": url, "detail": detail}


def step_taken(cal: Any, standards: Mapping[int, int | None], now: datetime, step: int, role: str,
               who: list[str] | None, created_at: datetime, closed_at: datetime | None,
               status: str, decision: str | None) -> dict:
    """A task in the timeline: who, sent and decided when, working minutes (`cal`, a
    daemon.core.workcal.WorkCalendar, up to `now` while open) against its step's standard."""
    standard = standards.get(step)
    took = round(cal.minutes_between(created_at, closed_at or now), 1)
    return {"step": step, "role": role, "who": who[0] if who else None,
            "sent": iso(created_at), "closed": iso(closed_at), "status": status,
            "decision": decision, "working_minutes": took, "standard_minutes": standard,
            "late": bool(standard and took > standard)}
