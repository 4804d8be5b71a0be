"""The daemon's memory, black-box: the real daemon (`python -m daemon.app.cli run`, a subprocess) on a
private Dovecot and an SMTP capture, as bench_latency.py runs it. It is fed N messages (half request
letters, half the Kadis's replies to their task mails: "Tolak", which closes the request, and every
25th "Setuju", which leaves it open at the Kabid's step for the timers), then idles through 24
simulated hours: the office clock (the one the jobs, reminders, digests and retention read) is moved
ahead through `LIPUTAN_CLOCK_OFFSET_FILE` (daemon/core/context.py), 24 h in --idle-minutes real
minutes; leases, heartbeats and row stamps keep the wall clock. The mailbox's IDLE is renewed every
10 s and the heartbeat written every 0.5 s, so those loops also turn over many times.

RSS is read from /proc/PID/status (VmRSS) every --sample seconds; the series is printed by phase.
Each sample also reads /proc/PID/smaps_rollup of the daemon and of every process below it (the
forked letter workers of app/procpool.py, the reading process of app/read_ahead.py (forked too;
before, a forkserver, its child and a resource tracker), LibreOffice): RSS, PSS and USS, and the sum of PSS, the honest "the daemon's memory".
Baseline in the same run: a bare python process importing the same libraries (sqlalchemy,
imapclient, aiosmtplib, docxtpl, jinja2, pydantic) and idling, and the daemon itself just after it
started, before any mail.

    python bench/bench_memory.py [-n 10000] [--idle-minutes 10] [--sample 5]
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

if not {"--run-probed", "--run-traced"} & set(sys.argv):  # not in the daemon itself: its memory is measured
    from harness import KADIS, letter, reply  # noqa: E402
    from test_workflow_bodies import BANTAN  # noqa: E402

    from _common import SmtpServer, loadavg  # noqa: E402

    from daemon.devservers.config import OFFICE_MAILBOX, PASSWORD, write_config  # noqa: E402
    from daemon.devservers.dovecot import Dovecot  # noqa: E402
else:
    SmtpServer = object

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
CODE = re.compile(r"\[(LPT-\d{4}-\d+)\]")
BARE = ("import sqlalchemy, sqlalchemy.orm, imapclient, aiosmtplib, docxtpl, jinja2, pydantic, sys, time\n"
        "print('ready', flush=True)\ntime.sleep(3600)\n")


def run_traced(cfg: str, snap_dir: str) -> int:
    """The daemon under tracemalloc (--trace): SIGUSR1 writes a snapshot to snap_dir/N.snap."""
    import signal
    import tracemalloc
    tracemalloc.start(int(os.environ.get("BENCH_TRACE_FRAMES", "8")))
    count = iter(range(10 ** 6))

    def dump(signum, frame) -> None:  # noqa: ANN001, ARG001
        tracemalloc.take_snapshot().dump(f"{snap_dir}/{next(count)}.snap")

    signal.signal(signal.SIGUSR1, dump)
    from daemon.app.cli import main as cli
    return cli(["run", "-c", cfg])


def run_probed(cfg: str, out_dir: str) -> int:
    """The daemon with the memory probe (--probe): SIGUSR2 writes out_dir/probe-N.json."""
    sys.path.insert(0, str(ROOT / "bench"))
    import _memprobe
    _memprobe.install(out_dir)
    from daemon.app.cli import main as cli
    return cli(["run", "-c", cfg])


PROBE: dict = {}


def probe_now(label: str) -> None:
    """With --probe: ask the daemon for its probe and print it beside the last one."""
    if not PROBE:
        return
    import json
    import _memprobe
    n = PROBE["n"]
    PROBE["n"] += 1
    os.kill(PROBE["pid"], signal.SIGUSR2)
    path = PROBE["dir"] / f"probe-{n}.json"
    for _ in range(600):
        if path.exists():
            break
        time.sleep(0.1)
    else:
        print(f"  probe {label}: no answer in 60 s", flush=True)
        return
    p = json.loads(path.read_text())
    print(f"  [{label}] RSS {mb(rss_kb(PROBE['pid']))}\n" + _memprobe.summary(p, PROBE.get("prev")), flush=True)
    PROBE["prev"] = p


def snapshot(pid: int, snap_dir: Path, n: int):  # noqa: ANN201 - a tracemalloc.Snapshot
    """Ask the traced daemon for its n-th snapshot and load it."""
    import tracemalloc
    os.kill(pid, signal.SIGUSR1)
    path = snap_dir / f"{n}.snap"
    for _ in range(600):
        if path.exists():
            time.sleep(1.0)  # written in one go, but give it time to finish
            return tracemalloc.Snapshot.load(str(path))
        time.sleep(0.1)
    raise TimeoutError("no snapshot from the daemon")


def print_diff(label: str, new, old, top: int = 12) -> None:  # noqa: ANN001
    total = sum(st.size for st in new.statistics("filename")) / 2 ** 20
    print(f"\ntracemalloc {label}: Python allocations now {total:.1f} MB; largest growth by line:")
    for st in new.compare_to(old, "lineno")[:top]:
        fr = st.traceback[0]
        print(f"  {st.size_diff / 1024:+9.0f} KB  {st.count_diff:+7d} blocks  {fr.filename}:{fr.lineno}")


def rss_kb(pid: int) -> int:
    """VmRSS of pid in kB (0 when it is gone)."""
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    except OSError:
        pass
    return 0


def hwm_kb(pid: int) -> int:
    for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
        if ln.startswith("VmHWM:"):
            return int(ln.split()[1])
    return 0


def rollup_kb(pid: int) -> dict[str, int]:
    """Rss, Pss and Uss (private clean + dirty) of pid from /proc/PID/smaps_rollup, in kB."""
    out = {"rss": 0, "pss": 0, "uss": 0}
    try:
        for ln in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = ln.partition(":")
            if key in ("Rss", "Pss"):
                out[key.lower()] = int(rest.split()[0])
            elif key in ("Private_Clean", "Private_Dirty"):
                out["uss"] += int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


def descendants(pid: int) -> list[int]:
    """The pids of every process below pid (forked letter workers, the forkserver and its reading
    process, LibreOffice), from /proc/PID/task/*/children."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for t in Path(f"/proc/{p}/task").iterdir()
                    for k in (t / "children").read_text().split()]
        except OSError:
            kids = []
        found += kids
        todo += kids
    return found


def reading_pids(pid: int) -> list[int]:
    """The reading processes of app/read_ahead.py (a retired one may still be finishing its batch
    beside the new one): forked from the daemon and named liputan-read in /proc/PID/comm; before
    that, the children of the daemon's forkserver."""
    out = []
    for kid in descendants(pid):
        try:
            if Path(f"/proc/{kid}/comm").read_text().strip() == "liputan-read":
                out.append(kid)
            elif b"forkserver" in Path(f"/proc/{kid}/cmdline").read_bytes() and \
                    int(Path(f"/proc/{kid}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out += [int(k) for t in Path(f"/proc/{kid}/task").iterdir()
                        for k in (t / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            pass
    return out


def tree_kb(pid: int) -> dict[str, int]:
    """The daemon's memory: its own RSS/PSS/USS, its children's (summed) and the PSS of all, the
    honest total (shared pages counted once, split between the processes that share them)."""
    main = rollup_kb(pid)
    kids = [rollup_kb(k) for k in descendants(pid)]
    reading = [rollup_kb(k) for k in reading_pids(pid)]
    return {"reading_rss": sum(k["rss"] for k in reading), "reading_uss": sum(k["uss"] for k in reading),
            "n_reading": len(reading),"rss": main["rss"], "pss": main["pss"], "uss": main["uss"], "n_children": len(kids),
            "children_rss": sum(k["rss"] for k in kids), "children_pss": sum(k["pss"] for k in kids),
            "children_uss": sum(k["uss"] for k in kids),
            "pss_sum": main["pss"] + sum(k["pss"] for k in kids)}


def children_rss_kb(pid: int) -> int:
    """RSS of the daemon's child processes, summed (shared pages counted in each)."""
    return sum(rollup_kb(k)["rss"] for k in descendants(pid))


class Capture(SmtpServer):
    """SMTP on 127.0.0.1: mail for the office mailbox is APPENDed to its INBOX; the Kadis's task
    mails are kept (to be answered, under `lock`), everything else only counted."""

    def __init__(self, dovecot: Dovecot):
        super().__init__(dovecot)
        self.lock = threading.Lock()
        self.kinds: Counter[str] = Counter()
        self.kadis: dict[str, bytes] = {}  # request code -> its first Kadis task mail
        self.sent = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        rcpts = [r.lower() for r in envelope.rcpt_tos]
        raw = envelope.original_content or envelope.content
        if OFFICE_MAILBOX in rcpts:
            await asyncio.to_thread(self.append, raw)
        head = email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0], policy=email.policy.compat32)
        kind = str(head.get("X-Liputan-Kind", "?"))
        with self.lock:
            self.sent += 1
            self.kinds[kind] += 1
            m = CODE.search(str(head.get("Subject", "")))
            if KADIS in rcpts and kind == "task" and m and m.group(1) not in self.kadis:
                self.kadis[m.group(1)] = raw
        return "250 OK"


class Sampler(threading.Thread):
    """VmRSS of the daemon every `every` seconds, tagged with the phase it was taken in."""

    def __init__(self, pid: int, every: float):
        super().__init__(daemon=True, name="rss")
        self.pid, self.every, self.phase = pid, every, "start"
        self.series: list[tuple[float, str, int]] = []
        self.trees: list[tuple[str, dict[str, int]]] = []  # (phase, tree_kb) every sample
        self.stop = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.stop.is_set():
            self.take()
            self.stop.wait(self.every)

    def take(self) -> int:
        tree = tree_kb(self.pid)
        kb = tree["rss"]
        self.series.append((time.monotonic() - self.t0, self.phase, kb))
        self.trees.append((self.phase, tree))
        return kb

    def tree(self, phase: str, last: int = 3) -> dict[str, float]:
        """The median of each tree figure over the last samples of a phase."""
        rows = [t for p, t in self.trees if p == phase][-last:]
        return {k: statistics.median(r[k] for r in rows) for k in rows[0]} if rows else {}

    def of(self, phase: str) -> list[int]:
        return [kb for _, p, kb in self.series if p == phase]


def request_letter(i: int) -> bytes:
    """A distinct request: own title, sender and start (no two within half an hour, so none is read
    as a repeat letter); events spread over the next 90 days, one an hour 07.00-16.00."""
    title = f"Musrenbang m Nomor {i}"
    d = date(2026, 12, 1) + timedelta(days=(i // 10) % 90)
    hh, mm = 7 + i % 10, 0
    body = BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", title) \
        .replace("Senin, 7 Desember 2026", f"{DAYS[d.weekday()]}, {d.day} {BULAN[d.month]} {d.year}") \
        .replace("09.00 WIB", f"{hh:02d}.{mm:02d} WIB")
    msg = letter(f"unit.m{i}@bengkaliskab.go.id", f"Permohonan peliputan {title}", body)
    return msg.as_bytes(policy=email.policy.SMTP)


def db_counts(db: Path) -> dict[str, int]:
    """What the daemon still has to do, read from its SQLite file (read-only)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {"inbound": q("select count(*) from inbound"),
                "unread": q("select count(*) from inbound where status in ('new', 'waiting')"),
                # (notices held back by the per-address rate limit wait for their hour: not counted)
                "unsent": q("select count(*) from outbox where status in ('waiting', 'sending') or "
                            "(status = 'queued' and next_attempt_at <= datetime('now'))"),
                "held": q("select count(*) from outbox where status = 'queued' "
                          "and next_attempt_at > datetime('now')"),
                "letters_due": q("select count(*) from job where kind = 'render_letter' "
                                 "and state in ('queued', 'running')")}
    finally:
        con.close()


def jobs_done(db: Path) -> Counter[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return Counter(dict(con.execute("select kind, count(*) from job where state = 'done' group by kind")))
    finally:
        con.close()


def done_with(db: Path, inbound: int) -> bool:
    """The daemon has stored every message fed and has nothing left to read, send or render."""
    try:
        c = db_counts(db)
    except sqlite3.Error:
        return False
    return c["inbound"] >= inbound and not (c["unread"] or c["unsent"] or c["letters_due"])


def wait_drained(db: Path, inbound: int, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            c = db_counts(db)
        except sqlite3.Error:
            c = {}
        if c and c["inbound"] >= inbound and not (c["unread"] or c["unsent"] or c["letters_due"]):
            return c
        if time.monotonic() > deadline:
            raise TimeoutError(f"daemon not drained in {timeout:.0f} s: {c}")
        time.sleep(2)


def bare_baseline(seconds: float) -> int:
    """RSS of a bare python that imports the same libraries and idles."""
    p = subprocess.Popen([sys.executable, "-c", BARE], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert p.stdout.readline().strip() == "ready"
        time.sleep(seconds)
        return rss_kb(p.pid)
    finally:
        p.terminate()
        p.wait(10)


def mb(kb: float) -> str:
    return f"{kb / 1024:6.1f} MB"


def brief(pid: int) -> str:
    t = tree_kb(pid)
    return (f"RSS main {mb(t['rss'])}, children {mb(t['children_rss'])} ({t['n_children']}); "
            f"PSS main {mb(t['pss'])}, sum {mb(t['pss_sum'])}; reading RSS/USS "
            f"{t['reading_rss'] / 1024:.1f}/{t['reading_uss'] / 1024:.1f} MB ({t['n_reading']})")


def feed(cap: Capture, db: Path, n: int, chunk: int, sampler: Sampler) -> None:
    """n messages: letters in chunks (the next once the last chunk's Kadis mails are out), and a
    reply to each Kadis task mail as it arrives, until n are in the mailbox."""
    want_letters = (n + 1) // 2
    letters, replies, seen, t0, shown = 0, 0, 0, time.monotonic(), 0.0
    sampler.phase = "feed"
    deadline = time.monotonic() + 300
    while letters + replies < n:
        with cap.lock:
            todo = list(cap.kadis.items())[: n - want_letters - replies]
            for code, _ in todo:
                del cap.kadis[code]
        seen += len(todo)
        batch = []
        for _, raw in todo:
            word = "Setuju" if replies % 25 == 0 else "Tolak"
            task = email.message_from_bytes(raw, policy=email.policy.default)
            batch.append(reply(task, KADIS, word).as_bytes(policy=email.policy.SMTP))
            replies += 1
        stalled = time.monotonic() > deadline - 240  # no task mail for a minute: go on
        if letters < want_letters and (letters - (seen + len(cap.kadis)) < chunk // 2 or stalled):
            k = min(chunk, want_letters - letters)
            batch += [request_letter(i) for i in range(letters, letters + k)]
            letters += k
        if batch:
            cap.append_many(batch)
            deadline = time.monotonic() + 300
        elif time.monotonic() > deadline:
            print(f"  no Kadis task mail for 300 s: {seen} of {letters} letters got one; stopping the feed")
            break
        elif letters == want_letters and time.monotonic() > deadline - 270 and done_with(db, letters + replies):
            # every letter is in and the daemon has nothing left to do: the task mails still missing
            # will not come (a letter read as a repeat, or left waiting for its requester), so
            # waiting out the 300 s measures nothing (it was 300 s of every run)
            print(f"  the daemon is drained and {letters - seen} of {letters} letters got no Kadis task "
                  f"mail; stopping the feed", flush=True)
            break
        else:
            time.sleep(0.5)
        if PROBE and letters + replies >= PROBE.setdefault("next", 1000):
            PROBE["next"] += 1000
            probe_now(f"{letters + replies} in")
        if time.monotonic() - shown >= 15:
            shown = time.monotonic()
            print(f"  {letters + replies:6d} messages in ({letters} letters, {replies} replies) "
                  f"{shown - t0:6.0f} s  {brief(sampler.pid)}", flush=True)
    c = wait_drained(db, letters + replies, 1800)
    print(f"fed {n} messages ({letters} letters, {replies} replies) and drained in "
          f"{time.monotonic() - t0:.0f} s; mails sent {cap.sent}; db {c}", flush=True)


def idle(offset_file: Path, hours: float, minutes: float, sampler: Sampler, cap: Capture) -> None:
    """Move the office clock ahead by `hours` over `minutes` real minutes, printing RSS every 3 h."""
    sampler.phase = "idle"
    t0, span, mark = time.monotonic(), minutes * 60, 0.0
    sent0 = cap.sent
    while True:
        frac = min(1.0, (time.monotonic() - t0) / span)
        offset_file.write_text(f"{frac * hours * 3600:.0f}")
        if frac * hours >= mark:
            print(f"  simulated +{frac * hours:4.1f} h  {brief(sampler.pid)}  mails sent "
                  f"while idling {cap.sent - sent0}", flush=True)
            mark += 3
        if frac >= 1.0:
            return
        time.sleep(1.0)


def series(sampler: Sampler, phase: str, points: int = 12) -> str:
    xs = sampler.of(phase)
    if not xs:
        return "-"
    step = max(1, len(xs) // points)
    picked = xs[::step] + ([xs[-1]] if (len(xs) - 1) % step else [])
    return " ".join(f"{kb / 1024:.0f}" for kb in picked)


def report(sampler: Sampler, bare: int, started: int, after_feed: int, after_idle: int) -> None:
    idle_xs = sampler.of("idle") + sampler.of("after-idle")
    half = len(idle_xs) // 2
    print("\nRSS of the daemon (MB), sampled every "
          f"{sampler.every:.0f} s:")
    for phase in ("start", "feed", "drained", "idle", "after-idle"):
        print(f"  {phase:<11} {series(sampler, phase)}")
    print(f"\nbaseline: bare python importing the same libraries, idle    {mb(bare)}")
    print(f"baseline: the daemon just started, before any mail           {mb(started)}")
    print(f"after the messages (median of the settled samples)          {mb(after_feed)}")
    print(f"after 24 simulated hours idling (median of the last samples) {mb(after_idle)}")
    if half:
        first, second = statistics.median(idle_xs[:half]), statistics.median(idle_xs[half:])
        print(f"idle: first half median {mb(first)}, second half {mb(second)} "
              f"(growth {(second - first) / 1024:+.1f} MB)")
    print(f"peak (VmHWM) {mb(hwm_kb(sampler.pid))}; daemon / bare imports "
          f"{after_idle / bare:.2f}x; target <= 120 MB steady and flat (main RSS): "
          f"{'met' if max(after_feed, after_idle) <= 120 * 1024 and after_idle - after_feed < 5 * 1024 else 'NOT met'}")
    print("\nthe whole daemon (median of the last 3 samples of each phase; kB -> MB):")
    print(f"  {'phase':<11} {'main RSS':>9} {'main PSS':>9} {'main USS':>9} {'children':>8} "
          f"{'ch. RSS':>9} {'ch. PSS':>9} {'ch. USS':>9} {'PSS sum':>9} {'read RSS':>9} {'read USS':>9}")
    for phase in ("start", "drained", "after-idle"):
        t = sampler.tree(phase)
        if t:
            print(f"  {phase:<11} " + " ".join(f"{t[k] / 1024:9.1f}" for k in ("rss", "pss", "uss"))
                  + f" {t['n_children']:8.0f} "
                  + " ".join(f"{t[k] / 1024:9.1f}" for k in ("children_rss", "children_pss", "children_uss", "pss_sum",
                                                              "reading_rss", "reading_uss")))
    if sampler.trees:
        top = max(t["reading_rss"] for _, t in sampler.trees)
        pids = {n for _, t in sampler.trees for n in [t["n_reading"]]}
        print(f"reading process (read_ahead.py): peak RSS {mb(top)} over the samples; "
              f"processes seen at once {max(pids)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=10000, help="messages fed (half letters, half replies)")
    ap.add_argument("--chunk", type=int, default=250, help="letters put in the mailbox at a time")
    ap.add_argument("--idle-hours", type=float, default=24.0, help="simulated hours of idling")
    ap.add_argument("--idle-minutes", type=float, default=10.0, help="real minutes they take")
    ap.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    ap.add_argument("--settle", type=float, default=30.0, help="seconds of quiet before a reading")
    ap.add_argument("--trim-seconds", type=float, default=None,
                    help="[status] trim_seconds for the daemon (default: the daemon's; 0 = no malloc_trim)")
    ap.add_argument("--malloc-arenas", type=int, default=None,
                    help="[status] malloc_arenas for the daemon (default: the daemon's, 2; 0 = glibc's own)")
    ap.add_argument("--idle-workers-seconds", type=float, default=None,
                    help="[jobs] idle_workers_seconds (default: the daemon's, 60; 0 = workers stay)")
    ap.add_argument("--mmap-threshold-kb", type=int, default=128,
                    help="MALLOC_MMAP_THRESHOLD_ for the daemon, as systemd/liputan.service sets it "
                         "(0 = unset: glibc's moving threshold)")
    ap.add_argument("--trace", action="store_true",
                    help="run the daemon under tracemalloc and print what grew between the phases")
    ap.add_argument("--python-malloc", default=None,
                    help="PYTHONMALLOC for the daemon (default: as systemd/liputan.service sets it; "
                         "'pymalloc' = Python's own arenas)")
    ap.add_argument("--probe", action="store_true",
                    help="print what the daemon's memory is made of (glibc malloc, mappings, obmalloc, SQLAlchemy "
                         "compiled caches, SQLite, object counts) at the start, every 1,000 messages and after each phase")
    ap.add_argument("--run-traced", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--run-probed", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_traced:
        raise SystemExit(run_traced(*args.run_traced))
    if args.run_probed:
        raise SystemExit(run_probed(*args.run_probed))
    if args.probe:
        sys.path.insert(0, str(ROOT / "bench"))

    from daemon.paperwork.pdf import default_converter
    conv = default_converter()
    print(f"mode: {'WITH LibreOffice (' + conv.mode + ')' if conv.available() else 'WITHOUT LibreOffice'}; "
          f"nproc {os.cpu_count()}; load {loadavg()}"
          f"{'; under tracemalloc' if args.trace else ''}; [status] trim_seconds "
          f"{'default' if args.trim_seconds is None else args.trim_seconds}; [status] malloc_arenas "
          f"{'default' if args.malloc_arenas is None else args.malloc_arenas}; [jobs] idle_workers_seconds "
          f"{'default' if args.idle_workers_seconds is None else args.idle_workers_seconds}; "
          f"MALLOC_MMAP_THRESHOLD_ {args.mmap_threshold_kb * 1024 or 'unset'}; "
          f"PYTHONMALLOC {args.python_malloc or 'default'}", flush=True)
    bare = bare_baseline(5)
    print(f"baseline: bare python importing the same libraries: {mb(bare)}", flush=True)
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-mem-"))
    os.chmod(base, 0o755)
    dovecot = Dovecot(base / "dovecot", users={OFFICE_MAILBOX: PASSWORD}).start()
    cap = Capture(dovecot).start()
    daemon, sampler, snaps = None, None, []
    offset_file = base / "clock-offset"
    offset_file.write_text("0")
    db = base / "liputan.db"
    try:
        cfg = write_config(base / "liputan.toml", imap_port=dovecot.port, smtp_port=cap.port,
                           database=f"sqlite:///{db}", rules=ROOT / "rules",
                           mailbox={"idle_seconds": 10, "timeout": 30}, smtp={"timeout": 30},
                           extra={"status": {"heartbeat_seconds": 0.5, **(
                               {} if args.trim_seconds is None else {"trim_seconds": args.trim_seconds}), **(
                               {} if args.malloc_arenas is None else {"malloc_arenas": args.malloc_arenas})},
                               **({} if args.idle_workers_seconds is None else
                                  {"jobs": {"idle_workers_seconds": args.idle_workers_seconds}})})
        env = {**os.environ, "LIPUTAN_CLOCK_OFFSET_FILE": str(offset_file)}
        if args.mmap_threshold_kb:
            env["MALLOC_MMAP_THRESHOLD_"] = str(args.mmap_threshold_kb * 1024)
        if args.python_malloc:
            env["PYTHONMALLOC"] = args.python_malloc
        cmd = [sys.executable, "-m", "daemon.app.cli", "run", "-c", str(cfg)]
        if args.trace:
            cmd = [sys.executable, __file__, "--run-traced", str(cfg), str(base)]
        elif args.probe:
            cmd = [sys.executable, __file__, "--run-probed", str(cfg), str(base)]
        log = open(base / "daemon.log", "wb")  # noqa: SIM115 - the daemon writes it until the end
        daemon = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        sampler = Sampler(daemon.pid, args.sample)
        sampler.start()
        for _ in range(1200):  # started: its workers are running
            if b"liputan running" in (base / "daemon.log").read_bytes() or daemon.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(args.settle)
        started = statistics.median(sampler.of("start")[-3:])
        print(f"daemon started: {mb(started)}", flush=True)
        if args.probe:
            PROBE.update(pid=daemon.pid, dir=base, n=0)
            probe_now("started")
        if args.trace:
            snaps.append(snapshot(daemon.pid, base, 0))
        feed(cap, db, args.n, args.chunk, sampler)
        sampler.phase = "drained"
        time.sleep(args.settle)
        after_feed = statistics.median(sampler.of("drained")[-3:])
        print(f"after the messages: {mb(after_feed)}; jobs done {dict(jobs_done(db))}", flush=True)
        probe_now("drained")
        if args.trace:
            snaps.append(snapshot(daemon.pid, base, 1))
            print_diff("after the messages, against the start", snaps[1], snaps[0])
        done0 = jobs_done(db)
        idle(offset_file, args.idle_hours, args.idle_minutes, sampler, cap)
        sampler.phase = "after-idle"
        time.sleep(args.settle)
        after_idle = statistics.median(sampler.of("after-idle")[-3:])
        ran = jobs_done(db) - done0
        probe_now("after the day")
        if args.trace:
            snaps.append(snapshot(daemon.pid, base, 2))
            print_diff("after idling, against after the messages", snaps[2], snaps[1])
        print(f"while idling the timers ran: {dict(ran)}; mails by kind so far {dict(cap.kinds)}")
        if daemon.poll() is not None:
            raise SystemExit(f"the daemon exited ({daemon.returncode}); see {base / 'daemon.log'}")
        report(sampler, bare, started, after_feed, after_idle)
        print(f"child processes (letter workers, reading process, LibreOffice) RSS: {mb(children_rss_kb(daemon.pid))}; "
              f"load {loadavg()}")
    finally:
        if sampler:
            sampler.stop.set()
        if daemon is not None:
            daemon.terminate()
            try:
                daemon.wait(15)
            except subprocess.TimeoutExpired:
                daemon.kill()
        cap.stop()
        dovecot.stop()
        conv.close()
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
