"""bench_backlog.py's intake figure: the dispatcher alone on the stored backlog, requests recorded
per second and the writer's CPU per letter, with the next batch read inline (the baseline) or in a
second process."""

from __future__ import annotations

import argparse
import cProfile
import time

from backlog_input import Office, count
from backlog_report import load, top
from sqlalchemy import event

from daemon.core.models import Inbound, Job, Request


def dispatch(office: Office, args: argparse.Namespace, ahead: bool) -> None:
    """The dispatcher alone on the stored backlog: requests recorded per second, CPU per letter."""
    times: list[tuple[int, float]] = []  # (letters, seconds) per batch
    handle_batch = office.dispatcher.handle_batch

    def timed(ids: list[int], read=None) -> None:  # noqa: ANN001
        t = time.perf_counter()
        handle_batch(ids, read)
        times.append((len(ids), time.perf_counter() - t))

    office.dispatcher.handle_batch = timed
    reading = [0.0]
    prepare = office.dispatcher.prepare

    def read_timed(inbound_id: int, raw_path: str):  # noqa: ANN202
        c = time.thread_time()
        try:
            return prepare(inbound_id, raw_path)
        finally:
            reading[0] += time.thread_time() - c

    office.dispatcher.prepare = read_timed
    tx = {"commit": 0, "rollback": 0, "savepoint": 0}  # the writer's transactions (each commit: a WAL fsync)

    def counter(what: str):  # noqa: ANN202
        def bump(*_a) -> None:  # noqa: ANN002
            tx[what] += 1
        return bump

    for what in tx:
        event.listen(office.engine, what, counter(what))
    prof = cProfile.Profile() if args.profile and ahead else None
    warm = time.perf_counter()
    if ahead and (ready := office.dispatcher.ahead.warm()) is not None:
        ready.result(timeout=120)  # as `liputan run` does at its start, before any mail is read
        print(f"  reading process started with the service: ready in {time.perf_counter() - warm:.2f} s "
              "(not counted below)")
    t0, cpu0, main0 = time.perf_counter(), time.process_time(), time.thread_time()
    if prof:
        prof.enable()
    handled = office.dispatcher.run_once()
    if prof:
        prof.disable()
    disp_s, cpu_s, main_s = time.perf_counter() - t0, time.process_time() - cpu0, time.thread_time() - main0
    office.dispatcher.close()  # the reading process ends
    recorded = count(office, Request)
    jobs = count(office, Job)
    bad = count(office, Inbound, Inbound.status != "done")
    what = "next batch read in a second process" if ahead else "BASELINE, every batch read inline"
    per = 1000 / max(handled, 1)
    print(f"dispatcher alone ({what}): {handled} letters -> {recorded} requests in {disp_s:.2f} s = "
          f"{recorded / disp_s:6.1f} requests/s (target >= 300/s){' [cProfile on]' if prof else ''}   {load()}")
    k = max(1, len(times) // 10)
    first, last = times[:k], times[-k:]
    print(f"  writer (main thread) CPU {main_s * per:.2f} ms per letter ({handled / main_s:.0f}/s of one core), "
          f"inline reading {reading[0] * per:.2f} ms of it; whole process {cpu_s * per:.2f} ms "
          f"(with the pool's threads); {len(times)} batches; per letter in the first {k}: "
          f"{sum(s for _, s in first) / sum(n for n, _ in first) * 1000:.1f} ms, in the last {k}: "
          f"{sum(s for _, s in last) / sum(n for n, _ in last) * 1000:.1f} ms; {jobs} jobs queued; "
          f"{bad} not 'done'")
    print(f"  writer CPU {main_s * per:.2f} ms per letter (target <= 2 ms); commits (fsyncs) "
          f"{tx['commit'] * per / 1000:.4f} per letter = {tx['commit'] / max(len(times), 1):.2f} per batch "
          f"(claims included), {tx['rollback']} read-only transactions, {tx['savepoint']} savepoints")
    if prof:
        prof.dump_stats(args.profile)
        top(prof)

