"""`liputan requests` and `show` read through the database driver, with the config and the SOP's
steps from the validated cache: no SQLAlchemy, models or pydantic on a command's way."""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from daemon.app import request_view
from daemon.core import indonesian, validated_cache
from daemon.core.config_file import read_config
from daemon.core.schema_head import head_from_files
from daemon.sop.waiting_rule import needs_step, whom

VERSION = 1  # the form of a cached entry; another number is a miss
WAITING = "waiting"  # daemon.mail.inbound_claim.WAITING: a letter whose scan is still read (OCR)
REQUEST_COLUMNS = ("id", "code", "title", "state", "step", "sop_revision", "event_start", "location",
                   "outside_island", "requester", "requester_email", "created_at", "missing",
                   "flags", "team")
JSON_COLUMNS = ("missing", "flags", "team", "schedule")  # of a request


class Fallback(Exception):
    """Something the short path does not handle (a schema to migrate, an unknown SOP revision, a
    database error): the command runs the full path instead, which handles it as it always has."""


class Hours(NamedTuple):
    """[hours] as daemon.core.workcal.WorkCalendar reads it (the fields of config_work.HoursCfg)."""

    days: list[int]
    start: time
    end: time
    friday_end: time | None
    national_holidays: bool
    extra_holidays: list[date]


class Facts(NamedTuple):  # (not a dataclass: `dataclasses` loads `inspect`, 8 ms a command)
    """What the two commands need of the config and the rules, once both were validated."""

    database: str
    timezone: str
    hours: dict
    revision: str  # the SOP revision of rules/sop.yaml
    steps: dict[str, list]  # step number -> [mode, actors, minutes]

    def work_hours(self) -> Hours:
        h = self.hours
        return Hours(list(h["days"]), time.fromisoformat(h["start"]), time.fromisoformat(h["end"]),
                     time.fromisoformat(h["friday_end"]) if h["friday_end"] else None,
                     bool(h["national_holidays"]), [date.fromisoformat(d) for d in h["extra_holidays"]])


class Waiting(NamedTuple):
    """An inbound letter waiting for its OCR job, as the table shows it."""

    id: int
    subject: str | None
    from_addr: str | None
    reason: str | None


def facts(path: str) -> Facts:
    """The facts of this config and its rules/: from the cache when these bytes were validated by
    this code; otherwise validated as the daemon does (ConfigError as always) and remembered."""
    source, _, data = read_config(path)
    name = None
    config = validated_cache.data_key("config", data)
    rules = (data.get("rules") or {}).get("dir") if isinstance(data.get("rules"), dict) else None
    if config is not None and isinstance(rules, str):
        name = validated_cache.key("listing", [Path(rules)], config, str(VERSION))
    found = validated_cache.load_json(name)
    if isinstance(found, dict) and found.get("version") == VERSION:
        try:
            return Facts(**{k: v for k, v in found.items() if k != "version"})
        except TypeError:
            pass
    from daemon.core.config import load_config
    from daemon.core.context import Context
    cfg = load_config(source)
    ctx = Context.load(cfg)
    found = {"version": VERSION, "database": cfg.paths.database, "timezone": cfg.office.timezone,
             "hours": cfg.hours.model_dump(mode="json"), "revision": ctx.rules.sop_revision,
             "steps": steps_data(ctx.rules.sop)}
    validated_cache.store_json(name, found)
    return Facts(**{k: v for k, v in found.items() if k != "version"})


def steps_data(sop: Any) -> dict[str, list]:
    """What the listing reads of each step of a parsed SOP (daemon.core.rules_sop.Sop)."""
    return {str(st.number): [st.mode, list(st.actors), st.minutes] for st in sop.steps}


class Reader:
    """One read-only transaction on the database, through its driver (sqlite3 or psycopg)."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite")
        try:
            self.conn = self._connect(url)
        except Fallback:
            raise
        except Exception as exc:  # noqa: BLE001 - the full path reports it as it always did
            raise Fallback(f"{type(exc).__name__}: {exc}") from exc

    def _connect(self, url: str):  # noqa: ANN202 - a DB-API connection
        if self.sqlite:
            import sqlite3
            path = url.split("sqlite:///", 1)[-1].split("?", 1)[0]
            if not path or path == ":memory:" or not Path(path).is_file():
                raise Fallback("no database file yet: the full path creates it")
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.execute("BEGIN")  # one snapshot for every query; takes no write lock
            return conn
        import psycopg
        conninfo = "postgresql://" + url.split("://", 1)[1]  # postgresql+psycopg://... as libpq reads it
        conn = psycopg.connect(conninfo, connect_timeout=10, application_name="liputan-cli")
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return conn

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        try:
            return list(self.conn.execute(sql, params))
        except Exception as exc:  # noqa: BLE001 - as above: the full path reports it
            raise Fallback(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()

    def at_head(self) -> None:
        """The schema is the newest migration's (else the full path migrates it first)."""
        head = head_from_files()
        found = [r[0] for r in self.rows("SELECT version_num FROM alembic_version")]
        if head is None or found != [head]:
            raise Fallback(f"schema {found} is not at {head}")

    def when(self, value: Any) -> datetime | None:
        """A UTCDateTime column as the models return it: aware, in UTC when stored naive."""
        if value is None:
            return None
        if isinstance(value, str):  # SQLite: as SQLAlchemy wrote it, naive UTC
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value

    def json(self, value: Any) -> Any:
        """A JSON column decoded (SQLite keeps its text; psycopg decodes it)."""
        if not self.sqlite or not isinstance(value, str):
            return value
        return [] if value == "[]" else json.loads(value)  # most lists are empty: no parser

    def flag(self, value: Any) -> bool | None:
        """A nullable boolean (SQLite keeps 0/1)."""
        return value if value is None else bool(value)


class Steps:
    """The steps of each SOP revision requests started under (as daemon.sop.run.sop_of)."""

    def __init__(self, facts: Facts, db: Reader):
        self.facts, self.db, self.known = facts, db, {facts.revision: facts.steps}

    def of(self, revision: str | None) -> dict[str, list]:
        digest = revision or self.facts.revision
        if digest not in self.known:
            self.known[digest] = self._stored(digest)
        return self.known[digest]

    def _stored(self, digest: str) -> dict[str, list]:
        name = validated_cache.data_key("listing-sop", {"revision": digest, "version": VERSION})
        found = validated_cache.load_json(name)
        if isinstance(found, dict) and isinstance(found.get("steps"), dict):
            return found["steps"]
        rows = self.db.rows("SELECT content FROM sop_revision WHERE hash = ?", digest)
        if not rows:
            raise Fallback(f"SOP revision {digest} is not stored")
        from daemon.core.rules_check import load_sop_text
        steps = steps_data(load_sop_text(rows[0][0], f"sop.yaml (revision {digest})"))
        validated_cache.store_json(name, {"steps": steps})
        return steps

    def step(self, revision: str | None, number: int) -> list:
        found = self.of(revision).get(str(number))
        if found is None:
            raise Fallback(f"step {number} is not in SOP revision {revision}")
        return found


def summary(steps: Steps, req: dict, open_who: list[list[str]]) -> dict:
    """As daemon.app.cli.summary, with whom it waits on by the rule of daemon.sop.waiting_rule."""
    mode, actors = None, ()
    if needs_step(open_who, req["state"], req["step"]):
        mode, actors, _ = steps.step(req["sop_revision"], req["step"])
    return request_view.summary(req, whom(open_who, req["state"], mode, actors, req["team"]))


def request_row(db: Reader, columns: tuple[str, ...], row: tuple) -> dict:
    """A request's row as the model's attributes: times aware, JSON decoded, booleans."""
    req = dict(zip(columns, row))
    req["event_start"], req["created_at"] = db.when(req["event_start"]), db.when(req["created_at"])
    req["outside_island"] = db.flag(req["outside_island"])
    for c in JSON_COLUMNS:
        if c in req:
            req[c] = db.json(req[c])
    return req


def listing(facts: Facts, db: Reader) -> tuple[list[dict], list[Waiting]]:
    """Every request (oldest first) with whom it waits on, and the letters waiting for OCR."""
    db.at_head()
    steps, tasks = Steps(facts, db), {}
    for request_id, who in db.rows("SELECT request_id, who FROM task WHERE status = 'open' ORDER BY id"):
        tasks.setdefault(request_id, []).append(db.json(who))
    rows = [summary(steps, request_row(db, REQUEST_COLUMNS, r), tasks.get(r[0], []))
            for r in db.rows(f"SELECT {', '.join(REQUEST_COLUMNS)} FROM request ORDER BY id")]
    waiting = [Waiting(*r) for r in db.rows(
        "SELECT id, subject, from_addr, reason FROM inbound WHERE status = ? ORDER BY id", WAITING)]
    return rows, waiting


def history(facts: Facts, db: Reader, code: str, now: datetime) -> dict | None:
    """One request as `liputan show` prints it (without --json's reasons); None if unknown."""
    db.at_head()
    columns = (*REQUEST_COLUMNS, "schedule")
    found = db.rows(f"SELECT {', '.join(columns)} FROM request WHERE code = ?", code.upper())
    if not found:
        return None
    req, steps = request_row(db, columns, found[0]), Steps(facts, db)
    open_who = [db.json(r[0]) for r in db.rows(
        "SELECT who FROM task WHERE request_id = ? AND status = 'open' ORDER BY id", req["id"])]
    data = summary(steps, req, open_who)
    data["team"], data["schedule"] = req["team"], req["schedule"]
    data["events"] = [request_view.event(db.when(t), *rest) for t, *rest in db.rows(
        f"SELECT {', '.join(request_view.EVENT_FIELDS)} FROM event WHERE request_id = ? ORDER BY id",
        req["id"])]
    data["files"] = [request_view.delivered_file(*r) for r in db.rows(
        f"SELECT {', '.join(request_view.FILE_FIELDS)} FROM delivery_file WHERE request_id = ?"
        " ORDER BY id", req["id"])]
    data["publications"] = [request_view.publication(*r) for r in db.rows(
        f"SELECT {', '.join(request_view.PUBLICATION_FIELDS)} FROM publication WHERE request_id = ?"
        " ORDER BY id", req["id"])]
    data["steps"] = timeline(facts, db, steps.of(req["sop_revision"]), req["id"], now)
    return data


def timeline(facts: Facts, db: Reader, steps: dict[str, list], request_id: int,
             now: datetime) -> list[dict]:
    """As daemon.app.cli.timeline: each step a person took, in working minutes against the standard."""
    from zoneinfo import ZoneInfo

    from daemon.core.workcal import WorkCalendar
    cal = WorkCalendar(facts.work_hours(), ZoneInfo(facts.timezone))
    standards = {int(number): step[2] for number, step in steps.items()}
    return [request_view.step_taken(cal, standards, now, step, role, db.json(who), db.when(created),
                                    db.when(closed), status, decision)
            for step, role, who, created, closed, status, decision in db.rows(
                f"SELECT {', '.join(request_view.TASK_FIELDS)} FROM task WHERE request_id = ?"
                " ORDER BY id", request_id)]


def office_now() -> datetime:
    """The office clock as daemon.core.context's: the wall clock, or ahead by the benchmarks'
    LIPUTAN_CLOCK_OFFSET_FILE when that is set."""
    now, path = datetime.now(timezone.utc), os.environ.get("LIPUTAN_CLOCK_OFFSET_FILE")
    if path:
        try:
            now += timedelta(seconds=float(Path(path).read_text(encoding="ascii").strip() or 0))
        except (OSError, ValueError):
            pass
    return now


def command(args: Any) -> int | None:
    """`requests` or `show` (not --json: its reasons read replies again with the readers); None
    when the full path must run instead (see Fallback)."""
    found = facts(args.config)
    indonesian.set_zone(found.timezone)
    try:
        db = Reader(found.database)
    except Fallback:
        return None
    try:
        if args.command == "requests":
            rows, waiting = listing(found, db)
        else:
            data = history(found, db, args.code, office_now())
    except Fallback:
        return None
    finally:
        db.close()
    from daemon.app import human
    if args.command == "requests":
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            print(human.requests_table(rows, waiting), end="")
        return 0
    if data is None:
        print(f"liputan: no request {args.code}", file=sys.stderr)
        return 1
    print(human.show_text(data), end="")
    return 0
