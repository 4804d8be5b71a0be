"""`liputan status`: whether the daemon is up and what is wrong, from its heartbeat and the queues
in the database (read only: status never migrates or writes); exit codes for scripts."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from daemon.app import status_readers

OK, FAILING, USAGE, DOWN, UNKNOWN = 0, 1, 2, 3, 4  # the exit codes, documented in README.md
RECENT = timedelta(hours=24)  # failed sends and jobs count as "failing" this long
LATE_LISTED = 20  # late tasks named one by one; the count covers them all
CONNECTING_TOO_LONG = timedelta(seconds=60)
DISK_FULL_BYTES = 1 << 20  # less free space than this where the database or state live: full
DISK_LOW_BYTES = 256 << 20  # and less than this (and under 5 % of the disk): nearly full


def add_command(sub) -> None:  # noqa: ANN001 - argparse's subparsers
    p = sub.add_parser("status", help="whether the daemon is up and what is wrong (exit 0 when all is well)")
    p.add_argument("--json", action="store_true")


def command(cfg, args) -> int:  # noqa: ANN001 - Config, argparse.Namespace
    """Print the status (Indonesian text, or JSON) and return its exit code."""
    snap = read(cfg)
    if args.json:
        print(json.dumps(snap, ensure_ascii=False, indent=2))
    else:
        from daemon.app import human
        print(human.status_text(snap), end="")
    return snap["exit_code"]


def read(cfg, now: datetime | None = None, engine=None) -> dict:  # noqa: ANN001 - Config, Engine
    """The status as data; a database that cannot be read gives exit code 4 with the error.
    `engine`: a long-lived reader's own (the metrics endpoint), kept open for the next read."""
    from daemon.core import db
    now = now or datetime.now(timezone.utc)
    url = cfg.paths.database
    if engine is None and url.startswith("sqlite:///") and not Path(url.split("sqlite:///", 1)[1]).is_file():
        return _finish(_empty(now, "no_database", "no database yet: the daemon has never run with this config"))
    own = engine is None
    engine = engine if engine is not None else db.make_engine(url)
    try:
        if (current := db.stored_revision(engine)) != _head():
            return _finish(_empty(now, "old_schema", f"the database is at schema {current or 'none'}, "
                                                     f"this version needs {_head()}: the daemon of this "
                                                     "version has not run yet (it upgrades at start)"))
        with db.sessions(engine)() as s:
            return _finish(gather(cfg, s, now))
    except Exception as exc:  # noqa: BLE001 - the database is away: say so, do not guess
        return {"checked_at": _iso(now), "exit_code": UNKNOWN,
                "database": {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]},
                "daemon": {"up": None, "state": "unknown"},
                "problems": [{"check": "database", "code": "database_unreadable", "count": None,
                              "detail": f"{type(exc).__name__}: {exc}"[:500],
                              "message": f"the database cannot be read: {exc}"[:500]}]}
    finally:
        if own:
            engine.dispose()


@functools.cache
def _head() -> str | None:
    from daemon.core import db
    return db.head_revision()


def gather(cfg, s, now: datetime) -> dict:  # noqa: ANN001 - Config, Session
    """Heartbeats, mailbox, outbox, jobs, late tasks and the daemon's checks, from one session."""
    snap = {"checked_at": _iso(now), "database": {"ok": True, "error": None}}
    snap.update(daemon_part(cfg, s, now))
    snap["disk"] = disk_part(cfg)
    snap["outbox"] = outbox_part(s, now)
    snap["outbox"]["server"] = smtp_now(s, snap.pop("smtp"))
    snap["jobs"] = jobs_part(s, now)
    snap["late"] = late_part(s, now)
    snap["readers"] = status_readers.readers_part(s, now)
    return snap


def daemon_part(cfg, s, now: datetime) -> dict:  # noqa: ANN001
    from sqlalchemy import func, select

    from daemon.core.models import Heartbeat, Inbound
    stale = timedelta(seconds=cfg.status.stale_seconds)
    rows = s.scalars(select(Heartbeat).order_by(Heartbeat.beat_at.desc())).all()
    # a daemon that beats slower than this reader's config expects is not called down for it
    fresh = [r for r in rows if r.stopped_at is None
             and now - r.beat_at <= max(stale, timedelta(seconds=3 * (r.interval or 0)))]
    working = [r for r in fresh if r.mailbox != "standby"]
    main = (working or fresh or rows or [None])[0]
    if fresh:
        state = "up"
    elif main is None:
        state = "never"
    else:
        state = "stopped" if main.stopped_at is not None else "stale"
    last_seen = s.scalar(select(func.max(Inbound.received_at)))
    seen = [t for t in [last_seen, *(r.last_message_at for r in rows)] if t is not None]
    daemon = {"up": bool(fresh), "state": state, **(_instance(main, now) if main else {})}
    if state == "stale":  # on this host: is the process still there (hung, or unable to write)?
        daemon["process_alive"] = _alive(main.pid) if main.host == _hostname() else None
    mailbox = {"account": cfg.mailbox.username, "server": f"{cfg.mailbox.host}:{cfg.mailbox.port}",
               "state": main.mailbox if fresh else "unknown",
               "since": _iso(main.mailbox_since) if fresh else None,
               "error": main.mailbox_error if fresh else None,
               "last_message_at": _iso(max(seen)) if seen else None}
    checks = main.checks if fresh and main.checks else {}
    from daemon.app.status_lease import lease_part
    return {"daemon": daemon, "instances": [_instance(r, now) for r in rows], "mailbox": mailbox,
            "lease": lease_part(cfg, s, fresh, _iso),
            "folder": checks.get("folder", {"ok": None, "path": cfg.paths.dropbox, "detail": "unknown"}),
            "converter": checks.get("converter", {"ok": None, "mode": "unknown", "detail": ""}),
            "smtp": _smtp(cfg, checks.get("smtp"))}


def _smtp(cfg, check: dict | None) -> dict:  # noqa: ANN001 - Config
    """The SMTP server as the outbox last found it: `ok` (null when no running daemon said),
    `since` (when this outage began), `error` (the latest), `failures` (attempts in this outage)."""
    server = f"{cfg.smtp.host}:{cfg.smtp.port}"
    if not check:
        return {"ok": None, "server": server, "since": None, "error": None, "failures": 0}
    since = check.get("since")
    return {"ok": check.get("ok"), "server": check.get("server") or server,
            "since": _iso(datetime.fromisoformat(since)) if since else None,
            "error": check.get("error"), "failures": check.get("failures", 0)}


def smtp_now(s, srv: dict) -> dict:  # noqa: ANN001 - Session
    """The heartbeat's SMTP check, unless a mail was sent after its outage began: the server took
    mail again (the outbox marks the mail sent before the heartbeat is rewritten, and another
    instance may have sent it), so the outage is over, not "failing with 0 mails waiting"."""
    if srv["ok"] is not False or not srv["since"]:
        return srv
    from sqlalchemy import func, select

    from daemon.core.models import Outbox
    last = s.scalar(select(func.max(Outbox.sent_at)))  # (indexed)
    if last is None or last <= datetime.fromisoformat(srv["since"]):
        return srv
    return {**srv, "ok": True, "since": None, "error": None, "failures": 0}


def _hostname() -> str:
    import socket
    return socket.gethostname()[:255]


def _alive(pid: int) -> bool:
    import os
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process (the service's): it exists
        return True
    return True


def disk_part(cfg) -> dict:  # noqa: ANN001 - Config
    """Free space where the database (SQLite) and the state folder (raw mail, letters) live: a
    daemon that cannot write there stops beating, and this says why."""
    import os
    places = {"state": Path(cfg.paths.state)}
    if cfg.paths.database.startswith("sqlite:///"):
        places["database"] = Path(cfg.paths.database.split("sqlite:///", 1)[1]).parent
    out, worst = [], "ok"
    for what, path in places.items():
        while not path.exists() and path != path.parent:
            path = path.parent
        try:
            st = os.statvfs(path)
        except OSError as exc:
            out.append({"what": what, "path": str(path), "ok": None, "error": str(exc)})
            continue
        free, total = st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize
        level = "full" if free < DISK_FULL_BYTES else \
            "low" if free < DISK_LOW_BYTES and free < total * 0.05 else "ok"
        worst = level if (level, worst) in (("full", "ok"), ("full", "low"), ("low", "ok")) else worst
        out.append({"what": what, "path": str(path), "ok": level == "ok", "level": level,
                    "free_bytes": free, "total_bytes": total})
    return {"ok": worst == "ok", "level": worst, "places": out}


def _instance(r, now: datetime) -> dict:  # noqa: ANN001 - a Heartbeat row
    return {"instance": r.instance, "host": r.host, "pid": r.pid, "version": r.version,
            "started_at": _iso(r.started_at), "heartbeat_at": _iso(r.beat_at),
            "heartbeat_age_seconds": round((now - r.beat_at).total_seconds(), 1),
            "stopped_at": _iso(r.stopped_at), "mailbox": r.mailbox}


def outbox_part(s, now: datetime) -> dict:  # noqa: ANN001
    from sqlalchemy import func, select

    from daemon.core.models import Outbox
    counts = dict(s.execute(select(Outbox.status, func.count()).where(Outbox.status != "sent")
                            .group_by(Outbox.status)).all())
    retrying = select(Outbox).where(Outbox.status.in_(("queued", "sending")), Outbox.attempts > 0,
                                    Outbox.last_error.isnot(None))
    failed = select(Outbox).where(Outbox.status == "failed", Outbox.next_attempt_at > now - RECENT)
    oldest = s.scalar(select(func.min(Outbox.created_at)).where(Outbox.status.in_(("queued", "sending"))))
    errors = [{"id": o.id, "kind": o.kind, "status": o.status, "attempts": o.attempts,
               "error": (o.last_error or "")[:300]}
              for o in _latest(s, retrying, failed, Outbox.id)]
    return {"queued": counts.get("queued", 0), "waiting": counts.get("waiting", 0),
            "sending": counts.get("sending", 0),
            "retrying": _count(s, retrying), "failed_24h": _count(s, failed),
            "oldest_queued_at": _iso(oldest), "errors": errors}


def jobs_part(s, now: datetime) -> dict:  # noqa: ANN001
    from sqlalchemy import func, select

    from daemon.core.models import Job
    queued = Job.state == "queued"
    retrying = select(Job).where(queued, Job.attempts > 0, Job.last_error.isnot(None))
    failed = select(Job).where(Job.state == "failed", Job.finished_at > now - RECENT)
    errors = [{"id": j.id, "kind": j.kind, "state": j.state, "attempts": j.attempts,
               "error": (j.last_error or "")[:300]} for j in _latest(s, retrying, failed, Job.id)]
    return {"due": s.scalar(select(func.count()).select_from(Job).where(queued, Job.next_run_at <= now)),
            "scheduled": s.scalar(select(func.count()).select_from(Job).where(queued, Job.next_run_at > now)),
            "running": s.scalar(select(func.count()).select_from(Job).where(Job.state == "running")),
            "retrying": _count(s, retrying), "failed_24h": _count(s, failed), "errors": errors}


def late_part(s, now: datetime) -> dict:  # noqa: ANN001
    """Open steps past their deadline (the SOP's minutes, as daemon/sop/timing.py set it)."""
    from sqlalchemy import func, select

    from daemon.core.models import Request, Task
    where = (Task.status == "open", Task.deadline.isnot(None), Task.deadline < now, Request.state == "open")
    count = s.scalar(select(func.count()).select_from(Task).join(Request, Request.id == Task.request_id)
                     .where(*where))
    rows = s.execute(select(Request.code, Request.title, Task.step, Task.role, Task.who, Task.deadline)
                     .join(Request, Request.id == Task.request_id).where(*where)
                     .order_by(Task.deadline).limit(LATE_LISTED)).all()
    return {"count": count, "tasks": [
        {"code": code, "title": title, "step": step, "role": role, "who": who[0] if who else None,
         "deadline": _iso(deadline), "minutes_late": round((now - deadline).total_seconds() / 60)}
        for code, title, step, role, who, deadline in rows]}


def _latest(s, a, b, key) -> list:  # noqa: ANN001 - the newest rows of two selects
    rows = {r.id: r for q in (a, b) for r in s.scalars(q.order_by(key.desc()).limit(5))}
    return [rows[k] for k in sorted(rows, reverse=True)[:5]]


def _count(s, query) -> int:  # noqa: ANN001
    from sqlalchemy import func, select
    return s.scalar(select(func.count()).select_from(query.subquery()))


def problems(snap: dict, now: datetime) -> list[dict]:
    """What is failing: `check` (daemon, mailbox, outbox, jobs, folder, converter), a stable `code`,
    `count` or `detail` where it has one, and `message` in English; empty when all is well."""
    out = []
    d, box = snap["daemon"], snap["mailbox"]

    def add(check: str, code: str, message: str, detail: str | None = None, count: int | None = None) -> None:
        out.append({"check": check, "code": code, "count": count, "detail": detail, "message": message})
    for place in snap.get("disk", {}).get("places", []):
        if place.get("level") in ("full", "low"):
            where = f"{place['path']} ({place['what']}): {place['free_bytes'] // 1024} KiB free"
            add("disk", f"disk_{place['level']}", f"the disk of the {place['what']} is "
                f"{'full' if place['level'] == 'full' else 'nearly full'}: {where}", where)
    if not d["up"]:
        if d["state"] == "never":
            add("daemon", "never_ran", f"the daemon has never run ({d.get('note') or 'no heartbeat'})",
                d.get("reason", "no_heartbeat"))
        elif d["state"] == "stopped":
            add("daemon", "stopped", f"the daemon stopped at {d['stopped_at']}", d["stopped_at"])
        else:
            alive = f" (its process {d['pid']} still runs)" if d.get("process_alive") else ""
            add("daemon", "stale", f"no heartbeat since {d['heartbeat_at']}{alive}: the daemon was killed, "
                "hangs or cannot write the database", d["heartbeat_at"])
        return out
    if box["state"] == "away":
        add("mailbox", "mailbox_away", f"the mailbox is away since {box['since']}: {box['error']}", box["error"])
    elif box["state"] == "cannot_store":
        add("mailbox", "mailbox_cannot_store", f"new mail cannot be stored since {box['since']} (it stays "
            f"in the mailbox): {box['error']}", box["error"])
    elif box["state"] == "standby":
        add("mailbox", "no_mailbox_holder", "every running instance stands by: none works the mailbox")
    elif box["state"] == "connecting" and box["since"] and \
            now - datetime.fromisoformat(box["since"]) > CONNECTING_TOO_LONG:
        add("mailbox", "mailbox_connecting", f"still connecting to the mailbox since {box['since']}", box["since"])
    o = snap["outbox"]
    if (srv := o.get("server") or {}).get("ok") is False:
        n = o["queued"] + o["sending"]
        what = srv["error"] if (srv["error"] or "").startswith("refuses our ") else \
            f"is failing: {srv['error']}"  # our sender or login refused: the config, not the server
        add("outbox", "smtp_failing", f"the SMTP server {srv['server']} {what} (since {srv['since']}, "
            f"{srv['failures']} attempt(s)); {n} mail(s) wait", srv["error"], n)
    for part, what in (("outbox", "sends"), ("jobs", "jobs")):
        if n := snap[part]["retrying"]:
            add(part, f"{part}_retrying", f"{n} {what} failing and retried", count=n)
        if n := snap[part]["failed_24h"]:
            add(part, f"{part}_failed", f"{n} {what} failed for good in the last 24 hours", count=n)
    if snap["folder"].get("ok") is False:
        add("folder", "folder_unreachable", f"the shared folder cannot be reached: {snap['folder']['detail']}",
            snap["folder"].get("detail"))
    if snap["converter"].get("ok") is False:
        add("converter", "converter_failing", f"the PDF converter is failing: {snap['converter']['detail']}",
            snap["converter"].get("detail"))
    if found := status_readers.problem(snap.get("readers") or status_readers.empty()):
        out.append(found)
    return out


def _finish(snap: dict) -> dict:
    now = datetime.fromisoformat(snap["checked_at"])
    snap["problems"] = problems(snap, now)
    snap["exit_code"] = DOWN if not snap["daemon"]["up"] else FAILING if snap["problems"] else OK
    return snap


def _empty(now: datetime, reason: str, note: str) -> dict:
    nothing = {"retrying": 0, "failed_24h": 0, "errors": []}
    return {"checked_at": _iso(now), "database": {"ok": True, "error": None},
            "daemon": {"up": False, "state": "never", "reason": reason, "note": note}, "instances": [],
            "mailbox": {"account": None, "server": None, "state": "unknown", "since": None, "error": None,
                        "last_message_at": None},
            "outbox": {"queued": 0, "waiting": 0, "sending": 0, "oldest_queued_at": None, **nothing,
                       "server": {"ok": None, "server": None, "since": None, "error": None, "failures": 0}},
            "jobs": {"due": 0, "scheduled": 0, "running": 0, **nothing},
            "late": {"count": 0, "tasks": []}, "readers": status_readers.empty(),
            "disk": {"ok": None, "level": "unknown", "places": []},
            "lease": {"mode": None, "holder": None, "standby": [], "verified": False, "error": None},
            "folder": {"ok": None, "path": None, "detail": "unknown"},
            "converter": {"ok": None, "mode": "unknown", "detail": ""}}


def _iso(dt: datetime | None) -> str | None:
    """ISO 8601 in the office's zone, as the other commands' JSON."""
    from daemon.core import indonesian
    return indonesian.to_zone(dt).isoformat() if dt else None

