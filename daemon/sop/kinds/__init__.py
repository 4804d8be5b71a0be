"""Step kinds as handlers, looked up by `kind:` in rules/sop.yaml."""

from __future__ import annotations

from daemon.sop.kinds.base import Kind
from daemon.sop.kinds.coverage import Coverage
from daemon.sop.kinds.disposition import Disposition
from daemon.sop.kinds.intake import Intake
from daemon.sop.kinds.plan import Plan
from daemon.sop.kinds.publish import Publish
from daemon.sop.kinds.report import Report
from daemon.sop.kinds.sign import Sign
from daemon.sop.kinds.simple import Draft, Memo

KINDS: dict[str, Kind] = {k.name: k for k in (Intake(), Disposition(), Plan(), Memo(), Draft(),
                                               Sign(), Coverage(), Report(), Publish("publish"),
                                               Publish("archive"))}


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        raise LookupError(f"unknown step kind {name!r} (known: {', '.join(sorted(KINDS))})")
    return KINDS[name]
