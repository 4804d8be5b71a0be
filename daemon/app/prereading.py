"""Reading an inbound message before its write transaction, within the [reading] budget: a slow
or huge message never holds the database's write lock, and one over budget is quarantined."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from daemon.core.context import Context
from daemon.core.models import Inbound, Outbox, Task
from daemon.mail import mails, mime
from daemon.reading import budget

log = logging.getLogger("daemon.app.dispatcher")


def preread(dispatcher: Any, inbound_id: int) -> budget.Prepared | None:
    """The message read within its budget while no write lock is held (a slow message never
    stops the mailbox from storing mail), with the reply read against the mail it answers;
    None when the message is no longer ours to handle."""
    with dispatcher.factory() as s:
        inbound = s.get(Inbound, inbound_id)
        if inbound is None or inbound.status != "new" or inbound.leased_by != dispatcher.holder:
            return None
        raw_path = inbound.raw_path
    return read_path(dispatcher, inbound_id, raw_path)


def read_path(dispatcher: Any, inbound_id: int, raw_path: str) -> budget.Prepared:
    """The stored message at `raw_path` read within its budget (see `preread`)."""
    ctx = dispatcher.ctx
    pre = budget.prepare(Path(raw_path).read_bytes(), ctx.cfg.reading, ctx.cfg.office.domain)
    pre.inbound_id = inbound_id
    return with_answer(dispatcher, pre)


def with_answer(dispatcher: Any, pre: budget.Prepared, s: Session | None = None) -> budget.Prepared:
    """A reply (a message naming our mail) read against the mail it answers, within its budget
    (`s`: a session the caller reads a batch's mail with; else one of its own)."""
    if pre.over is None:
        sent = sent_mail(dispatcher.factory, pre, s)
        if sent is not None:
            ctx = dispatcher.ctx
            budget.read_reply(pre, ctx.lexicon, sent, ctx.cfg.reading, signer_names(ctx, pre.msg))
    return pre


def signer_names(ctx: Context, msg: Any) -> list[str]:
    """The names office.yaml gives the sender (an official, or an acting one): how they sign."""
    sender = mime.address(msg)[1]
    names = []
    for official in ctx.rules.office.roles.values():
        names += [p.name for p in (official, *official.acting) if p.email == sender]
    return names


@dataclass(frozen=True)
class Sent:
    """The task mail a reply answers, as far as reading the reply needs it."""

    message_id: str
    subject: str
    body_text: str | None
    raw: bytes | None  # only when `body_text` was not kept (a row from before 0012)


# the task mail a reply names (the newest task of its references), without its raw bytes
_SENT = select(Outbox.message_id, Outbox.subject, Outbox.body_text).where(
    Outbox.message_id == select(Task.message_id).where(Task.message_id.in_(bindparam("refs", expanding=True)))
    .order_by(Task.id.desc()).limit(1).scalar_subquery())
_SENT_RAW = select(Outbox.raw).where(Outbox.message_id == bindparam("message_id"))


def sent_mail(factory: Any, pre: budget.Prepared, s: Session | None = None) -> Sent | None:
    """Our task mail the message answers (as the dispatcher's `correlate` finds it), read only
    (with `s`, or a session of its own)."""
    refs = pre.c.references or mime.message_ids(mime.header(pre.msg, "In-Reply-To") + " "
                                                + mime.header(pre.msg, "References"))
    if not refs:
        return None
    if s is None:
        with factory() as own:
            return _sent(own, refs)
    return _sent(s, refs)


def _sent(s: Session, refs: list[str]) -> Sent | None:
    row = s.execute(_SENT, {"refs": list(refs)}).first()
    if row is None:
        return None
    raw = None if row.body_text is not None else s.scalar(_SENT_RAW, {"message_id": row.message_id})
    return Sent(row.message_id, row.subject, row.body_text, raw)


def over_budget(ctx: Context, s: Session, inbound: Inbound, pre: budget.Prepared) -> tuple[str, str, str]:
    """Quarantined with the reason, the operator told; the next message flows on."""
    log.warning("inbound %d over its reading budget: %s", inbound.id, pre.over)
    mails.send(s, ctx.cfg, "alert", to=[ctx.cfg.office.operator],
               heading="Pesan masuk dikarantina: melebihi batas baca",
               message=f"Pesan {inbound.message_id} dari {inbound.from_addr or '-'} terlalu besar atau "
                       "terlalu rumit untuk dibaca, sehingga dipindahkan ke folder karantina tanpa "
                       "diproses. Pesan lain tetap diproses seperti biasa.",
               lines=[f"Alasan: {pre.over}",
                      f"Jika pesan ini perlu diproses, jalankan: liputan requeue {inbound.id}"])
    return "quarantined", "unknown", pre.over
