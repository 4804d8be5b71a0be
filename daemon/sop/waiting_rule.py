"""Whom a request waits on, from plain values: the one rule both the engine and `requests` use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

TEAM_ACTOR = "staf"  # an `external` step this role does is done by the request's team itself


def whom(open_who: Iterable[list[str]], state: str, mode: str | None, actors: Iterable[str],
         team: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """The first address of each open task; else, on an open `external` step of the `staf`, the
    team's addresses; else nobody. `mode` None: no open step (or it need not be read)."""
    waiting = [who[0] for who in open_who]
    if waiting or state != "open" or mode is None:
        return waiting
    if mode == "external" and TEAM_ACTOR in actors:
        return [m["email"] for m in team or ()]
    return []


def needs_step(open_who: list[list[str]], state: str, step: int | None) -> bool:
    """Whether whom() needs the open step's mode and actors (no open task, open at a step)."""
    return not open_who and state == "open" and step is not None
