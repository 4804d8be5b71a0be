"""Whether a step applies to a request: its `when:` condition over the request's facts."""

from __future__ import annotations

from typing import Any

from daemon.core.models import Request
from daemon.core.rules import Step


def facts(req: Request) -> dict[str, Any]:
    return {"outside_island": req.outside_island}


def applies(step: Step, req: Request) -> bool:
    """An unknown place counts as outside the island (an SPT to spare)."""
    if step.when == "outside_island":
        return req.outside_island is not False
    return True
