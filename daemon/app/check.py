"""`liputan check`: the config, every file in rules/ and open requests on older SOP revisions."""

from __future__ import annotations

import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.core.errors import ConfigError
from daemon.core.rules import DEFAULT_KINDS
from daemon.core.yamlfile import Problem, ProblemsError

if TYPE_CHECKING:
    from daemon.core.config import Config
    from daemon.core.context import Context

# The step kinds' names are DEFAULT_KINDS, kept equal to the engine's registry (daemon.sop.kinds)
# by tests/unit/test_startup.py, so checking them does not load the engine (~1 s).
OLDER = "SELECT code, sop_revision FROM request WHERE state = 'open' AND sop_revision != :rev"


def check_config(path: str, kinds: Collection[str] = DEFAULT_KINDS) -> int:
    """The config file, then the rules; 0 when fine, 1 with every problem."""
    from daemon.core.config import load_config
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        return report([Problem(exc.path, exc.line, exc.message)])
    return check(cfg, kinds)


def check(cfg: Config, kinds: Collection[str] = DEFAULT_KINDS) -> int:
    """Validate the rules against `kinds` (the step kinds the engine registers), naming every
    problem by file and line; warnings (e.g. settings that moved) do not fail the check."""
    from daemon.core.resources import templates_dir
    from daemon.core.rules_check import check_rules
    problems, warnings = check_rules(Path(cfg.rules.dir), kinds, templates_dir("letters"))
    for w in [*cfg.warnings(), *warnings]:
        print(f"warning: {w}")
    ctx = None
    if not problems:
        ctx, problems = load_context(cfg)
    if problems or ctx is None:
        return report(problems)
    for w in older_revisions(cfg, ctx.rules.sop_revision):
        print(f"warning: {w}")
    print(f"{cfg.source}: ok; rules in {Path(cfg.rules.dir).resolve()}: ok")
    return 0


def load_context(cfg: Config) -> tuple[Context | None, list[Problem]]:
    """The rules loaded as the daemon loads them, or what that still finds (places' geography)."""
    from daemon.core.context import Context
    try:
        return Context.load(cfg), []
    except ProblemsError as exc:
        return None, exc.problems
    except ConfigError as exc:
        return None, [Problem(exc.path, exc.line, exc.message)]


def older_revisions(cfg: Config, revision: str) -> list[str]:
    """Open requests that run on an older SOP revision than rules/sop.yaml (they keep it)."""
    url = cfg.paths.database
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
    """PostgreSQL: through SQLAlchemy Core only (no models, no Alembic)."""
    from sqlalchemy import create_engine, inspect, text
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("request"):
                return []
            return [tuple(r) for r in conn.execute(text(OLDER), {"rev": revision})]
    finally:
        engine.dispose()


def report(problems: list[Problem]) -> int:
    for p in problems:
        print(f"liputan: {p}", file=sys.stderr)
    print(f"liputan: {len(problems)} problem{'s' if len(problems) != 1 else ''} found",
          file=sys.stderr)
    return 1
