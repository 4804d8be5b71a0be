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
import cProfile
import email.policy
import hashlib
import io
import logging
import os
import pstats
import shutil
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import bare_render  # noqa: E402
import timeline  # before the pool forks: its workers unpickle timeline._timed
from _common import fetch_seconds, loadavg  # noqa: E402
from harness import Office, letter  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from test_workflow_bodies import BANTAN  # noqa: E402

from daemon.app import lanes, procpool, work  # noqa: E402
from daemon.core import db  # noqa: E402
from daemon.core.models import Document, Inbound, Job, Request  # noqa: E402
from daemon.mail import mime  # noqa: E402
from daemon.paperwork import letters, render  # noqa: E402
from daemon.paperwork.pdf import default_converter  # noqa: E402

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
HOURS = ("08.00", "09.00", "10.00", "11.00", "13.00", "14.00", "15.30", "16.30")
# Event days wrap after 1,001 days (the date reader takes years up to three ahead): 8 a day,
# 8,008 distinct times. Two letters at the same time and place are rightly read as one event
# (with 4 a day the 4,005th letter met the 1st, so 996 of 5,000 were repeats).
DAY_SPAN = 1001
UNITS = tuple(f"Camat {k}" for k in ("Bantan", "Bengkalis", "Mandau", "Pinggir", "Bukit Batu",
                                       "Siak Kecil", "Rupat", "Rupat Utara", "Bandar Laksamana",
                                       "Talang Muandau", "Bathin Solapan")) + tuple(
    f"Kepala Dinas {d} Kabupaten Bengkalis" for d in (
        "Pendidikan", "Kesehatan", "Sosial", "Perhubungan", "Pariwisata", "Pertanian",
        "Perikanan", "Koperasi dan UKM", "Lingkungan Hidup", "Pekerjaan Umum dan Penataan Ruang",
        "Kependudukan dan Pencatatan Sipil", "Tenaga Kerja", "Perpustakaan dan Kearsipan",
        "Pemuda dan Olahraga"))


def load() -> str:
    return "load " + loadavg()


def request_letter(i: int) -> bytes:
    """A distinct request: own title, sender, day and hour (none reads as a repeat letter)."""
    d = date(2026, 12, 1) + timedelta(days=i // len(HOURS) % DAY_SPAN)
    day = f"{DAYS[d.weekday()]}, {d.day} {BULAN[d.month]} {d.year}"
    title = f"Musrenbang Desa Nomor {i}"
    body = (BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", title)
            .replace("Senin, 7 Desember 2026", day)
            .replace("09.00 WIB", f"{HOURS[i % len(HOURS)]} WIB"))
    unit = UNITS[i % len(UNITS)]  # a backlog comes from the office's many units, not one
    body = body.replace("\nCamat Bantan\n", f"\n{unit}\n")
    msg = letter(f"unit{i % len(UNITS)}@bengkaliskab.go.id", f"Permohonan peliputan {title}", body)
    return msg.as_bytes(policy=email.policy.SMTP)


def store(office: Office, raws: list[bytes]) -> None:
    """Like harness Office.deliver (raw file + inbound row), without settling."""
    folder = office.folder / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    with db.transaction(office.factory) as s:
        for uid, raw in enumerate(raws, 1):
            msg = mime.parse(raw)
            digest = hashlib.sha256(raw).hexdigest()
            path = folder / f"{digest}.eml"
            path.write_bytes(raw)
            s.add(Inbound(message_id=mime.header(msg, "Message-ID"), folder="INBOX", uidvalidity=1,
                          uid=uid, raw_path=str(path), sha256=digest, size=len(raw),
                          from_addr=mime.address(msg)[1], subject=mime.header(msg, "Subject")))


def count(office: Office, model, *where) -> int:
    with office.factory() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def imap_baseline(raws: list[bytes], folder: Path) -> float | None:
    """Seconds for a raw imapclient SELECT + SEARCH + FETCH of every body (None: no Dovecot)."""
    from daemon.devservers.dovecot import Dovecot
    user = "liputan@bengkaliskab.go.id"
    try:
        dovecot = Dovecot(folder, users={user: "rahasia"}).start()
    except RuntimeError as exc:
        print(f"(IMAP baseline skipped: {exc})")
        return None
    try:
        dovecot.append_many(user, "INBOX", raws)
        return fetch_seconds(dovecot, user, len(raws))
    finally:
        dovecot.stop()


def top(profile: cProfile.Profile, n: int = 25) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(n)
    print("\n".join(ln.replace(str(ROOT) + "/", "") for ln in out.getvalue().splitlines()[:n + 12]))
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(r"/daemon/", n)
    print("\n".join(ln.replace(str(ROOT) + "/", "") for ln in out.getvalue().splitlines()[:n + 12]))


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
    tl = instrument(office, args)
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


class SqlCount:
    """SQL statements (before_cursor_execute), flushes and transactions of the job runner's run."""

    def __init__(self, engine, shapes: bool) -> None:  # noqa: ANN001
        self.engine, self.shapes = engine, shapes
        self.n = {"statements": 0, "flushes": 0, "commits": 0, "savepoints": 0}
        self.seen: dict[str, int] = {}
        self.hooks = [(engine, "before_cursor_execute", self._statement),
                      (engine, "commit", lambda *_a: self._bump("commits")),
                      (engine, "savepoint", lambda *_a: self._bump("savepoints")),
                      (Session, "after_flush", lambda *_a: self._bump("flushes"))]
        for target, name, fn in self.hooks:
            event.listen(target, name, fn)

    def _bump(self, what: str) -> None:
        self.n[what] += 1

    def _statement(self, _conn, _cursor, statement: str, *_a) -> None:  # noqa: ANN001
        self.n["statements"] += 1
        if self.shapes:
            shape = " ".join(statement.split())[:150]
            self.seen[shape] = self.seen.get(shape, 0) + 1

    def stop(self) -> None:
        for target, name, fn in self.hooks:
            event.remove(target, name, fn)

    def report(self, per: float, top_n: int) -> None:
        print("  per letter: " + ", ".join(f"{v * per:.1f} {k}" for k, v in self.n.items())
              + " (the daemon process: claims, the engine, completions)")
        for shape, k in sorted(self.seen.items(), key=lambda kv: -kv[1])[:top_n]:
            print(f"    {k * per:5.2f}  {shape}")


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


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-backlog-"))
    os.chmod(base, 0o755)
    try:
        run(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run(base: Path) -> None:
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
    args = ap.parse_args()
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
    # ---- the job runner alone ----------------------------------------------------------------
    cold = None
    if pdf:
        t = time.perf_counter()
        conv.warm()
        cold = time.perf_counter() - t
    office.ctx.cfg.jobs.render_processes = args.processes
    tl = instrument(office, args)
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
    if workers > 1:
        pids_after = procpool.shared(workers).pids()
        workers_s = bare_render.cpu_of(pids_after) - workers0 if pids_after == pids else None
    with office.factory() as s:
        done = s.scalar(select(func.count()).select_from(Job).where(Job.kind == "render_letter",
                                                                     Job.state == "done"))
        payload = s.scalars(select(Job.payload).where(Job.kind == "render_letter")).first()
        docs = s.scalar(select(func.count()).select_from(Document))
    pdfs = len(list(office.folder.rglob("*.pdf")))
    print(f"job runner alone: {done}/{ran} render jobs in {jobs_s:.2f} s = {done / jobs_s:6.1f} letters/s "
          f"on {workers} worker process(es) ([jobs] render_processes) ({pdfs} PDF copies"
          f"{f'; LibreOffice warmed first in {cold:.1f} s' if cold else ''}; {docs} documents)   {load()}")
    per = 1000 / max(done, 1)
    if workers > 1:
        print(f"  CPU per letter: daemon process {parent_s * per:.1f} ms (claims, entering the step, "
              f"completions, mail), worker processes "
              f"{f'{workers_s * per:.1f} ms' if workers_s is not None else 'unknown (a worker was replaced)'}")
    else:
        print(f"  CPU per letter: daemon process {parent_s * per:.1f} ms (rendering included)")
    sql.report(per / 1000, args.sql)
    if tl is not None:
        tl.report(workers)

    # ---- baseline: bare docxtpl render + save of the same template and context -----------------
    template = letters.template_path(payload["template"])
    ctx = render.decode(payload["context"])
    one, _, one_cpu = bare_render.rate(template, ctx, base / "bare1", args.bare, 1)
    print(f"baseline: bare DocxTemplate({template.name}).render + save, one process: {one:6.1f} docs/s, "
          f"{one_cpu:.1f} ms CPU per doc   {load()}")
    many, many_cpu = one, one_cpu
    if workers > 1:
        many, _, many_cpu = bare_render.rate(template, ctx, base / "bare2", args.bare, workers)
        print(f"baseline: the same loop on {workers} processes at once: {many:6.1f} docs/s, "
              f"{many_cpu:.1f} ms CPU per doc   {load()}")
    if prof:
        print("job runner profile:")
        prof.dump_stats(args.profile + ".jobs")
        top(prof)
    print(f"job runner / bare docxtpl on {workers} process(es): {done / jobs_s / many:.2f} (target >= 0.8)"
          f"; / bare on one: {done / jobs_s / one:.2f}")
    if workers > 1 and workers_s is not None:
        # the same ratio from CPU seconds alone (what the letters cost, not what the other
        # programs on a shared machine left us): both cores' worth spent on letters vs bare docs
        cost = (parent_s + workers_s) * per
        print(f"  by CPU (load-independent): {cost:.1f} ms per letter (daemon + workers) vs "
              f"{many_cpu:.1f} ms per bare doc: {many_cpu / cost:.2f} of the bare rate "
              f"when {min(workers, os.cpu_count() or 1)} cores are all ours")
    conv.close()
    procpool.close_shared()


if __name__ == "__main__":
    main()
