"""A job claim's cost as the job table grows: the statement the runner sends, on a database at
the head (the due indexes, 0014), beside stop 23's (one SELECT with the due test as an OR) on a
database at stop 23's schema (0013) holding the same rows, for each claim shape.

The table holds what an office's year leaves: `--timers` queued timers due days later (reminders,
warnings), `--done` finished letter jobs, and `--due` letter jobs due now.

    python bench/bench_claims.py [--timers 5000] [--done 20000] [--due 10] [--repeat 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import bindparam, insert, select

from daemon.core import jobs
from daemon.core.db import make_engine, sessions, upgrade
from daemon.core.models import Job, Request

SHAPES = {"main runner (all but letters)": (None, ("render_letter",)),
          "letters' lane": (("render_letter",), ()),
          "two kinds": (("render_letter", "convert_pdf"), ()),
          "any kind": (None, ())}


def _stop23(kinds, exclude, limit):  # noqa: ANN001 - the claim's SELECT before 0014
    code = select(Request.code).where(Request.id == Job.request_id).scalar_subquery()
    return (select(Job.id, Job.kind, Job.payload, Job.request_id, Job.state, Job.attempts,
                   Job.max_attempts, code.label("code"))
            .where(jobs._due(bindparam("now", type_=Job.next_run_at.type), kinds, exclude))
            .order_by(Job.priority.desc(), Job.next_run_at, Job.id).limit(limit))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timers", type=int, default=5000)
    ap.add_argument("--done", type=int, default=20000)
    ap.add_argument("--due", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        head = _database(f"sqlite:///{Path(tmp) / 'head.db'}", None, args, now)
        before = _database(f"sqlite:///{Path(tmp) / 'stop23.db'}", "0013", args, now)
        print(f"job table: {args.timers} timers due tomorrow, {args.done} finished letter jobs, "
              f"{args.due} letter jobs due; {args.repeat} claims' SELECTs per shape (8 rows each)")
        with sessions(head)() as s, sessions(before)() as old_s:
            for name, (kinds, exclude) in SHAPES.items():
                old = _stop23(kinds, exclude, 8)
                new_ms, new_rows = _timed(lambda: jobs._candidates(s, now, kinds, 8, exclude), args.repeat)
                old_ms, old_rows = _timed(lambda: old_s.execute(old, {"now": now}).all(), args.repeat)
                assert [r.id for r in new_rows] == [r.id for r in old_rows]
                print(f"{name:32s} {new_ms:7.3f} ms per claim; stop 23's statement and schema "
                      f"{old_ms:7.3f} ms ({old_ms / new_ms:.1f}x)")
        head.dispose()
        before.dispose()


def _database(url: str, revision: str | None, args: argparse.Namespace, now: datetime):  # noqa: ANN202
    """A database at `revision` (None: the head) holding the year's jobs."""
    engine = make_engine(url)
    if revision is None:
        upgrade(engine)
    else:
        from alembic import command

        from daemon.core.db import _alembic_config
        command.upgrade(_alembic_config(url), revision)
    rows = [dict(kind="step_timer", key=f"t{i}", payload={"timer": "remind", "task": i, "n": 1},
                 state="queued", next_run_at=now + timedelta(days=1)) for i in range(args.timers)]
    rows += [dict(kind="render_letter", key=f"d{i}", payload={"document": i}, state="done",
                  next_run_at=now - timedelta(days=1)) for i in range(args.done)]
    rows += [dict(kind="render_letter", key=f"r{i}", payload={"document": i}, state="queued",
                  next_run_at=now - timedelta(seconds=1)) for i in range(args.due)]
    with sessions(engine)() as s, s.begin():
        s.execute(insert(Job), rows)
    return engine


def _timed(run, repeat: int) -> tuple[float, list]:  # noqa: ANN001
    """Milliseconds per call, after one call to warm the statement cache; and its rows."""
    found = run()
    t0 = time.perf_counter()
    for _ in range(repeat):
        run()
    return (time.perf_counter() - t0) / repeat * 1000, found


if __name__ == "__main__":
    main()
