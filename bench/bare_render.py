"""The baseline for letters: a bare docxtpl render + save loop, on one process or several at once."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from docxtpl import DocxTemplate


def loop(template: str, context: dict, out: str, n: int) -> tuple[float, float]:
    """n renders + saves of one template and context; (wall seconds, CPU seconds) they took."""
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        doc = DocxTemplate(template)
        doc.render(context, autoescape=True)
        doc.save(str(Path(out) / f"bare-{i}.docx"))
    return time.perf_counter() - t0, time.process_time() - c0


def rate(template: Path, context: dict, out: Path, n: int, processes: int = 1) -> tuple[float, float, float]:
    """(docs per second, wall seconds, CPU ms per doc) for n renders on each of `processes`
    processes at once (started, and one letter rendered by each, before the clock starts)."""
    if processes == 1:
        out.mkdir(parents=True, exist_ok=True)
        loop(str(template), context, str(out), 1)
        seconds, cpu = loop(str(template), context, str(out), n)
        return n / seconds, seconds, cpu / n * 1000
    ctx = multiprocessing.get_context("spawn")
    folders = [out / f"p{k}" for k in range(processes)]
    for f in folders:
        f.mkdir(parents=True, exist_ok=True)
    with ctx.Pool(processes) as pool:
        pool.starmap(loop, [(str(template), context, str(f), 1) for f in folders])  # warm
        t0 = time.perf_counter()
        times = pool.starmap(loop, [(str(template), context, str(f), n) for f in folders])
        seconds = time.perf_counter() - t0
    return n * processes / seconds, seconds, sum(c for _, c in times) / (n * processes) * 1000


def cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + system) the given processes used so far."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(") ", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total
