"""A year of the office: one request walked through the real core to the coverage (step 10),
its mail sent, then published and archived; its rows (letter, replies, outgoing mail with
letters, events, tasks, documents, jobs) copied to make N requests spread over the past year.
Then retention runs as the daemon's job would. Reported: the database size before and after,
and the wall and CPU time of `liputan requests` and `liputan show` (targets <= 0.5 s each), in-process
and as commands, beside a baseline from the same run: `sqlite3 DB 'select count(*) ...'` (or
`psql`) as a command and the same count in-process. `--db postgresql` builds the year in a private
PostgreSQL (daemon/devservers) instead of SQLite.

    python bench/bench_year.py [-n 3000] [--keep DIR] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from harness import Office, to_coverage  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from daemon.app import cli  # noqa: E402
from daemon.archive import retention  # noqa: E402
from daemon.core.models import Base, Inbound, Outbox, Publication, utcnow  # noqa: E402

CHANNELS = ("website", "facebook", "social", "press", "archive")
# per table: the columns that must differ between copies (a suffix is added)
UNIQUE = {"inbound": ("message_id",), "task": ("token", "message_id"), "outbox": ("message_id",),
          "job": ("key",), "event": (), "document": (), "assignment": (), "publication": (),
          "delivery_file": ("relpath",)}
TIMES = ("received_at", "processed_at", "time", "created_at", "updated_at", "sent_at",
         "next_attempt_at", "closed_at", "finished_at", "start", "end", "deadline")


def template(folder: Path, database: str | None = None) -> Office:
    office = Office(folder, database=database)
    req = to_coverage(office)
    with office.factory() as s, s.begin():
        for row in s.scalars(select(Outbox)):
            row.status, row.sent_at = "sent", office.clock()
        for row in s.scalars(select(Inbound)):
            row.filed = True
        for channel in CHANNELS:
            s.add(Publication(request_id=req.id, channel=channel, status="done"))
    return office


def copy_year(office: Office, n: int) -> None:
    """N-1 copies of the first request, the k-th dated k*365/n days before now (oldest first)."""
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    now = utcnow()
    with office.engine.begin() as conn:
        req = conn.execute(select(tables["request"])).mappings().one()
        rows = {name: conn.execute(select(tables[name]).where(tables[name].c.request_id == req["id"]))
                .mappings().all() for name in UNIQUE}
        uid = conn.execute(select(tables["inbound"].c.uid)).scalars().all()
        base_uid = max(uid) + 1
        shift0 = now - req["created_at"].replace(tzinfo=now.tzinfo)
        for k in range(1, n):
            shift = shift0 - timedelta(days=365 * (n - k) / n)
            new = dict(req)
            new.pop("id")
            new["code"] = f"LPT-2026-{k + 1:04d}"
            _move(new, shift)
            rid = conn.execute(insert(tables["request"]).values(**new)).inserted_primary_key[0]
            for name, cols in UNIQUE.items():
                batch = []
                for i, row in enumerate(rows[name]):
                    r = dict(row)
                    r.pop("id")
                    r["request_id"] = rid
                    for c in cols:
                        if r.get(c) is not None:
                            r[c] = f"{r[c]}.{k}"
                    if name == "inbound":
                        r["uid"] = base_uid + k * 100 + i
                    _move(r, shift)
                    batch.append(r)
                if batch:
                    conn.execute(insert(tables[name]), batch)
        conn.execute(tables["request"].update().where(tables["request"].c.id == req["id"])
                     .values(created_at=now))


def _move(row: dict, shift: timedelta) -> None:
    for c in TIMES:
        if row.get(c) is not None and hasattr(row[c], "tzinfo"):
            row[c] = row[c] + shift


def pg_size(url: str) -> float:
    import psycopg
    with psycopg.connect(libpq(url)) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6


def libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]  # postgresql+psycopg://... as libpq reads it


def sizes(path: Path) -> tuple[float, float]:
    """The file's size and the pages in use (free pages are reused by new rows), in MB."""
    with sqlite3.connect(path) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        used = conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]
    return path.stat().st_size / 1e6, used * page / 1e6


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    """The best wall time and the best CPU time (this process) of `repeat` runs."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - began)
        cpu = min(cpu, time.process_time() - began_cpu)
    return wall, cpu


# bytecode cached as an installed package has it (pip compiles at install), in a folder of our own
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="bench-year-pyc-")}
atexit.register(shutil.rmtree, ENV["PYTHONPYCACHEPREFIX"], True)


def command(*args: str, repeat: int = 3, cwd: Path = ROOT) -> tuple[float, float]:
    """The best wall time and CPU time (user + system of the child) of a command, after one
    run that writes its bytecode (and the rules' validated cache); `python -m` runs the
    `daemon` package of `cwd`."""
    subprocess.run(args, check=True, capture_output=True, cwd=cwd, env=ENV)
    wall = cpu = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, cwd=cwd, env=ENV)
        wall = min(wall, time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--keep", type=Path, help="build the office in this folder and keep it")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--before", type=Path, metavar="CHECKOUT",
                    help="also time the commands of another checkout (e.g. main) on the same data")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-year-"))
    folder.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        database = None
        if args.db == "postgresql":
            from daemon.devservers.postgres import Postgres
            server = Postgres(Path(tempfile.mkdtemp(prefix="bench-year-pg-")), durable=True).start()
            database = server.url()
        began = time.perf_counter()
        office = template(folder, database)
        copy_year(office, args.n)
        print(f"{args.n} requests built in {time.perf_counter() - began:.0f} s; "
              f"load {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
        with office.factory() as s:
            per = {m.__tablename__: s.query(m).count() for m in (Inbound, Outbox)}
        print(f"rows: {per['inbound']} inbound, {per['outbox']} outbox")
        if server is None:
            dbfile = Path(office.database.split("sqlite:///", 1)[1])
            with sqlite3.connect(dbfile) as conn:  # the bulk copy's WAL, as the daemon's checkpoints leave it
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            before = sizes(dbfile)
        else:
            before = (pg_size(office.database),) * 2
        done = retention.prune(office.cfg, office.factory)
        if server is None:
            with sqlite3.connect(dbfile) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            after = sizes(dbfile)
        else:
            after = (pg_size(office.database),) * 2
        print(f"database before retention: {before[0]:.1f} MB; after: file {after[0]:.1f} MB, "
              f"in use {after[1]:.1f} MB (free pages are reused); pruned {done.outbox} outgoing "
              f"and {done.inbound} incoming raw messages ({done.bytes / 1e6:.1f} MB)")
        office.engine.dispose()
        cfg, code = str(office.cfg.source), f"LPT-2026-{args.n // 2:04d}"
        sink = io.StringIO()

        def inproc(*argv: str):
            def run():
                with contextlib.redirect_stdout(sink):
                    assert cli.main(list(argv)) == 0
            return run
        py = sys.executable
        count = "select count(*) from request"
        figures = [
            ("requests (in-process)", timed(inproc("requests", "-c", cfg))),
            ("requests --json (in-process)", timed(inproc("requests", "-c", cfg, "--json"))),
            ("show (in-process)", timed(inproc("show", code, "-c", cfg))),
            ("show --json (in-process: the full path, replies read again)",
             timed(inproc("show", code, "-c", cfg, "--json"))),
            (f"baseline: {count} (in-process {args.db} driver)", timed(bare_count(office.database, count))),
            ("liputan requests (command)", command(py, "-m", "daemon.app.cli", "requests", "-c", cfg)),
            ("liputan requests --json (command)",
             command(py, "-m", "daemon.app.cli", "requests", "--json", "-c", cfg)),
            ("liputan show (command)", command(py, "-m", "daemon.app.cli", "show", code, "-c", cfg)),
        ]
        if args.before:
            for name, argv in (("requests", ("requests",)), ("requests --json", ("requests", "--json")),
                               ("show", ("show", code))):
                figures.append((f"before ({args.before}): liputan {name} (command)",
                                command(py, "-m", "daemon.app.cli", *argv, "-c", cfg, cwd=args.before)))
        if server is None and shutil.which("sqlite3"):
            figures.append((f"baseline: sqlite3 DB '{count}' (command)", command("sqlite3", str(dbfile), count)))
        elif server is not None:
            from daemon.devservers.postgres import _pg_bin
            figures.append((f"baseline: psql -c '{count}' (command)",
                            command(_pg_bin("psql"), libpq(office.database), "-Atc", count)))
        figures.append(("baseline: python -c 'import sqlite3' (command)",
                        command(py, "-c", "import sqlite3")))
        figures.append(("baseline: python -c pass (command)", command(py, "-c", "pass")))
        print(f"  {'':<66} {'wall':>8} {'CPU':>8}  (load {os.getloadavg()[0]:.2f})")
        for name, (wall, cpu) in figures:
            print(f"  {name:<66} {wall:7.3f}s {cpu:7.3f}s")
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.base, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def bare_count(url: str, sql: str):
    """The same count through the bare driver, a new connection each time (as a command makes)."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1]
        return lambda: sqlite3.connect(path).execute(sql).fetchone()

    def count() -> None:
        import psycopg
        with psycopg.connect(libpq(url)) as conn:
            conn.execute(sql).fetchone()
    return count


if __name__ == "__main__":
    main()
