"""`liputan check`: the config, every file in rules/ and open requests on older SOP revisions."""

from __future__ import annotations

import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.core import validated_cache
from daemon.core.errors import DEFAULT_KINDS, ConfigError
from daemon.core.problems import Problem, ProblemsError, Unchecked

if TYPE_CHECKING:
    from daemon.core.config import Config
    from daemon.core.context import Context

# The step kinds' names are DEFAULT_KINDS, kept equal to the engine's registry (daemon.sop.kinds)
# by tests/unit/test_startup.py, so checking them does not load the engine (~1 s).
VERDICT = 2  # the form of a cached verdict; another number is a miss
OLDER = "SELECT code, sop_revision FROM request WHERE state = 'open' AND sop_revision != :rev"


def check_config(path: str, kinds: Collection[str] = DEFAULT_KINDS) -> int:
    """The config file, then the rules; 0 when fine, 1 with every problem. A config, rules/ and
    templates already checked by this code (same bytes) give the verdict found then, from the
    cache, without loading the models; what can change outside them is looked at again (password
    files, the open requests in the database)."""
    from daemon.core.config_file import read_config
    try:
        source, _, data = read_config(path)
    except ConfigError as exc:
        return report([Problem(exc.path, exc.line, exc.message)],
                      [f"{exc.path}: the rules are not checked until the config can be read"])
    name = verdict_key(data, kinds)
    found = validated_cache.load_json(name)
    if not (isinstance(found, dict) and found.get("version") == VERDICT):
        from daemon.core.config import load_config
        try:
            cfg = load_config(source)
        except ConfigError as exc:
            return with_rules(problems_in(exc), data, kinds)
        found = verdict(cfg, kinds)
        validated_cache.store_json(name, found)
    return replay(found)


def verdict_key(data: dict, kinds: Collection[str]) -> str | None:
    """The config's data, every file in its rules/ and in the letter templates, the kinds."""
    from daemon.core.resources import templates_dir
    rules = (data.get("rules") or {}).get("dir") if isinstance(data.get("rules"), dict) else None
    if not isinstance(rules, str):
        return None  # the model's default folder: validated each time
    config = validated_cache.data_key("config", data)
    if config is None:
        return None
    return validated_cache.key("check", [Path(rules), templates_dir("letters")], config,
                               repr(sorted(kinds)))


def verdict(cfg: Config, kinds: Collection[str]) -> dict:
    """What `check` found, as plain data: what is printed, and what must be looked at each time."""
    from daemon.core.resources import templates_dir
    from daemon.core.rules_check import check_rules
    found, warnings = check_rules(Path(cfg.rules.dir), kinds, templates_dir("letters"))
    problems = [p for p in found if not isinstance(p, Unchecked)]
    ctx = None
    if not found:
        ctx, problems = load_context(cfg)
    return {"version": VERDICT, "runtime": cfg.runtime_facts(), "warnings": [str(w) for w in warnings],
            "problems": [str(p) for p in problems], "database": cfg.paths.database,
            "unchecked": [str(p) for p in found if isinstance(p, Unchecked)],
            "revision": ctx.rules.sop_revision if ctx is not None and not problems else None,
            "ok": f"{cfg.source}: ok; rules in {Path(cfg.rules.dir).resolve()}: ok"}


def replay(found: dict) -> int:
    """Print a verdict: the runtime warnings and the open requests on older revisions afresh."""
    from daemon.core.config_file import runtime_warnings
    for w in [*runtime_warnings(found["runtime"]), *found["warnings"]]:
        print(f"warning: {w}")
    if found["problems"] or found["revision"] is None:
        return report(found["problems"], found["unchecked"])
    for w in older_revisions(found["database"], found["revision"]):
        print(f"warning: {w}")
    print(found["ok"])
    return 0


def check(cfg: Config, kinds: Collection[str] = DEFAULT_KINDS) -> int:
    """Validate the rules against `kinds` (the step kinds the engine registers), naming every
    problem by file and line; warnings (e.g. settings that moved) do not fail the check."""
    return replay(verdict(cfg, kinds))


def load_context(cfg: Config) -> tuple[Context | None, list[Problem]]:
    """The rules loaded as the daemon loads them, or what that still finds (places' geography)."""
    from daemon.core.context import Context
    try:
        return Context.load(cfg), []
    except ProblemsError as exc:
        return None, exc.problems
    except ConfigError as exc:
        return None, [Problem(exc.path, exc.line, exc.message)]


def older_revisions(url: str, revision: str) -> list[str]:
    """Open requests that run on an older SOP revision than rules/sop.yaml (they keep it)."""
    try:
        rows = sqlite_rows(url, revision) if url.startswith("sqlite") else server_rows(url, revision)
    except Exception as exc:  # noqa: BLE001 - check validates files; the database may be away
        return [f"database not checked ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"]
    return [f"{code} runs on an older SOP revision ({rev}); it keeps that revision until it ends"
            for code, rev in rows]


def sqlite_rows(url: str, revision: str) -> list[tuple]:
    """Read-only through the standard library: a missing file has no requests (and stays missing)."""
    import sqlite3
    path = url.split("sqlite:///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:" or not Path(path).exists():
        return []
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'request'").fetchone():
            return []  # not migrated yet: `liputan run` upgrades first
        return conn.execute(OLDER.replace(":rev", "?"), (revision,)).fetchall()
    finally:
        conn.close()


def server_rows(url: str, revision: str) -> list[tuple]:
    """PostgreSQL: through psycopg itself (no SQLAlchemy, no models, no Alembic), read only."""
    import psycopg
    conninfo = "postgresql://" + url.split("://", 1)[1]  # postgresql+psycopg://... as libpq reads it
    with psycopg.connect(conninfo, connect_timeout=5, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('request')").fetchone()[0] is None:
            return []
        return [tuple(r) for r in conn.execute(OLDER.replace(":rev", "%s"), (revision,))]


def problems_in(exc: ConfigError) -> list[Problem]:
    return exc.problems if isinstance(exc, ProblemsError) else [Problem(exc.path, exc.line, exc.message)]


def with_rules(problems: list[Problem], data: dict, kinds: Collection[str]) -> int:
    """A config that fails validation: its problems, and the rules' too when its [rules] dir
    can be read (read_config made it absolute), so one run names every mistake."""
    from daemon.core.resources import templates_dir
    from daemon.core.rules_check import check_rules
    rules = data.get("rules") if isinstance(data.get("rules"), dict) else {}
    if not isinstance(rules.get("dir"), str):
        return report(problems, [f"{problems[0].file}: the rules are not checked until [rules] dir "
                                 "is a folder name"])
    found, _ = check_rules(Path(rules["dir"]), kinds, templates_dir("letters"))
    return report(problems + [p for p in found if not isinstance(p, Unchecked)],
                  [str(p) for p in found if isinstance(p, Unchecked)])


def report(problems: list, unchecked: list[str] = ()) -> int:
    """Every problem, one a line, their count, then what could not be checked (one line each)."""
    for p in problems:
        print(f"liputan: {p}", file=sys.stderr)
    print(f"liputan: {len(problems)} problem{'s' if len(problems) != 1 else ''} found",
          file=sys.stderr)
    for line in unchecked:
        print(f"liputan: {line}", file=sys.stderr)
    return 1
