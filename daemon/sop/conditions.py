"""Whether a step applies to a request: its `when:` condition over the request's facts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from daemon.core.models import Request
from daemon.core.rules_sop import Step

KIND_WORDS = [("kecamatan", r"\bcamat\b|\bkecamatan\b"), ("desa", r"\bdesa\b|\bkepala desa\b|\blurah\b"),
              ("rsud", r"\brsud\b|rumah sakit"), ("sekolah", r"\bsekolah\b|\bsmk?n?\b|\bsdn?\b|\bsmp\b|\bsma\b"),
              ("dprd", r"\bdprd\b"), ("badan", r"\bbadan\b|\bbpbd\b|\bbappeda\b|\bbkpsdm\b"),
              ("bagian", r"\bbagian\b|\bprotokol\b|\bsekretariat daerah\b"),
              ("dinas", r"\bdinas\b|\bdisdik\b|\bdiskes\b|\bdinkes\b|\bpupr\b")]


def requester_kind(requester: str | None) -> str:
    """What kind of unit asks (kecamatan, desa, dinas, ...), from the name in its letter."""
    text = (requester or "").lower()
    for kind, pattern in KIND_WORDS:
        if re.search(pattern, text):
            return kind
    return "lainnya"


def facts(req: Request, now: datetime, places: Any = None) -> dict[str, Any]:
    """The facts a `when:` condition may read (daemon.core.conditions.KNOWN_FACTS)."""
    days = (req.event_start - now).total_seconds() / 86400 if req.event_start else None
    return {"outside_island": req.outside_island,
            "days_until_event": int(days // 1) if days is not None else None,
            "requester_kind": requester_kind(req.requester), "kecamatan": req.kecamatan,
            "island": island_of(req, places), "team_size": len(req.team or []),
            "until_done": bool(req.until_done), "has_letter_attachment": bool(req.source_inbound_id)}


def island_of(req: Request, places: Any) -> str | None:
    if places is None or not req.kecamatan:
        return None
    for k in getattr(places, "kecamatan", []) or []:
        if getattr(k, "name", None) == req.kecamatan:
            return k.island
    return None


def applies(step: Step, req: Request, now: datetime, places: Any = None) -> bool:
    """A step without a condition always applies; an unknown place counts as outside the island."""
    return step.applies(facts(req, now, places))
