"""What a step's handler asks for, as data: mail to queue, letters to produce, jobs to run.

Handlers only describe effects; the engine writes them as rows, in order, in the transaction
that changes the request, so a state change and what it causes commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Mail:
    """A mail from a template in templates/email; `attach` names documents, "surat" (the
    original letter) or "undangan_kalender" (the .ics), resolved when the mail is written."""

    template: str
    to: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    cc: list[str] = field(default_factory=list)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attach: list[str] = field(default_factory=list)


@dataclass
class Letter:
    """A new version of one of the request's documents (rules: sop.yaml `documents:`)."""

    name: str
    meta: dict[str, Any] | None = None
    step: Any = None  # the step that asks for it (its actors, recipient, awaited disposition)


@dataclass
class Job:
    """Work for the job runner: slow, outside, or at a time (`run_at`, a timer)."""

    kind: str
    payload: dict[str, Any]
    key: str | None = None
    run_at: datetime | None = None
    fresh: bool = False  # its request was created in this transaction: no job can hold its key


Effect = Mail | Letter | Job


@dataclass
class Effects:
    """The effects of handling one event, in the order they were asked for."""

    items: list[Effect] = field(default_factory=list)

    def mail(self, template: str, to: list[str], **kw: Any) -> Mail:
        fields = {k: kw.pop(k) for k in ("cc", "message_id", "in_reply_to", "references", "attach")
                  if k in kw}
        m = Mail(template=template, to=list(to), values=kw, **fields)
        self.items.append(m)
        return m

    def letter(self, name: str, step: Any = None, meta: dict[str, Any] | None = None) -> None:
        self.items.append(Letter(name=name, meta=meta, step=step))

    def job(self, kind: str, payload: dict[str, Any], *, key: str | None = None,
            run_at: datetime | None = None, fresh: bool = False) -> None:
        self.items.append(Job(kind=kind, payload=payload, key=key, run_at=run_at, fresh=fresh))

    def drain(self) -> list[Effect]:
        out, self.items = self.items, []
        return out
