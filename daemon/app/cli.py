"""The `liputan` command: run, check, status, requests, show, jadwal, report, requeue."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.core.errors import ConfigError

if TYPE_CHECKING:
    from daemon.core.config import Config
    from daemon.core.context import Context
    from daemon.core.models import Request

# Heavy modules (sqlalchemy, alembic, pydantic, the engine) load inside the commands that use
# them: `liputan --help` and `liputan check` start in a fraction of a second (bench/bench_startup.py).
DEFAULT_CONFIG = "/etc/liputan/liputan.toml"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="liputan", description="Liputan: the coverage SOP by email.")
    p.add_argument("-c", "--config", default=DEFAULT_CONFIG, help="path to liputan.toml")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show the log's INFO lines on the terminal too (`run` always does)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the daemon in the foreground")
    sub.add_parser("check", help="validate the config and every file in rules/")
    r = sub.add_parser("requests", help="the requests and where each stands")
    r.add_argument("--json", action="store_true")
    s = sub.add_parser("show", help="one request with its whole history")
    s.add_argument("code")
    s.add_argument("--json", action="store_true")
    j = sub.add_parser("jadwal", help="the schedule book: the coming coverage (table, ics, xlsx, csv)")
    j.add_argument("--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD (today)")
    j.add_argument("--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD (29 days on)")
    j.add_argument("--format", choices=("table", "ics", "xlsx", "csv"), default="table")
    j.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    m = sub.add_parser("report", help="a month's requests and time taken against the SOP")
    m.add_argument("--month", metavar="YYYY-MM", help="the office's month (this month)")
    m.add_argument("--format", choices=("table", "xlsx", "json"), default="table")
    m.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    q = sub.add_parser("requeue", help="handle a quarantined inbound message again")
    q.add_argument("inbound_id", type=int)
    sub.add_parser("sandbox", help="start local Dovecot + SMTP capture and run the daemon on them")
    d = sub.add_parser("demo", help="walk two requests through all 15 steps with scripted officials (~1 min)")
    d.add_argument("--dir", default="liputan-demo", help="where the letters, post and archive are left")
    d.add_argument("--timeout", type=float, default=240, help="give up after this many seconds")
    c = sub.add_parser("contoh", help="write every letter and mail of sample requests (docx, PDF, PNG, eml)")
    c.add_argument("outdir", metavar="OUTDIR")
    c.add_argument("--rules", metavar="DIR", help="the rules folder to use (the shipped rules/)")
    from daemon.app import operator  # small: the engine loads only when a decision is recorded
    operator.add_commands(sub)
    from daemon.app import status  # small: its database work loads only when it runs
    status.add_command(sub)
    for name in ("run", "check", "requests", "show", "jadwal", "report", "requeue", "quarantine",
                 "approve", "delegate", "status"):
        sub.choices[name].add_argument("-c", "--config", default=argparse.SUPPRESS)
    for command in sub.choices.values():
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    # the imports and the rules make hundreds of thousands of objects and no garbage: no
    # collection runs while they load (about 8 % of a short command's CPU); on again below
    gc.disable()
    try:
        return command(parser().parse_args(argv))
    finally:
        gc.enable()


def command(args: argparse.Namespace) -> int:
    import logging

    from daemon.app import logs
    # journald under systemd, readable lines on a terminal (daemon/app/logs.py); a person's
    # command shows its result, and of the log only what went wrong (-v: everything)
    person = args.command != "run" and not getattr(args, "verbose", False)
    logs.setup(terminal=logging.WARNING if person else logging.NOTSET)
    if args.command in ("run", "demo", "sandbox", "contoh"):
        gc.enable()  # long-running: collected as usual from the start
    if args.command == "demo":
        from daemon.app import demo  # heavy: the mail servers and the scripted office
        return demo.main(args.dir, args.timeout)
    if args.command == "sandbox":
        from daemon.app import sandbox
        return sandbox.main()
    if args.command == "contoh":
        from daemon.app import contoh  # heavy (the engine, LibreOffice): only for this command
        return contoh.main(args.outdir, args.rules)
    if args.command == "check":
        return check_config(args.config)
    try:
        if args.command == "requests" or (args.command == "show" and not args.json):
            # the short path (daemon/app/listing.py): the driver, the cached config and steps
            from daemon.app import listing
            done = listing.command(args)
            if done is not None:
                return done
        from daemon.core import indonesian
        from daemon.core.config import load_config
        from daemon.core.context import Context
        cfg = load_config(args.config)
        indonesian.set_zone(cfg.office.timezone)
        if args.command == "run":
            return run(cfg)
        if args.command == "status":  # read only: never migrates the database
            from daemon.app import status
            return status.command(cfg, args)
        factory = open_db(cfg)
        if args.command == "requeue":
            return requeue(factory, args)
        ctx = Context.load(cfg)
        from daemon.app import operator
        # the rules and modules stay for the command's life: collections need not walk them again
        # and again while thousands of rows are read (a year of requests: 0.4 s -> 0.15 s)
        gc.freeze()
        gc.enable()
        return {"requests": list_requests, "show": show, "jadwal": jadwal, "report": month_report,
                "quarantine": operator.quarantine, "approve": operator.approve,
                "delegate": operator.delegate}[args.command](ctx, factory, args)
    except (ConfigError, UsageError) as exc:
        print(f"liputan: {exc}", file=sys.stderr)
        return 2


class UsageError(Exception):
    """A command's options are wrong (a date that is no date)."""


def check_config(path: str, kinds: Collection[str] | None = None) -> int:
    """`liputan check` (daemon/app/check.py): the config, then the rules; 0 when fine, 1 with every problem."""
    from daemon.app import check
    return check.check_config(path, check.DEFAULT_KINDS if kinds is None else kinds)


def run(cfg: Config) -> int:
    import asyncio

    from daemon.app.service import Service
    asyncio.run(Service(cfg).run())
    return 0


def open_db(cfg: Config):
    from daemon.core import db
    engine = db.make_engine(cfg.paths.database)
    db.upgrade(engine)
    return db.sessions(engine)


def summary(ctx: Context, s, req: Request, tasks: list[list[str]] | None = None) -> dict:
    from daemon.app import request_view
    from daemon.sop.waiting import waiting_for  # not the engine: `requests` and `show` read only
    values = {name: getattr(req, name) for name in request_view.SUMMARY_FIELDS}
    return request_view.summary(values, waiting_for(ctx, s, req, tasks))


def list_requests(ctx: Context, factory, args) -> int:
    import json

    from sqlalchemy import select
    from sqlalchemy.orm import load_only

    from daemon.core.models import Inbound, Request, Task
    from daemon.mail.inbound_claim import WAITING
    with factory() as s:
        tasks: dict[int, list[list[str]]] = {}  # open tasks of all requests: one query, not one each
        for request_id, who in s.execute(select(Task.request_id, Task.who)
                                         .where(Task.status == "open").order_by(Task.id)):
            tasks.setdefault(request_id, []).append(who)
        # what a listed request needs (summary, waiting_for): the letter's details and the
        # schedule (JSON, decoded per row) are left unread
        listed = select(Request).options(load_only(
            Request.id, Request.code, Request.title, Request.state, Request.step,
            Request.sop_revision, Request.event_start, Request.location, Request.outside_island,
            Request.requester, Request.requester_email, Request.created_at, Request.missing,
            Request.flags, Request.team)).order_by(Request.id)
        rows = [summary(ctx, s, r, tasks.get(r.id, [])) for r in s.scalars(listed)]
        waiting = s.scalars(select(Inbound).where(Inbound.status == WAITING).order_by(Inbound.id)).all()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    from daemon.app import human
    print(human.requests_table(rows, waiting), end="")  # waiting: letters whose scans are read
    return 0


def show(ctx: Context, factory, args) -> int:
    import json

    from sqlalchemy import select

    from daemon.app import request_view
    from daemon.core.models import DeliveryFile, Event, Publication, Request
    with factory() as s:
        req = s.scalars(select(Request).where(Request.code == args.code.upper())).first()
        if req is None:
            print(f"liputan: no request {args.code}", file=sys.stderr)
            return 1
        data = summary(ctx, s, req)
        data["team"], data["schedule"] = req.team, req.schedule
        data["events"] = [request_view.event(*(getattr(e, f) for f in request_view.EVENT_FIELDS))
                          for e in s.scalars(select(Event).where(Event.request_id == req.id)
                                             .order_by(Event.id))]
        data["files"] = [request_view.delivered_file(*(getattr(f, n) for n in request_view.FILE_FIELDS))
                         for f in s.scalars(select(DeliveryFile).where(DeliveryFile.request_id == req.id)
                                            .order_by(DeliveryFile.id))]
        data["publications"] = [request_view.publication(*(getattr(p, n) for n in request_view.PUBLICATION_FIELDS))
                                for p in s.scalars(select(Publication).where(Publication.request_id == req.id)
                                                   .order_by(Publication.id))]
        data["steps"] = timeline(ctx, s, req)
        if args.json:  # why each reply was read as it was: the words, the quote removal, the trust verdict
            from daemon.app import reasons
            reasons.attach(ctx, s, req, data["events"])
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    from daemon.app import human
    print(human.show_text(data), end="")
    return 0


def timeline(ctx: Context, s, req: Request) -> list[dict]:
    """Each step a person took: who, sent and decided when, working minutes against the standard."""
    from sqlalchemy import select

    from daemon.app import request_view
    from daemon.core.models import Task
    from daemon.core.workcal import WorkCalendar
    from daemon.sop.run import sop_of
    cal, standards, now = WorkCalendar(ctx.cfg.hours, ctx.cfg.tz), {}, ctx.now()
    for st in sop_of(ctx, s, req).steps:
        standards.setdefault(st.number, st.minutes)
    return [request_view.step_taken(cal, standards, now, *(getattr(t, f) for f in request_view.TASK_FIELDS))
            for t in s.scalars(select(Task).where(Task.request_id == req.id).order_by(Task.id))]


def parse_day(text: str | None, flag: str):
    from datetime import date
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise UsageError(f"{flag} must be a date YYYY-MM-DD, not {text!r}") from None


def emit(data: bytes, output: str | None, binary: bool = False) -> int:
    """Write to FILE (atomically) or standard output; a spreadsheet is not sent to a terminal."""
    if output:
        from daemon.core.durable import atomic_write
        atomic_write(Path(output), data)
        return 0
    if binary and sys.stdout.isatty():
        print("liputan: a spreadsheet needs -o FILE", file=sys.stderr)
        return 2
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


def jadwal(ctx: Context, factory, args) -> int:
    """`liputan jadwal`: the Buku jadwal peliputan from --from to --to (today + 30 days)."""
    from daemon.paperwork import schedule_book as book
    first, last = book.default_range(ctx.local_now().date())
    first = parse_day(args.date_from, "--from") or first
    last = parse_day(args.date_to, "--to") or book.default_range(first)[1]
    if last < first:
        raise UsageError("--to is before --from")
    start, end = book.day_range(first, last, ctx.cfg.tz)
    with factory() as s:
        rows = book.coverages(s, start, end, with_ended=args.format == "ics",
                              confirmed_from=book.coverage_step(ctx))
    return emit(book.render(args.format, rows, ctx.cfg, first, last), args.output, args.format == "xlsx")


def month_report(ctx: Context, factory, args) -> int:
    """`liputan report --month YYYY-MM`: received, covered, rejected, published; time per step."""
    import json

    from daemon.paperwork import month_report as mr
    month = args.month or ctx.local_now().strftime("%Y-%m")
    try:
        mr.parse_month(month)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with factory() as s:
        from daemon.core.workcal import WorkCalendar  # the standards count working time
        rep = mr.build(s, ctx.rules.sop, month, ctx.cfg.tz,
                       duration=WorkCalendar(ctx.cfg.hours, ctx.cfg.tz).minutes_between,
                       who=lambda role, email: _who(ctx, role, email))
    if args.format == "xlsx":
        return emit(mr.xlsx(rep), args.output, binary=True)
    text = json.dumps(rep.as_dict(), ensure_ascii=False, indent=2) + "\n" if args.format == "json" \
        else mr.table(rep)
    return emit(text.encode("utf-8"), args.output)


def _who(ctx: Context, role: str, email: str) -> tuple[str, str]:
    """(jabatan, name) of a task's official as the report names them; the address when the
    roster no longer holds it."""
    from daemon.sop import people
    found = people.addressed(ctx, email).get("greeting")
    return people.jabatan(ctx, role), found or email


def requeue(factory, args) -> int:
    from daemon.core.models import Inbound
    from daemon.mail.inbound_claim import WAITING
    with factory() as s, s.begin():
        row = s.get(Inbound, args.inbound_id)
        if row is not None and row.status == WAITING:
            print(f"liputan: inbound {args.inbound_id} waits for its OCR job ({row.reason}); "
                  "it is handled again by itself when the job ends", file=sys.stderr)
            return 1
        if row is None or row.status not in ("quarantined", "ignored"):
            print(f"liputan: inbound {args.inbound_id} is not quarantined", file=sys.stderr)
            return 1
        row.status, row.filed, row.reason = "new", False, None
        row.lease_until, row.leased_by = None, None
    print(f"inbound {args.inbound_id} queued again; the running daemon will handle it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
