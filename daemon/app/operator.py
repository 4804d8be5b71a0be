"""Operator tools: what was set aside and why (`liputan quarantine`), a decision an official
gave by phone, recorded as such with the operator's name (`liputan approve`), and a step handed
to the role's acting official while its holder is away (`liputan delegate`)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the commands import what they use: `liputan --help` loads none of it
    from daemon.core.context import Context

DECISIONS = ("approve", "reject", "revise")


def quarantine(ctx: Context, factory, args) -> int:
    """Quarantined messages (requeue them by id after a fix) and files refused from the folder."""
    from sqlalchemy import select

    from daemon.core import indonesian
    from daemon.core import quarantine_reasons as reasons
    from daemon.core.models import DeliveryFile, Inbound, Request
    with factory() as s:
        messages = [{"id": m.id, "from": m.from_addr, "subject": m.subject, "reason": m.reason,
                     "reason_code": reasons.parse(m.reason or "")[0],
                     "received_at": indonesian.to_zone(m.received_at).isoformat() if m.received_at else None}
                    for m in s.scalars(select(Inbound).where(Inbound.status == "quarantined")
                                       .order_by(Inbound.id))]
        codes = dict(s.execute(select(Request.id, Request.code)).all())
        files = [{"name": f.name, "request": codes.get(f.request_id), "where": f.relpath,
                  "source": f.source, "reason": f.reason,
                  "reason_code": reasons.parse_shown(f.reason or "")[0]}
                 for f in s.scalars(select(DeliveryFile).where(DeliveryFile.status == "quarantined")
                                    .order_by(DeliveryFile.id))]
    if args.json:
        print(json.dumps({"messages": messages, "files": files}, ensure_ascii=False, indent=2))
        return 0
    print(f"Pesan dikarantina: {len(messages)}  (liputan requeue ID setelah diperbaiki)")
    for m in messages:
        print(f"  #{m['id']:<5} {m['from'] or '-':<36} {m['subject'] or '-'}\n"
              f"         alasan: {reasons.indonesian(m['reason'])}")
    print(f"Berkas dikarantina: {len(files)}")
    for f in files:
        print(f"  {f['request'] or '-':<14} {f['name']:<30} {f['where']}\n         alasan: {f['reason']}")
    return 0


def _open_task(s, code: str, role: str):
    """(request, its open task for `role`); the task None, said on stderr, when there is none."""
    from sqlalchemy import select

    from daemon.core.models import Request, Task
    req = s.scalars(select(Request).where(Request.code == code.upper())).first()
    task = None if req is None else s.scalars(
        select(Task).where(Task.request_id == req.id, Task.status == "open", Task.role == role)
        .order_by(Task.id)).first()
    if task is None:
        print(f"liputan: {code} has no open step waiting for {role}", file=sys.stderr)
    return req, task


def approve(ctx: Context, factory, args) -> int:
    """Record the decision an official gave by phone on the request's open step for that role."""
    from daemon.sop import engine
    by = args.by or os.environ.get("SUDO_USER") or getpass.getuser()
    with factory() as s, s.begin():
        req, task = _open_task(s, args.code, args.role)
        if task is None:
            return 1
        note = (f"disampaikan lewat telepon, dicatat oleh operator {by}"
                + (f": {args.note}" if args.note else ""))
        result = engine.decide(ctx, s, task, args.decision, args.note or "", actor=task.who[0],
                               message_id=None, reply_text=args.note or "")
        engine.record(ctx, s, req, "by_phone", step=task.step, actor=task.who[0], note=note)
    print(f"{args.code.upper()}: {args.decision} on step {task.step} recorded ({result}); {note}")
    return 0


def delegate(ctx: Context, factory, args) -> int:
    """Hand the request's open step for a role to that role's acting official (Plt./Plh. of
    office.yaml), as the official's own DELEGASIKAN reply would; recorded with the operator's name."""
    from daemon.sop import engine
    by = args.by or os.environ.get("SUDO_USER") or getpass.getuser()
    with factory() as s, s.begin():
        req, task = _open_task(s, args.code, args.role)
        if task is None:
            return 1
        result = engine.delegate(ctx, s, task, actor=f"operator {by}", message_id=None)
    if result == "no-acting":
        print(f"liputan: rules/office.yaml names no acting official (Plt./Plh.) for {args.role}; "
              "add one under its 'acting:' and reload the service first", file=sys.stderr)
        return 1
    print(f"{args.code.upper()}: step {task.step} handed to the acting {args.role} (by {by})")
    return 0


def add_commands(sub) -> None:
    q = sub.add_parser("quarantine", help="what was set aside (messages, files) and why")
    q.add_argument("--json", action="store_true")
    a = sub.add_parser("approve", help="record a decision an official gave by phone")
    a.add_argument("code")
    a.add_argument("--as", dest="role", required=True, help="the official's role (kadis, kabid, kasi, ...)")
    a.add_argument("--decision", choices=DECISIONS, default="approve")
    a.add_argument("--note", default="", help="what the official said")
    a.add_argument("--by", help="the operator's name (default: the login name)")
    d = sub.add_parser("delegate", help="hand a step to the role's acting official (Plt./Plh.)")
    d.add_argument("code")
    d.add_argument("--as", dest="role", required=True, help="the absent official's role (kadis, kabid, ...)")
    d.add_argument("--by", help="the operator's name (default: the login name)")
