"""`bench_backlog.py --timeline`: where the letters' lane loses time (worker busy vs idle, per job
handler → sent to the pool → worker start/end → result back → recorded; claims; lane waits)."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from daemon.app import procpool
from daemon.app.jobrunner import JobRunner

now = time.monotonic  # CLOCK_MONOTONIC: one clock for the daemon and its forked workers


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, int, float, float]:
    """In the worker: fn(*args), with the worker's pid and its start and end times."""
    start = now()
    result = fn(*args)
    return result, os.getpid(), start, now()


class Timeline:
    """Patches the pool and the lane's runner (this process only) and collects their times."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[int, dict[str, float]] = defaultdict(dict)  # job id -> stage -> time
        self.worker: dict[int, list[tuple[float, float]]] = defaultdict(list)  # pid -> (start, end)
        self.claims: list[tuple[float, float, int, int]] = []  # (start, end, limit, got)
        self.rounds: list[tuple[float, float]] = []  # lane run_once intervals
        self.records: list[tuple[float, float, int]] = []  # (start, end, jobs) of _finish_batch
        self._local = threading.local()
        self.began = 0.0  # the runners started
        self.begins: dict[str, list[float]] = {}

    def install_pool(self) -> None:
        """Before the runner is made (its handlers keep the pool's bound `run`)."""
        original_run, tl = procpool.ProcessPool.run, self

        def run(pool: procpool.ProcessPool, fn: Callable[..., Any], *args: Any) -> Any:
            job = getattr(tl._local, "job", None)
            if job is not None:
                tl._mark(job, "sent")
            result, pid, start, end = original_run(pool, _timed, fn, *args)
            with tl.lock:
                tl.worker[pid].append((start, end))
                if job is not None:
                    tl.jobs[job].update(wstart=start, wend=end, back=now())
            return result

        procpool.ProcessPool.run = run  # type: ignore[method-assign]

    def install_db(self, engine: Any) -> None:
        """Time every BEGIN IMMEDIATE with its queue (SQLite: every session, reads too, takes the write
        lock)."""
        from sqlalchemy import event
        self.begins: dict[str, list[float]] = defaultdict(list)  # thread name -> waits

        # from the transaction's "begin" (before the queue of core/writelock.py, whose listener
        # this one is put in front of) to BEGIN IMMEDIATE's return: the whole wait for the lock
        @event.listens_for(engine, "begin", insert=True)
        def before(conn: Any) -> None:
            conn.info["timeline_begin"] = now()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement == "BEGIN IMMEDIATE":
                waited = now() - conn.info.pop("timeline_begin", now())
                with self.lock:
                    self.begins[threading.current_thread().name.split("_")[0]].append(waited)

    def install_lane(self, lane: JobRunner, kind: str) -> None:
        self.began = now()
        handler = lane.handlers[kind]

        def timed_handler(job: Any) -> Any:
            self._local.job = job.id
            self._mark(job.id, "start")
            try:
                return handler(job)
            finally:
                self._mark(job.id, "end")
                self._local.job = None

        lane.handlers[kind] = timed_handler
        claim_many, finish_batch, run_once = lane.claim_many, lane._finish_batch, lane.run_once

        def claims(limit: int) -> list:
            t = now()
            got = claim_many(limit)
            with self.lock:
                self.claims.append((t, now(), limit, len(got)))
            for job in got:
                self._mark(job.id, "claimed", t)
            return got

        def finish(finished: Any, after: Any) -> None:
            t = now()
            size = finished.qsize()
            finish_batch(finished, after)
            end = now()
            with self.lock:
                if size:
                    self.records.append((t, end, size))

        def rounds(*args: Any, **kw: Any) -> int:
            t = now()
            try:
                return run_once(*args, **kw)
            finally:
                with self.lock:
                    self.rounds.append((t, now()))

        lane.claim_many, lane._finish_batch, lane.run_once = claims, finish, rounds  # type: ignore[method-assign]
        self.on_done(lane)

    def on_done(self, lane: JobRunner) -> None:
        """The time each job's completion was committed (after on_done, in its transaction)."""
        inner = lane.on_done

        def done(s: Any, job: Any, result: Any) -> None:
            if inner is not None:
                inner(s, job, result)
            self._mark(job.id, "on_done")
        lane.on_done = done

    def _mark(self, job: int, stage: str, t: float | None = None) -> None:
        with self.lock:
            self.jobs[job][stage] = now() if t is None else t

    def report(self, processes: int) -> None:
        jobs = [j for j in self.jobs.values() if {"start", "sent", "wstart", "wend", "back", "end"} <= j.keys()]
        if not jobs or not self.worker:
            print("timeline: no letter reached the pool")
            return
        t0 = min(j["start"] for j in jobs)
        t1 = max(j.get("on_done", j["end"]) for j in jobs)
        span = t1 - t0
        busy = {pid: sum(e - s for s, e in iv) for pid, iv in self.worker.items()}
        print(f"timeline: {len(jobs)} letters in {span:.2f} s; worker processes busy "
              + ", ".join(f"{b / span:.0%}" for b in busy.values())
              + f" of the span (all: {sum(busy.values()) / (span * processes):.0%} of {processes}); "
              f"the first letter began {t0 - self.began:.2f} s after the runners")

        def ms(a: str, b: str) -> str:
            d = [(j[b] - j[a]) * 1000 for j in jobs if a in j and b in j]
            return (f"{statistics.mean(d):6.2f} ms mean, p90 {sorted(d)[int(len(d) * .9)]:6.2f}, "
                    f"max {max(d):7.1f}") if d else "-"
        print(f"  per letter: claimed->handler start {ms('claimed', 'start')}")
        print(f"              handler start->sent to pool (mails_for) {ms('start', 'sent')}")
        print(f"              sent->worker start {ms('sent', 'wstart')}")
        print(f"              worker start->end (render) {ms('wstart', 'wend')}")
        print(f"              worker end->result back {ms('wend', 'back')}")
        print(f"              result back->handler end {ms('back', 'end')}")
        print(f"              handler end->recorded (on_done) {ms('end', 'on_done')}")
        gaps = [b[0] - a[1] for iv in self.worker.values() for a, b in pairwise(sorted(iv))]
        if gaps:
            print(f"  worker idle between letters: {len(gaps)} gaps, mean {statistics.mean(gaps) * 1000:.2f} ms, "
                  f"p90 {sorted(gaps)[int(len(gaps) * .9)] * 1000:.2f} ms, total {sum(gaps):.2f} s "
                  f"({sum(gaps) / (span * processes):.0%} of the workers' span)")
        short = sum(1 for c in self.claims if c[3] < c[2])
        print(f"  claims: {len(self.claims)}, {sum(c[3] for c in self.claims)} jobs, {short} short of their "
              f"limit (the lane outran the main runner), {sum(c[1] - c[0] for c in self.claims):.2f} s in claims "
              f"(max {max((c[1] - c[0] for c in self.claims), default=0) * 1000:.1f} ms)")
        rounds = sorted(self.rounds)
        outside = sum(b[0] - a[1] for a, b in pairwise(rounds))
        print(f"  lane rounds (run_once): {len(rounds)}; between rounds (waiting for a wake-up) {outside:.2f} s "
              f"({outside / span:.0%} of the span)")
        for name, waits in sorted(getattr(self, "begins", {}).items()):
            slow = [w for w in waits if w > 0.05]
            print(f"  write lock (BEGIN IMMEDIATE) in {name}: {len(waits)} taken, waited {sum(waits):.2f} s, "
                  f"{len(slow)} waits over 50 ms, max {max(waits) * 1000:.0f} ms")
        rec = self.records
        if rec:
            print(f"  recording: {len(rec)} batches, {sum(r[2] for r in rec)} entries, "
                  f"{sum(r[1] - r[0] for r in rec):.2f} s (max {max(r[1] - r[0] for r in rec) * 1000:.1f} ms)")
