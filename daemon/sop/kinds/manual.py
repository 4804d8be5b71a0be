"""Steps Liputan does not do yet (report, publish, archive): the request waits there for the
staff, who do the step by hand; nothing is claimed as done."""

from __future__ import annotations

from daemon.core.rules import Step
from daemon.sop.kinds.base import Entered, Kind
from daemon.sop.run import Run


class Manual(Kind):
    name = "manual"

    def __init__(self, name: str):
        self.name = name

    def enter(self, run: Run, step: Step, note: str = "") -> Entered:
        return "wait"

    def waiting_note(self, step: Step) -> str:
        return f"menunggu: {step.name} (dikerjakan petugas; belum diotomatiskan Liputan)"
