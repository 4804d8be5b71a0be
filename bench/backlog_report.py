"""What bench_backlog.py prints beside its figures: the load, cProfile's top lines, and the SQL
statements, flushes and transactions of a run."""

from __future__ import annotations

import cProfile
import io
import pstats

from _common import loadavg
from backlog_input import ROOT
from sqlalchemy import event
from sqlalchemy.orm import Session


def load() -> str:
    return "load " + loadavg()


def top(profile: cProfile.Profile | pstats.Stats, n: int = 25) -> None:
    out = io.StringIO()
    if isinstance(profile, pstats.Stats):  # the job runner's threads, already merged
        stats = profile
        stats.stream = out
    else:
        stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(n)
    print("\n".join(ln.replace(str(ROOT) + "/", "") for ln in out.getvalue().splitlines()[:n + 12]))
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(r"/daemon/", n)
    print("\n".join(ln.replace(str(ROOT) + "/", "") for ln in out.getvalue().splitlines()[:n + 12]))


class SqlCount:
    """SQL statements (before_cursor_execute), flushes and transactions of the job runner's run."""

    def __init__(self, engine, shapes: bool) -> None:  # noqa: ANN001
        self.engine, self.shapes = engine, shapes
        self.n = {"statements": 0, "flushes": 0, "commits": 0, "savepoints": 0}
        self.seen: dict[str, int] = {}
        self.hooks = [(engine, "before_cursor_execute", self._statement),
                      (engine, "commit", lambda *_a: self._bump("commits")),
                      (engine, "savepoint", lambda *_a: self._bump("savepoints")),
                      (Session, "after_flush", lambda *_a: self._bump("flushes"))]
        for target, name, fn in self.hooks:
            event.listen(target, name, fn)

    def _bump(self, what: str) -> None:
        self.n[what] += 1

    def _statement(self, _conn, _cursor, statement: str, *_a) -> None:  # noqa: ANN001
        self.n["statements"] += 1
        if self.shapes:
            shape = " ".join(statement.split())[:150]
            self.seen[shape] = self.seen.get(shape, 0) + 1

    def stop(self) -> None:
        for target, name, fn in self.hooks:
            event.remove(target, name, fn)

    def report(self, per: float, top_n: int) -> None:
        print("  per letter: " + ", ".join(f"{v * per:.1f} {k}" for k, v in self.n.items())
              + " (the daemon process: claims, the engine, completions)")
        for shape, k in sorted(self.seen.items(), key=lambda kv: -kv[1])[:top_n]:
            print(f"    {k * per:5.2f}  {shape}")

