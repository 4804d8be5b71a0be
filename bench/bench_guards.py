"""What three start-up and shutdown guards cost, each beside a baseline from the same run: the
templates read and compiled at start (beside importing the service), the shared folder's
open-for-writing check (beside the lstat of the same files), and how soon a SIGKILLed owner's
tethered converter group is gone (beside ending that group by hand).

    python bench/bench_guards.py [-n 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OWNER = ("import subprocess, time; from daemon.paperwork import tether\n"
         "p = subprocess.Popen(tether.command(['sleep', '600']), start_new_session=True)\n"
         "print(p.pid, flush=True); time.sleep(600)")


def templates() -> None:
    cache = tempfile.mkdtemp(prefix="bench-guards-")
    os.environ["LIPUTAN_CACHE_DIR"] = cache
    began = time.perf_counter()
    from daemon.app import service
    imported = time.perf_counter() - began
    from daemon.mail import mails
    from daemon.paperwork import letters
    from daemon.reading import quotes
    began = time.perf_counter()
    service.load_templates()
    cold = time.perf_counter() - began
    mails.forget(), letters.forget(), quotes._our_text.cache_clear()
    began = time.perf_counter()
    service.load_templates()
    warm = time.perf_counter() - began
    shutil.rmtree(cache)
    print(f"templates at start: {cold * 1000:.0f} ms cold, {warm * 1000:.0f} ms with docxtpl's "
          f"verdicts cached; baseline: importing daemon.app.service {imported * 1000:.0f} ms")


def open_files(rounds: int) -> None:
    from daemon.delivery.open_files import open_for_writing
    folder = Path(tempfile.mkdtemp(prefix="bench-guards-"))
    files = [folder / f"foto-{i}.jpg" for i in range(20)]
    for path in files:
        path.write_bytes(b"x")
    scan, lstat = [], []
    for _ in range(rounds * 2):
        began = time.perf_counter()
        open_for_writing(files)
        scan.append(time.perf_counter() - began)
        began = time.perf_counter()
        for path in files:
            os.lstat(path)
        lstat.append(time.perf_counter() - began)
    procs = sum(1 for e in os.scandir("/proc") if e.name.isdigit())
    shutil.rmtree(folder)
    print(f"open-for-writing check of 20 files among {procs} processes: median "
          f"{statistics.median(scan) * 1000:.1f} ms; baseline: lstat of the same files "
          f"{statistics.median(lstat) * 1000:.3f} ms")


def tether(rounds: int) -> None:
    from daemon.paperwork import pdf
    tethered, by_hand = [], []
    for _ in range(rounds):
        owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        group = int(owner.stdout.readline())
        try:
            while "sleep" not in pdf.group_pids(group).values():
                time.sleep(0.01)
            began = time.monotonic()
            owner.kill()
            owner.wait()
            while pdf.group_pids(group) and time.monotonic() - began < 10:
                time.sleep(0.005)
            tethered.append(time.monotonic() - began)
        finally:
            owner.kill()
            pdf.kill_group(group, signal.SIGKILL)
        plain = subprocess.Popen(["sleep", "600"], start_new_session=True)
        time.sleep(0.05)
        began = time.monotonic()
        pdf.kill_group(plain.pid, signal.SIGKILL)
        plain.wait()
        by_hand.append(time.monotonic() - began)
    print(f"SIGKILLed owner -> its converter group gone: median {statistics.median(tethered) * 1000:.0f} ms "
          f"(max {max(tethered) * 1000:.0f} ms); baseline: the group killed by hand "
          f"{statistics.median(by_hand) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="rounds")
    args = parser.parse_args()
    templates()
    open_files(args.n)
    tether(args.n)


if __name__ == "__main__":
    main()
