"""What a process's memory is made of (bench_memory.py --probe): malloc, mappings, Python, caches."""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import gc
import json
import os
import re
import sys
import tempfile
import threading


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def _libc():  # noqa: ANN202
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def mallinfo() -> dict[str, int]:
    """glibc's mallinfo2, in kB: arena (sbrk + arenas), hblkhd (mmapped), uordblks (in use), fordblks (free, held)."""
    f = _libc().mallinfo2
    f.restype = MallInfo2
    m = f()
    return {k: getattr(m, k) // 1024 for k in ("arena", "hblkhd", "uordblks", "fordblks", "keepcost")} | {
        "hblks": m.hblks}


def malloc_heaps() -> list[dict[str, int]]:
    """malloc_info's per-arena figures (kB): current size and free bytes of each heap."""
    libc = _libc()
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    with tempfile.NamedTemporaryFile(suffix=".xml") as tmp:
        fp = libc.fopen(tmp.name.encode(), b"w")
        libc.malloc_info(0, fp)
        libc.fclose(fp)
        xml = open(tmp.name).read()
    heaps = []
    for m in re.finditer(r'<heap nr="(\d+)">(.*?)</heap>', xml, re.S):
        body = m.group(2)
        cur = re.search(r'<system type="current" size="(\d+)"', body)
        free = re.search(r'<total type="fast" count="\d+" size="(\d+)"/>\s*<total type="rest" count="\d+" size="(\d+)"', body)
        heaps.append({"nr": int(m.group(1)), "current": int(cur.group(1)) // 1024 if cur else 0,
                      "free": (int(free.group(1)) + int(free.group(2))) // 1024 if free else 0})
    return heaps


def smaps() -> dict[str, int]:
    """RSS (kB) by kind of mapping: [heap], anonymous (arenas, mmapped blocks), files, [stack]."""
    out: collections.Counter[str] = collections.Counter()
    name, big = "", []
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                name = head[5] if len(head) > 5 else "anon"
                name = name if name.startswith("[") or name == "anon" else (
                    "so" if ".so" in name else "file")
            elif head[0] == "Rss:":
                out[name] += int(head[1])
                if name == "anon":
                    big.append(int(head[1]))
    big.sort(reverse=True)
    return dict(out) | {"anon_n": len(big), "anon_top5": big[:5]}


def pymalloc() -> dict[str, int]:
    """obmalloc's arenas (256 KiB each) and the bytes in its used blocks, from sys._debugmallocstats."""
    with tempfile.TemporaryFile("w+") as tmp:
        saved = os.dup(2)
        try:
            sys.stderr.flush()
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read()

    def num(label: str) -> int:
        m = re.search(re.escape(label) + r"\s*=\s*([\d,]+)", text)
        return int(m.group(1).replace(",", "")) if m else -1
    classes = []  # (free kB, class size, pools, blocks in use, free blocks) of the classes with most free
    for m in re.finditer(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", text, re.M):
        idx, size, pools, used, avail = map(int, m.groups())
        classes.append((size * avail // 1024, size, pools, used, avail))
    classes.sort(reverse=True)
    return {"classes": classes[:6], "arenas": num("# arenas allocated current"), "used_kb": num("# bytes in allocated blocks") // 1024,
            "free_kb": (num("# bytes in available blocks") + num("# bytes in unused pools")) // 1024,
            "blocks": sys.getallocatedblocks()}


def caches() -> dict[str, object]:
    """SQLAlchemy engines' compiled caches, lru_caches that are large, thread count, SQLite's own heap."""
    objs = gc.get_objects()  # not the frozen start-up objects (gc.freeze)
    engines = [e for e in ENGINES if e is not None]
    kinds = collections.Counter(type(o).__name__ for o in objs)
    lru = []
    for mod in list(sys.modules.values()):
        for o in list(getattr(mod, "__dict__", {}).values()):
            if type(o).__name__ == "_lru_cache_wrapper" and o.cache_info().currsize > 200:
                lru.append(f"{getattr(o, '__module__', '?')}.{getattr(o, '__qualname__', '?')}={o.cache_info().currsize}")
    try:
        import _sqlite3
        sq = ctypes.CDLL(_sqlite3.__file__)
        sq.sqlite3_memory_used.restype = ctypes.c_int64
        sqlite_kb = sq.sqlite3_memory_used() // 1024
    except (OSError, AttributeError):
        sqlite_kb = -1
    shapes: collections.Counter[str] = collections.Counter()
    for e in engines:
        if e._compiled_cache is not None:
            for v in list(e._compiled_cache.values()):
                shapes[" ".join(str(getattr(v, "string", v)).split())[:90]] += 1
    return {"shapes": [s for s in shapes.most_common(6) if s[1] > 2], "engines": [(len(e._compiled_cache) if e._compiled_cache is not None else -1,
                         e.pool.status()) for e in engines],
            "threads": threading.active_count(), "tasks": len(os.listdir("/proc/self/task")),
            "sqlite_kb": sqlite_kb, "gc_objects": len(objs), "lru": lru,
            "top_types": kinds.most_common(25)}


def probe() -> dict[str, object]:
    out = {"mallinfo": mallinfo(), "heaps": malloc_heaps(), "smaps": smaps(), "pymalloc": pymalloc(),
           **caches(), "peak": dict(PEAK), "modules": modules(), "gc": [(s["collections"], s["collected"]) for s in gc.get_stats()], "gc_count": gc.get_count()}
    PEAK.update(blocks=0, rss_kb=0, where=[])
    if os.environ.get("BENCH_PROBE_COLLECT"):  # how much of the heap was garbage waiting for a full collection
        found = gc.collect()
        out["after_collect"] = {"found": found, "pymalloc": pymalloc()}
    return out


ENGINES: list = []


def watch_engines() -> None:
    """Record every engine made from now on (call before the daemon imports sqlalchemy's create_engine)."""
    import sqlalchemy
    made = sqlalchemy.create_engine

    def create_engine(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        e = made(*a, **kw)
        ENGINES.append(e)
        return e
    sqlalchemy.create_engine = create_engine
    for mod in list(sys.modules.values()):  # those that imported it already (bench helpers import daemon.core.db)
        if getattr(mod, "create_engine", None) is made:
            mod.create_engine = create_engine


def install(out_dir: str) -> None:
    """SIGUSR2 writes probe() to out_dir/probe-N.json (from the main thread, between its awaits)."""
    import signal
    count = iter(range(10 ** 6))

    def dump(signum, frame) -> None:  # noqa: ANN001, ARG001
        n = next(count)
        tmp = f"{out_dir}/probe-{n}.tmp"
        with open(tmp, "w") as f:
            json.dump(probe(), f)
        os.replace(tmp, f"{out_dir}/probe-{n}.json")

    signal.signal(signal.SIGUSR2, dump)
    watch_engines()
    threading.Thread(target=_watch_peak, daemon=True, name="memprobe-peak").start()


PEAK = {"blocks": 0, "rss_kb": 0, "where": []}
HIGH = {"blocks": 0}  # the most Python blocks since the start (the process's high-water)


def modules() -> list[tuple[str, int]]:
    """The top-level packages loaded, with their number of modules (what the process imported)."""
    return sorted(collections.Counter(m.split(".")[0] for m in list(sys.modules)).items())


def where_now() -> list[str]:
    """Where every other thread is: its innermost frames in our code (daemon/, sqlalchemy, icalendar...)."""
    import traceback
    out = []
    me = threading.get_ident()
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        stack = [f for f in traceback.extract_stack(frame) if "/daemon/" in f.filename][-4:]
        if stack:
            out.append(f"{names.get(ident, ident)}: " + " <- ".join(
                f"{f.filename.rsplit('/daemon/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(stack)))
    return out


def _watch_peak() -> None:
    """The most Python blocks and RSS seen between two probes, sampled every 20 ms; each time the
    blocks pass the process's high-water by 20,000, where the threads are (the transient's culprit)."""
    import time
    while True:
        blocks = sys.getallocatedblocks()
        PEAK["blocks"] = max(PEAK["blocks"], blocks)
        if blocks > HIGH["blocks"] + 20_000:
            if HIGH["blocks"]:
                PEAK["where"] = (PEAK.get("where") or [])[-6:] + [f"{blocks} blocks: " + " | ".join(where_now())]
            HIGH["blocks"] = blocks
        with open("/proc/self/statm") as f:
            PEAK["rss_kb"] = max(PEAK["rss_kb"], int(f.read().split()[1]) * 4)
        time.sleep(0.02)


def summary(p: dict, prev: dict | None = None) -> str:
    """Two lines: the malloc / mappings / Python figures, and what grew among object types."""
    mi, sm, pm = p["mallinfo"], p["smaps"], p["pymalloc"]
    lines = [f"malloc in-use {mi['uordblks'] / 1024:.1f} MB free-held {mi['fordblks'] / 1024:.1f} MB "
             f"(sbrk+arenas {mi['arena'] / 1024:.1f}, mmapped {mi['hblkhd'] / 1024:.1f} in {mi['hblks']}); "
             f"arenas {len(p['heaps'])} " + ",".join(f"{h['current'] // 1024}/{h['free'] // 1024}" for h in p["heaps"])
             + f" MB cur/free; RSS [heap] {sm.get('[heap]', 0) / 1024:.1f} anon {sm.get('anon', 0) / 1024:.1f} "
             f"({sm['anon_n']} maps, top {sm['anon_top5']}) so {sm.get('so', 0) / 1024:.1f} file "
             f"{sm.get('file', 0) / 1024:.1f}; pymalloc {pm['arenas']} arenas, used {pm['used_kb'] / 1024:.1f} "
             f"free {pm['free_kb'] / 1024:.1f} MB (free kB, size, pools, used, free blocks: {pm.get('classes')}); sqlite {p['sqlite_kb'] / 1024:.1f} MB; "
             f"compiled caches {[e[0] for e in p['engines']]}; threads {p['threads']}/{p['tasks']}; "
             f"gc objects {p['gc_objects']}; lru {p['lru']}; statements of one shape {p.get('shapes')}"]
    if p.get("peak"):
        lines.append(f"  since the last probe: peak Python blocks {p['peak']['blocks']} (now {pm['blocks']}), "
                     f"peak RSS {p['peak']['rss_kb'] / 1024:.1f} MB")
        for w in p["peak"].get("where") or []:
            lines.append(f"  new high-water at {w}")
    if p.get("modules") and not prev:
        lines.append(f"  imported: {len(p['modules'])} packages: " + ", ".join(f"{k}({n})" for k, n in p["modules"]))
    lines.append(f"  gc (collections, collected) by generation {p.get('gc')}, counts {p.get('gc_count')}"
                 + (f"; a full collection found {p['after_collect']['found']} objects: pymalloc then "
                    f"{p['after_collect']['pymalloc']['arenas']} arenas, used {p['after_collect']['pymalloc']['used_kb'] / 1024:.1f} MB"
                    if "after_collect" in p else ""))
    if prev and p.get("modules"):
        before = dict(prev.get("modules") or [])
        new = [f"{k}({n})" for k, n in p["modules"] if k not in before]
        if new:
            lines.append("  imported since: " + ", ".join(new))
    if prev:
        old = dict(prev["top_types"])
        grew = sorted(((n - old.get(k, 0), k) for k, n in p["top_types"]), reverse=True)[:8]
        lines.append("  grew: " + ", ".join(f"{k} {d:+d}" for d, k in grew if d))
    return "\n".join("  probe: " + s if i == 0 else s for i, s in enumerate(lines))
