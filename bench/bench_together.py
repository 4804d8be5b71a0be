"""Intake and letters at once, as in the daemon: requests recorded per second by the dispatcher
while the job runner (a thread of the same process, its letters in worker processes) enters
their first step and renders their letters. Run with the letter workers at nice 0 and at
`[jobs] render_nice`; the baseline is the dispatcher alone on the same backlog in the same run.

    PATH=<no soffice> python bench/bench_together.py [-n 300] [--nice 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from backlog_input import ROOT, Office, count, request_letter, store  # noqa: E402,F401
from backlog_report import load  # noqa: E402
from sqlalchemy import select  # noqa: E402,F401

from daemon.app import procpool, work  # noqa: E402
from daemon.core.models import Job, Request  # noqa: E402


def one(folder: Path, raws: list[bytes], nice: int | None) -> tuple[float, float | None]:
    """(requests/s of the dispatcher, letters/s from the start to the last letter; None when
    no job runner ran beside it)."""
    folder.mkdir()
    office = Office(folder)
    store(office, raws)
    stop = threading.Event()
    runner = None
    if nice is not None:
        office.ctx.cfg.jobs.render_nice = nice
        runner = work.runner(office.ctx, office.factory, "bench")
        if runner.parallel > 1:
            procpool.shared(runner.parallel, nice).warm()
    if (ready := office.dispatcher.ahead.warm()) is not None:
        ready.result(timeout=120)

    def letters() -> None:
        while not stop.is_set():
            if runner.run_once(halt=stop.is_set) == 0:
                time.sleep(0.02)

    thread = threading.Thread(target=letters, name="jobs") if runner else None
    t0 = time.perf_counter()
    if thread:
        thread.start()
    office.dispatcher.run_once()
    intake = count(office, Request) / (time.perf_counter() - t0)
    rate = None
    if thread:
        n = len(raws)
        while count(office, Job, Job.kind == "render_letter", Job.state == "done") < n:
            time.sleep(0.05)
        rate = n / (time.perf_counter() - t0)
        stop.set()
        thread.join()
    office.dispatcher.close()
    return intake, rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=300, help="request letters in the backlog (default 300)")
    ap.add_argument("--nice", type=int, default=5, help="[jobs] render_nice to compare with 0")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    raws = [request_letter(i) for i in range(args.n)]
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-together-"))
    try:
        alone, _ = one(base / "alone", raws, None)
        print(f"baseline: dispatcher alone: {alone:6.1f} requests/s   {load()}")
        for nice in (0, args.nice):
            intake, letters = one(base / f"nice{nice}", raws, nice)
            print(f"dispatcher with the letters beside it, workers at nice {nice}: {intake:6.1f} "
                  f"requests/s ({intake / alone:.2f} of alone; target >= 300/s), letters "
                  f"{letters:5.1f}/s from the start to the last   {load()}")
    finally:
        procpool.close_shared()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
