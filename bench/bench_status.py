"""Benchmark `liputan status` on a year of the office (SQLite): the status read and a metrics
scrape beside a bare database round trip and a bare prometheus_client endpoint, the heartbeat
write beside a bare one-row update, and the command's wall time beside `python -c pass`."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text, update  # noqa: E402

from daemon.app import status  # noqa: E402
from daemon.app.heartbeat import HeartbeatWriter  # noqa: E402
from daemon.core.config import load_config  # noqa: E402
from daemon.core.db import make_engine, sessions, upgrade  # noqa: E402
from daemon.core.models import Checkpoint, Job, Outbox, Request, Task, utcnow  # noqa: E402
from daemon.devservers.config import write_config  # noqa: E402
from daemon.mail import health  # noqa: E402


def fill(factory, n: int) -> None:  # noqa: ANN001
    """n requests, each with three steps (the last still open, every 10th past its deadline),
    six sent mails and four finished jobs; a few failing."""
    now = utcnow()
    reqs = [{"code": f"LPT-2026-{i:05d}", "title": f"Kegiatan {i}", "state": "open" if i % 5 else "done",
             "requester_email": f"u{i}@x.id", "created_at": now - timedelta(minutes=n - i)} for i in range(n)]
    with factory() as s, s.begin():
        s.execute(insert(Request), reqs)
        ids = [r for (r,) in s.execute(text("SELECT id FROM request ORDER BY id"))]
        s.execute(insert(Task), [
            {"request_id": rid, "step": step, "role": "kadis", "who": ["kadis@x.id"], "token": f"{rid}-{step}",
             "message_id": f"<{rid}.{step}@x>", "status": "open" if step == 4 else "done",
             "deadline": now + (timedelta(hours=-1) if rid % 10 == 0 else timedelta(hours=4))}
            for rid in ids for step in (2, 3, 4)])
        s.execute(insert(Outbox), [
            {"message_id": f"<o{rid}.{k}@x>", "request_id": rid, "kind": "task", "recipients": ["a@x.id"],
             "subject": "s", "raw": b"x" * 200, "status": "sent" if rid % 200 else "queued",
             "attempts": 1, "last_error": None if rid % 200 else "451 later"}
            for rid in ids for k in range(6)])
        s.execute(insert(Job), [
            {"kind": "render_letter", "request_id": rid, "state": "done" if rid % 300 else "failed",
             "finished_at": now, "key": f"j{rid}.{k}"} for rid in ids for k in range(4)])
        s.add(Checkpoint(folder="INBOX", uidvalidity=1, last_uid=0))


def timed(fn, rounds: int) -> float:  # noqa: ANN001
    """Median milliseconds of `rounds` calls."""
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def process_ms(cmd: list[str], rounds: int) -> tuple[float, float]:
    """Median wall milliseconds, and mean CPU milliseconds (user + system) of the process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(lambda: subprocess.run(cmd, capture_output=True, check=False), rounds)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000 / rounds
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=3000, help="requests (a year of the office: 3000)")
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="liputan-bench-status-") as tmp:
        base = Path(tmp)
        path = write_config(base / "liputan.toml", imap_port=1, smtp_port=2, database=f"sqlite:///{base / 'l.db'}",
                            rules=ROOT / "rules")
        cfg = load_config(path)
        Path(cfg.paths.dropbox).mkdir()
        engine = make_engine(cfg.paths.database)
        upgrade(engine)
        factory = sessions(engine)
        fill(factory, args.n)
        box = health.MailboxHealth()
        box.set(health.CONNECTED)
        writer = HeartbeatWriter(cfg, factory, box, instance="bench:1")
        writer.write()

        def bare_round_trip() -> None:
            e = make_engine(cfg.paths.database)
            with e.connect() as c:
                c.execute(text("SELECT count(*) FROM heartbeat")).scalar()
            e.dispose()

        def bare_update() -> None:
            with factory() as s, s.begin():
                s.execute(update(Checkpoint).values(last_uid=Checkpoint.last_uid + 1))
        snap = status.read(cfg)
        read_ms, bare_ms = timed(lambda: status.read(cfg), args.rounds), timed(bare_round_trip, args.rounds)
        warm_ms = timed(lambda: status.read(cfg, engine=engine), args.rounds)
        beat_ms, upd_ms = timed(writer.write, args.rounds), timed(bare_update, args.rounds)
        scrape_ms, bare_scrape_ms = scrapes(cfg, args.rounds)
        cmd = [sys.executable, "-m", "daemon.app.cli", "status", "-c", str(path)]
        runs = max(3, args.rounds // 4)
        cli_ms = process_ms(cmd, runs)
        help_ms = process_ms([sys.executable, "-m", "daemon.app.cli", "--help"], runs)
        pass_ms = process_ms([sys.executable, "-c", "pass"], runs)
        engine.dispose()
    print(f"a year of the office: {args.n} requests, {snap['late']['count']} steps late, "
          f"{snap['outbox']['retrying']} mails retrying, {snap['jobs']['failed_24h']} jobs failed (SQLite)")
    print(f"status read (all figures):   {read_ms:7.1f} ms   baseline: open the database + one count  {bare_ms:6.1f} ms")
    print(f"status read, engine kept:    {warm_ms:7.1f} ms   (as the metrics endpoint reads)")
    print(f"metrics scrape over HTTP:    {scrape_ms:7.1f} ms   baseline: bare prometheus_client gauge  {bare_scrape_ms:6.1f} ms")
    print(f"heartbeat write (+checks):   {beat_ms:7.1f} ms   baseline: bare one-row update commit    {upd_ms:6.1f} ms")
    for name, (wall, cpu) in (("`liputan status`", cli_ms), ("baseline `liputan --help`", help_ms),
                              ("baseline `python -c pass`", pass_ms)):
        print(f"{name + ' (process):':<38} wall {wall:7.1f} ms, CPU {cpu:7.1f} ms")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def scrapes(cfg, rounds: int) -> tuple[float, float]:  # noqa: ANN001
    """Median scrape time of our endpoint and of a bare one with a single gauge."""
    import socket

    from prometheus_client import CollectorRegistry, Gauge, start_http_server

    from daemon.app import metrics
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg.metrics.listen = f"127.0.0.1:{port}"
    ours = metrics.serve(cfg)
    registry = CollectorRegistry()
    Gauge("bare_up", "a bare gauge", registry=registry).set(1)
    bare, _ = start_http_server(0, addr="127.0.0.1", registry=registry)
    try:
        def get(p: int) -> None:
            urllib.request.urlopen(f"http://127.0.0.1:{p}/metrics", timeout=30).read()
        return timed(lambda: get(port), rounds), timed(lambda: get(bare.server_port), rounds)
    finally:
        ours.close()
        bare.shutdown()
        bare.server_close()


if __name__ == "__main__":
    sys.exit(main())
