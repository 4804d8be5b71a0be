"""Backlog intake: N request letters stored in the inbound table (as the mailbox worker stores
them, nothing handled yet), then the dispatcher alone (requests recorded per second; the target
is >= 300/s; first with every batch read inline, the baseline, then with the next batch read in a
second process while this one is written), then the jobs alone as `liputan run` works them (the
main runner enters each request's first step while the letters' lane renders the letters, on
`[jobs] render_processes` worker processes, both cores by default, with the PDF copy when
LibreOffice is installed; `--one-runner`: every kind in one runner, as before) beside a bare
docxtpl render + save loop of the same template and context on as many processes, with SQL
statements and flushes per letter (`--sql N`: the N most frequent statements).
Baseline for intake: a raw imapclient FETCH of the same N letters from a private Dovecot.

    python bench/bench_backlog.py [-n 500] [--profile FILE] [--no-imap] [--letters] [--sql N]
                                  [--one-runner | --enter-only]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import timeline  # noqa: E402,F401 - before the pool forks: its workers unpickle timeline._timed
from backlog_input import Office, count, imap_baseline, request_letter, store  # noqa: E402
from backlog_intake import dispatch  # noqa: E402
from backlog_jobs import enter_only, run_jobs  # noqa: E402
from backlog_report import load  # noqa: E402

from daemon.core.models import Inbound  # noqa: E402
from daemon.paperwork.pdf import default_converter  # noqa: E402


def main() -> None:
    args = parse_args()
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-backlog-"))
    os.chmod(base, 0o755)
    try:
        run(base, args)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=500, help="request letters in the backlog (default 500)")
    ap.add_argument("--bare", type=int, default=100, help="bare docxtpl renders for the baseline")
    ap.add_argument("--profile", metavar="FILE",
                    help="cProfile the dispatcher and the job runner (slower); stats in FILE, FILE.jobs")
    ap.add_argument("--dispatcher-only", action="store_true", help="stop after the dispatcher")
    ap.add_argument("--processes", type=int, default=0,
                    help="[jobs] render_processes for the job runner (default 0: min(2, CPUs))")
    ap.add_argument("--ahead", type=int, default=None, metavar="K",
                    help="letters in flight beyond the workers (app/lanes.py AHEAD; 0: one per worker)")
    ap.add_argument("--timeline", action="store_true",
                    help="where the letters' lane waits: workers busy/idle, per-letter stage times")
    ap.add_argument("--no-imap", action="store_true", help="skip the Dovecot FETCH baseline")
    ap.add_argument("--letters", action="store_true",
                    help="the letters' figures: skip the dispatcher's inline baseline (dispatch once)")
    ap.add_argument("--one-runner", action="store_true",
                    help="run every job kind in one runner (before: every first step entered, "
                         "then the letters), not the daemon's main runner beside its letters' lane")
    ap.add_argument("--enter-only", action="store_true",
                    help="after the dispatcher, only enter each request's first step (the main runner, "
                         "no letter rendered): the daemon's CPU for it, steadier than the whole run's")
    ap.add_argument("--sql", type=int, default=0, metavar="N",
                    help="list the job runner's N most frequent SQL statements (per letter)")
    return ap.parse_args()


def run(base: Path, args: argparse.Namespace) -> None:
    """The intake baseline, the dispatcher (inline, then reading ahead), then the jobs."""
    logging.basicConfig(level=logging.WARNING)
    conv = default_converter()
    pdf = conv.available()
    print(f"mode: {'WITH LibreOffice (' + str(conv.mode) + ')' if pdf else 'WITHOUT LibreOffice'}"
          f"{'; ' + conv.reason if conv.reason else ''}")
    raws = [request_letter(i) for i in range(args.n)]
    if not args.no_imap:
        fetch_s = imap_baseline(raws, base / "dovecot")
        if fetch_s:
            print(f"baseline: raw imapclient FETCH of the {args.n} letters   {fetch_s:7.2f} s "
                  f"{args.n / fetch_s:8.0f} msg/s   {load()}")
    # ---- the dispatcher alone: baseline (every batch read inline), then the next batch read
    # in a second process while this one is written (the default) -------------------------------
    for ahead in ((True,) if args.letters else (False, True)):
        (base / f"office-{ahead}").mkdir()
        office = Office(base / f"office-{ahead}")
        office.ctx.cfg.reading.read_ahead = ahead
        store(office, raws)
        assert count(office, Inbound, Inbound.status == "new") == args.n
        dispatch(office, args, ahead)

    if args.dispatcher_only:
        return
    if args.enter_only:
        enter_only(office, args)
        return
    run_jobs(office, args, base)


if __name__ == "__main__":
    main()
