"""One request being handled in one transaction: its pinned SOP, its history, its effects."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Event, Request, SopRevision
from daemon.core.rules_check import load_sop_text
from daemon.core.rules_sop import Sop, Step
from daemon.sop.effects import Effects

EVENT = Event.__table__  # history lines as plain rows (see Run.record)
_RECORD = insert(EVENT)  # built once: its cache key too

_REVISIONS: dict[str, Sop] = {}  # content hash -> parsed SOP (revisions never change)


def current_revision(ctx: Context, s: Session) -> str:
    """The hash of rules/sop.yaml as loaded; stored once so later edits keep it readable."""
    text = ctx.rules.sop_text
    digest = ctx.rules.sop_revision
    # the row, held for the session's life: the identity map only holds rows weakly, and a
    # backlog would otherwise read the whole SOP text back once per letter
    held = s.info.setdefault("sop_revisions", {})
    row = held.get(digest)
    if row is None or not inspect(row).persistent:  # (a savepoint that added it was undone)
        row = s.get(SopRevision, digest)
        if row is None:
            row = SopRevision(hash=digest, label=ctx.rules.sop.revision, content=text,
                              created_at=ctx.now())
            s.add(row)
            s.flush()
        held[digest] = row
    _REVISIONS.setdefault(digest, ctx.rules.sop)
    return digest


def sop_of(ctx: Context, s: Session, req: Request) -> Sop:
    """The SOP revision a request started under (the current one for requests from before 0003)."""
    digest = req.sop_revision
    if not digest or digest == ctx.rules.sop_revision:
        return ctx.rules.sop
    if digest not in _REVISIONS:
        row = s.get(SopRevision, digest)
        if row is None:
            raise LookupError(f"{req.code}: SOP revision {digest} is not stored")
        _REVISIONS[digest] = load_sop_text(row.content, f"sop.yaml (revision {digest})")
    return _REVISIONS[digest]


@dataclass
class Run:
    """The context of handling one event for one request."""

    ctx: Context
    s: Session
    req: Request
    sop: Sop
    fx: Effects = field(default_factory=Effects)
    priority: int = 0  # of its jobs: 1 when a person waits for them (a reply), 0 for intake

    @classmethod
    def of(cls, ctx: Context, s: Session, req: Request) -> "Run":
        return cls(ctx=ctx, s=s, req=req, sop=sop_of(ctx, s, req))

    def step(self, number: int) -> Step:
        return self.sop.step(number)

    def first_of_kind(self, kind: str) -> Step | None:
        return next((st for st in self.sop.steps if st.kind == kind), None)

    def record(self, kind: str, *, step: int | None = None, actor: str | None = None,
               decision: str | None = None, note: str | None = None,
               message_id: str | None = None, acting: str | None = None) -> Event | None:
        """Append one line to the request's history (`acting`: the Plt./Plh. office its actor
        acted in, see people.acting_line): a request on record gets it at once, one INSERT
        without the ORM's bookkeeping (no object kept, no id read back); a new one (not written
        yet: its batch's flush writes it) with that flush."""
        values = dict(request_id=self.req.id, time=self.ctx.now(),
                      step=step if step is not None else self.req.step, actor=actor, kind=kind,
                      decision=decision, note=note or None, message_id=message_id, acting=acting)
        if inspect(self.req).persistent:  # (on the connection: nothing is flushed for it)
            self.s.connection().execute(_RECORD, values)
            return None
        ev = Event(**values)
        self.s.add(ev)
        return ev
