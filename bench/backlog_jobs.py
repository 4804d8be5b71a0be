"""bench_backlog.py's letters figure: the jobs as `liputan run` works them (the main runner beside
the letters' lane, or one runner, or the first steps alone) beside a bare docxtpl render loop."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import bare_render
import timeline
from backlog_input import Office
from backlog_report import SqlCount, load, top
from sqlalchemy import func, select

from daemon.app import lanes, procpool, work
from daemon.core.models import Document, Job
from daemon.paperwork import letters, render
from daemon.paperwork.pdf import default_converter


def with_lane(office: Office, profile: bool, tl: timeline.Timeline | None = None) -> tuple[int, pstats.Stats | None]:
    """The jobs as `liputan run` works them: the main runner (each request's first step) and the
    letters' lane (app/lanes.py: render jobs) in threads of their own, the lane woken after each
    job of the main runner (as the service does); until neither has a due job. Jobs run, and
    both threads' profile by their own CPU time (when `profile`)."""
    lane = lanes.Lane({work.RENDER})
    letters_runner = lane.split(office.jobs)
    if tl is not None:
        tl.install_lane(letters_runner, work.RENDER)
    wake, main_done = threading.Event(), threading.Event()
    counts, profs = [0, 0], [cProfile.Profile(time.thread_time) if profile else None for _ in range(2)]

    def main() -> None:
        try:
            if profs[0]:
                profs[0].enable()
            counts[0] = office.jobs.run_once(after=lambda job: wake.set())
        finally:
            if profs[0]:
                profs[0].disable()
            main_done.set()
            wake.set()

    def letters_lane() -> None:
        while True:
            wake.clear()
            done = main_done.is_set()
            if profs[1]:
                profs[1].enable()
            ran = letters_runner.run_once()
            if profs[1]:
                profs[1].disable()
            counts[1] += ran
            if done and not ran:
                return
            wake.wait(letters_runner.seconds_to_next())

    threads = [threading.Thread(target=main, name="main-runner"), threading.Thread(target=letters_lane, name="letters-lane")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if profs[0] and profs[1]:
        stats = pstats.Stats(profs[0])
        stats.add(profs[1])
        return sum(counts), stats
    return sum(counts), None


def instrument(office: Office, args: argparse.Namespace) -> timeline.Timeline | None:
    """`--ahead` set on the letters' lane, and the `--timeline` probes on the pool and database."""
    if args.ahead is not None:
        lanes.AHEAD = args.ahead
    tl = timeline.Timeline() if args.timeline else None
    if tl is not None:
        tl.install_pool()
        tl.install_db(office.engine)
    return tl


def enter_only(office: Office, args: argparse.Namespace) -> None:
    """Each request's first step entered by the main runner, the letters left queued: the CPU
    of this process alone (no worker runs), per letter, with its statements and flushes."""
    instrument(office, args)  # --ahead and the --timeline probes (no report here)
    office.jobs = work.runner(office.ctx, office.factory, "bench")
    office.jobs.lanes = frozenset({work.RENDER})
    sql = SqlCount(office.engine, args.sql > 0)
    t0, cpu0 = time.perf_counter(), time.process_time()
    ran = office.jobs.run_once()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    sql.stop()
    print(f"first steps entered: {ran} in {seconds:.2f} s, {cpu * 1000 / max(ran, 1):.1f} ms CPU per letter "
          f"(claims, the engine, completions; no letter rendered)   {load()}")
    sql.report(1 / max(ran, 1), args.sql)


@dataclass
class JobsRun:
    """What one run of the jobs took: render jobs run and done, wall seconds, worker processes,
    CPU seconds of this process and of the workers (None: unknown), a job's payload, documents
    made, the profile, the SQL counted."""
    ran: int
    done: int
    seconds: float
    workers: int
    parent_s: float
    workers_s: float | None
    payload: dict
    docs: int
    prof: pstats.Stats | cProfile.Profile | None
    sql: SqlCount

    @property
    def per(self) -> float:
        """Per letter, in ms per second."""
        return 1000 / max(self.done, 1)


def run_jobs(office: Office, args: argparse.Namespace, base: Path) -> None:
    """The job runner alone on the dispatched backlog (letters/s, CPU per letter), then the bare
    docxtpl render + save loop of the same template and context on as many processes."""
    conv = default_converter()
    cold = None
    if conv.available():
        t = time.perf_counter()
        conv.warm()
        cold = time.perf_counter() - t
    office.ctx.cfg.jobs.render_processes = args.processes
    tl = instrument(office, args)
    run = time_jobs(office, args, tl)
    report_jobs(office, run, cold, args.sql)
    if tl is not None:
        tl.report(run.workers)
    bare_baseline(args, base, run)
    conv.close()
    procpool.close_shared()


def time_jobs(office: Office, args: argparse.Namespace, tl: timeline.Timeline | None) -> JobsRun:
    """The jobs run to the end (the main runner beside the letters' lane, or `--one-runner`)."""
    office.jobs = work.runner(office.ctx, office.factory, "bench")
    workers = office.jobs.parallel
    pids: list[int] = []
    if workers > 1:  # a running daemon's pool is up after its first letter
        pids = procpool.shared(workers).warm()
    prof = None  # the daemon process's threads that run jobs, by their own CPU time
    sql = SqlCount(office.engine, args.sql > 0)
    t0, parent0, workers0 = time.perf_counter(), time.process_time(), bare_render.cpu_of(pids)
    if args.one_runner:
        prof = cProfile.Profile(time.thread_time) if args.profile else None
        if prof:
            prof.enable()
        ran = office.jobs.run_once()
        if prof:
            prof.disable()
    else:
        ran, prof = with_lane(office, bool(args.profile), tl)
    jobs_s = time.perf_counter() - t0
    parent_s = time.process_time() - parent0  # this process: claims, the engine, completions
    sql.stop()
    workers_s = None
    if workers > 1:
        pids_after = procpool.shared(workers).pids()
        workers_s = bare_render.cpu_of(pids_after) - workers0 if pids_after == pids else None
    with office.factory() as s:
        done = s.scalar(select(func.count()).select_from(Job).where(Job.kind == "render_letter",
                                                                     Job.state == "done"))
        payload = s.scalars(select(Job.payload).where(Job.kind == "render_letter")).first()
        docs = s.scalar(select(func.count()).select_from(Document))
    return JobsRun(ran, done, jobs_s, workers, parent_s, workers_s, payload, docs, prof, sql)


def report_jobs(office: Office, run: JobsRun, cold: float | None, sql_top: int) -> None:
    """The job runner's figures: letters/s, PDF copies, CPU per letter, SQL per letter."""
    pdfs = len(list(office.folder.rglob("*.pdf")))
    print(f"job runner alone: {run.done}/{run.ran} render jobs in {run.seconds:.2f} s = "
          f"{run.done / run.seconds:6.1f} letters/s "
          f"on {run.workers} worker process(es) ([jobs] render_processes) ({pdfs} PDF copies"
          f"{f'; LibreOffice warmed first in {cold:.1f} s' if cold else ''}; {run.docs} documents)   {load()}")
    per = run.per
    if run.workers > 1:
        print(f"  CPU per letter: daemon process {run.parent_s * per:.1f} ms (claims, entering the step, "
              f"completions, mail), worker processes "
              f"{f'{run.workers_s * per:.1f} ms' if run.workers_s is not None else 'unknown (a worker was replaced)'}")
    else:
        print(f"  CPU per letter: daemon process {run.parent_s * per:.1f} ms (rendering included)")
    run.sql.report(per / 1000, sql_top)


def bare_baseline(args: argparse.Namespace, base: Path, run: JobsRun) -> None:
    """The baseline: a bare docxtpl render + save of the same template and context, on one process
    and on as many as the runner's workers; then the runner's rate against it (wall and CPU)."""
    template = letters.template_path(run.payload["template"])
    ctx = render.decode(run.payload["context"])
    one, _, one_cpu = bare_render.rate(template, ctx, base / "bare1", args.bare, 1)
    print(f"baseline: bare DocxTemplate({template.name}).render + save, one process: {one:6.1f} docs/s, "
          f"{one_cpu:.1f} ms CPU per doc   {load()}")
    many, many_cpu = one, one_cpu
    if run.workers > 1:
        many, _, many_cpu = bare_render.rate(template, ctx, base / "bare2", args.bare, run.workers)
        print(f"baseline: the same loop on {run.workers} processes at once: {many:6.1f} docs/s, "
              f"{many_cpu:.1f} ms CPU per doc   {load()}")
    if run.prof:
        print("job runner profile:")
        run.prof.dump_stats(args.profile + ".jobs")
        top(run.prof)
    rate = run.done / run.seconds
    print(f"job runner / bare docxtpl on {run.workers} process(es): {rate / many:.2f} (target >= 0.8)"
          f"; / bare on one: {rate / one:.2f}")
    if run.workers > 1 and run.workers_s is not None:
        # the same ratio from CPU seconds alone (what the letters cost, not what the other
        # programs on a shared machine left us): both cores' worth spent on letters vs bare docs
        cost = (run.parent_s + run.workers_s) * run.per
        print(f"  by CPU (load-independent): {cost:.1f} ms per letter (daemon + workers) vs "
              f"{many_cpu:.1f} ms per bare doc: {many_cpu / cost:.2f} of the bare rate "
              f"when {min(run.workers, os.cpu_count() or 1)} cores are all ours")
