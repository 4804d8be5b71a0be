"""Archive (step 15): one large video written into a BagIt bag by daemon.archive.write_bag (copied
and hashed in one pass, fsynced, renamed into place), with and without the verification that
follows the write, beside the baseline `cp` + `sha256sum` of the same file to a new place, run
before and after (both warm-cache: the page cache cannot be dropped here). Throughput in MB/s
(10^6 bytes) and each child process's peak RSS.

    python bench/bench_archive.py [--size-mib 2048] [--dir DIR] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = 64 << 20

BAG_CHILD = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from daemon.archive.bag import Item, write_bag
src, root, verify = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "1"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
write_bag(root, "LPT-2026-0001", date(2026, 11, 30), [Item("hasil-liputan/video/acara.mp4", src)],
          {"Judul": "Bench"}, verify=verify)
print(json.dumps({"seconds": time.perf_counter() - t, "rss_before_kib": before}))
"""


def make_source(path: Path, size: int) -> None:
    """Random-ish data fast: one 64 MiB urandom block repeated, each copy with its own counter.

    Run in a child of its own: a forked child inherits its parent's peak RSS, so this process
    stays small for the RSS figures of the runs it starts."""
    if os.fork() == 0:
        try:
            _write_source(path, size)
        finally:
            os._exit(0)
    _, status = os.wait()
    if os.waitstatus_to_exitcode(status) != 0 or path.stat().st_size != size:
        raise SystemExit("could not write the source file")
    os.sync()


def _write_source(path: Path, size: int) -> None:
    block = bytearray(os.urandom(BLOCK))
    with open(path, "wb") as fh:
        written, n = 0, 0
        while written < size:
            block[:8] = n.to_bytes(8, "little")
            block[BLOCK // 2:BLOCK // 2 + 8] = (n * 2654435761).to_bytes(8, "little")
            chunk = memoryview(block)[:min(BLOCK, size - written)]
            fh.write(chunk)
            written += len(chunk)
            n += 1


def run_child(cmd: list[str]) -> tuple[float, int, str, str]:
    """Wall seconds, peak RSS (KiB, the child and its own children), stdout and stderr of a command."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed: {err}")
    return wall, usage.ru_maxrss, out, err


def baseline(src: Path, work: Path, size: int, label: str) -> float:
    """`cp` then `sha256sum` of the copy, one shell; GNU time gives each tool's own peak RSS."""
    dst = work / "copy.bin"
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        script = f'{gnu_time} -f "%M" cp "$1" "$2" && {gnu_time} -f "%M" sha256sum "$2" >/dev/null'
    else:
        script = 'cp "$1" "$2" && sha256sum "$2" >/dev/null'
    wall, rss, _, err = run_child(["sh", "-c", script, "sh", str(src), str(dst)])
    dst.unlink()
    os.sync()
    tools = [int(x) for x in err.split() if x.isdigit()]
    memory = (f"cp {tools[0] / 1024:.1f} MiB, sha256sum {tools[1] / 1024:.1f} MiB" if len(tools) == 2
              else f"{rss / 1024:.1f} MiB, at least this process's own (no /usr/bin/time)")
    print(f"baseline cp + sha256sum ({label}):  {wall:6.2f} s  {size / wall / 1e6:7.0f} MB/s   peak RSS {memory}")
    return size / wall


def bag(src: Path, work: Path, size: int, verify: bool) -> float:
    root = work / "arsip"
    wall, rss, out, _ = run_child([sys.executable, "-c", BAG_CHILD, str(ROOT), str(src), str(root), "1" if verify else "0"])
    got = json.loads(out)
    shutil.rmtree(root)
    os.sync()
    label = "write + verify" if verify else "write only    "
    print(f"write_bag {label}:             {got['seconds']:6.2f} s  {size / got['seconds'] / 1e6:7.0f} MB/s   "
          f"peak RSS {rss / 1024:6.1f} MiB (after imports {got['rss_before_kib'] / 1024:.1f} MiB, "
          f"growth {(rss - got['rss_before_kib']) / 1024:.1f} MiB); child wall {wall:.2f} s")
    return size / got["seconds"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=2048, help="size of the video file (default 2048 = 2 GiB)")
    ap.add_argument("--dir", type=Path, help="where to write the files (default a temp dir under /tmp)")
    ap.add_argument("--rounds", type=int, default=2, help="write_bag runs of each kind (default 2)")
    args = ap.parse_args()
    size = args.size_mib << 20
    parent = args.dir or Path(tempfile.gettempdir())
    free = shutil.disk_usage(parent).free
    if free < 2.2 * size:
        raise SystemExit(f"{parent} has {free / 2**30:.1f} GiB free; needs {2.2 * size / 2**30:.1f} GiB "
                         "(the source and one copy at a time)")
    work = Path(tempfile.mkdtemp(prefix="liputan-bench-archive-", dir=parent))
    try:
        run(work, size, args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, size: int, rounds: int) -> None:
    src = work / "acara.mp4"
    t = time.perf_counter()
    make_source(src, size)
    print(f"source: {size / 2**20:.0f} MiB of random-ish data in {work} ({time.perf_counter() - t:.1f} s); "
          f"{os.cpu_count()} cores, load {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"this process's own peak RSS (a floor for the children's figures): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
    print("both sides warm-cache (the source is in the page cache; it cannot be dropped here); "
          "`sync` after each run, outside the timing; write_bag fsyncs its files, cp does not")
    before = baseline(src, work, size, "before")
    bare, full = [], []
    for _ in range(rounds):
        bare.append(bag(src, work, size, verify=False))
        full.append(bag(src, work, size, verify=True))
    after = baseline(src, work, size, "after ")
    best = max(before, after)
    print(f"write_bag / cp+sha256sum (the faster baseline run; the slower write_bag run): "
          f"write only {min(bare) / best:.2f}x, write + verify {min(full) / best:.2f}x (target >= 0.7x)")


if __name__ == "__main__":
    main()
