"""Issue 13's backlog: N waiting messages processed to completion, in two waves on a private
Dovecot: N/2 request letters (from 25 units), then the Kepala Dinas's replies ("Setuju", as
Gmail, Outlook and an iPhone quote) to the N/2 disposition mails those letters produced.
Each wave is stored by the mailbox worker, read and committed by the dispatcher, its messages
filed, and its letters rendered by the job runner (its `[jobs] render_processes` workers), all
in this process, one stage after the other (as bench_backlog.py does).

Printed: the intake rate (messages stored, read, state committed, filed) beside a raw imapclient
SELECT + FETCH of the same mailbox; the rate of outgoing mail with letters (mail released to
the outbox once its letter is rendered) beside a bare docxtpl render + save loop of the same
template and context on as many processes (and on one).

    python bench/bench_office_backlog.py [-n 10000] [--processes 0] [--bare 100]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import bare_render  # noqa: E402
from _common import fetch_seconds, loadavg  # noqa: E402
from backlog_input import request_letter  # noqa: E402
from harness import KABID, KADIS, Office, reply  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from daemon.app import procpool, work  # noqa: E402
from daemon.core.config import load_config  # noqa: E402
from daemon.core.models import Inbound, Job, Outbox, Request  # noqa: E402
from daemon.devservers.config import write_config  # noqa: E402
from daemon.devservers.dovecot import Dovecot  # noqa: E402
from daemon.mail import mime  # noqa: E402
from daemon.mail.mailbox import MailboxWorker  # noqa: E402
from daemon.paperwork import letters, render  # noqa: E402
from daemon.paperwork.pdf import default_converter  # noqa: E402

USER = "liputan@bengkaliskab.go.id"
STYLES = ("gmail", "outlook", "iphone")


def load() -> str:
    return "load " + loadavg(1)


def count(office: Office, model, *where) -> int:
    with office.factory() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def with_letters(office: Office, to: str | None = None) -> list[int]:
    """Outbox ids of mail that waited for its letters and went out with them (queued to send)."""
    with office.factory() as s:
        rows = s.execute(select(Outbox.id, Outbox.recipients, Outbox.waits_on)
                         .where(Outbox.status.in_(("queued", "sent")))).all()
    return [r.id for r in rows if r.waits_on and (to is None or to in r.recipients)]


def timed(fn) -> tuple[int, float]:
    """Call fn until it does nothing more; (its total, seconds)."""
    t0, total = time.perf_counter(), 0
    while done := fn():
        total += done
    return total, time.perf_counter() - t0


def wave(name: str, office: Office, dovecot: Dovecot, worker: MailboxWorker, raws: list[bytes]) -> dict:
    """Append the wave, FETCH it raw (baseline), then store, read and commit, file, render."""
    dovecot.append_many(USER, "INBOX", raws)
    fetch_s = fetch_seconds(dovecot, USER, len(raws))
    letters_before = count(office, Job, Job.kind == work.RENDER, Job.state == "done")
    mails_before = len(with_letters(office))
    stored, store_s = timed(worker.fetch_new)
    handled, dispatch_s = timed(office.dispatcher.run_once)
    filed, file_s = timed(worker.file_handled)
    pids = procpool.shared(office.jobs.parallel).pids() if office.jobs.parallel > 1 else []
    cpu0, wcpu0 = time.process_time(), bare_render.cpu_of(pids)
    ran, jobs_s = timed(office.jobs.run_once)
    cpu, wcpu = time.process_time() - cpu0, bare_render.cpu_of(pids) - wcpu0
    leftover = count(office, Inbound, Inbound.status.notin_(("done", "ignored")))
    rendered = count(office, Job, Job.kind == work.RENDER, Job.state == "done") - letters_before
    released = len(with_letters(office)) - mails_before
    intake_s = store_s + dispatch_s + file_s
    n = len(raws)
    print(f"{name}: {n} messages; raw FETCH {fetch_s:.2f} s = {n / fetch_s:7.0f} msg/s | stored {stored} in "
          f"{store_s:.2f} s, read+committed {handled} in {dispatch_s:.2f} s, filed {filed} in {file_s:.2f} s: "
          f"intake {n / intake_s:6.1f} msg/s ({leftover} not done)   {load()}")
    print(f"{name}: job runner: {ran} jobs, {rendered} letters, {released} mails with letters released in "
          f"{jobs_s:.2f} s = {released / jobs_s:6.1f} mails/s, {rendered / jobs_s:6.1f} letters/s; CPU per letter "
          f"{cpu / rendered * 1000:.0f} ms in the daemon's process + {wcpu / rendered * 1000:.0f} ms in its "
          f"workers   {load()}")
    return {"n": n, "fetch": fetch_s, "intake": intake_s, "jobs": jobs_s, "letters": rendered,
            "mails": released, "cpu": cpu, "wcpu": wcpu}


def replies_to_kadis(office: Office, k: int) -> list[bytes]:
    """The Kepala Dinas approves each disposition mail he was sent (quoted as his client does)."""
    ids = with_letters(office, KADIS)
    with office.factory() as s:
        rows = s.scalars(select(Outbox.raw).where(Outbox.id.in_(ids)).order_by(Outbox.id)).all()
    tasks = list(map(mime.parse, rows))
    assert len(tasks) == k, f"{len(tasks)} disposition mails to the Kadis, expected {k}"
    return [reply(m, KADIS, "Setuju.", style=STYLES[i % len(STYLES)], display="Kepala Dinas")
            .as_bytes() for i, m in enumerate(tasks)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=10_000, help="messages in all: half letters, half replies")
    ap.add_argument("--processes", type=int, default=0, help="[jobs] render_processes (0: min(2, CPUs))")
    ap.add_argument("--bare", type=int, default=100, help="bare docxtpl renders per process (baseline)")
    ap.add_argument("--verbose", action="store_true", help="log each job's time")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(relativeCreated)d %(threadName)s %(name)s %(message)s")
    if args.verbose:
        logging.getLogger("daemon.app.jobrunner").setLevel(logging.INFO)
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-office-"))
    os.chmod(base, 0o755)
    try:
        with Dovecot(base / "dovecot", users={USER: "rahasia"}) as dovecot:
            run(args, base, dovecot)
    finally:
        procpool.close_shared()
        default_converter().close()
        shutil.rmtree(base, ignore_errors=True)


def run(args: argparse.Namespace, base: Path, dovecot: Dovecot) -> None:
    conv = default_converter()
    print(f"mode: {'WITH LibreOffice (' + str(conv.mode) + ')' if conv.available() else 'WITHOUT LibreOffice'}; "
          f"{os.cpu_count()} CPUs")
    (base / "office").mkdir()
    office = Office(base / "office")
    office.ctx.cfg.jobs.render_processes = args.processes
    office.jobs = work.runner(office.ctx, office.factory, "bench")
    workers = office.jobs.parallel
    if workers > 1:
        procpool.shared(workers).warm()
    if conv.available():
        conv.warm()
    cfg = load_config(write_config(base / "mailbox.toml", imap_port=dovecot.port, smtp_port=25,
                                   database=office.database, rules=ROOT / "rules", user=USER))
    worker = MailboxWorker(cfg, office.factory, base / "office" / "raw")
    worker.connect()
    k = args.n // 2
    t0 = time.perf_counter()
    first = wave("letters", office, dovecot, worker, [request_letter(i) for i in range(k)])
    second = wave("replies", office, dovecot, worker, replies_to_kadis(office, k))
    worker.close()
    total_s = time.perf_counter() - t0
    with office.factory() as s:
        steps = dict(s.execute(select(Request.step, func.count()).group_by(Request.step)).all())
        payload = s.scalars(select(Job.payload).where(Job.kind == work.RENDER)).first()
    at_kabid = len(with_letters(office, KABID))
    print(f"completion: {count(office, Request)} requests, by step {steps}; "
          f"inbound not done: {count(office, Inbound, Inbound.status.notin_(('done', 'ignored')))}; "
          f"jobs due left: {count(office, Job, Job.state.in_(('queued', 'running')), Job.kind == work.RENDER)}"
          f"; disposition mails with letters to the Kabid {at_kabid} (expected {k}); wall {total_s:.0f} s")
    n, fetch = first["n"] + second["n"], first["fetch"] + second["fetch"]
    intake = first["intake"] + second["intake"]
    jobs_s, mails, rendered = first["jobs"] + second["jobs"], first["mails"] + second["mails"], \
        first["letters"] + second["letters"]
    template = letters.template_path(payload["template"])
    ctx = render.decode(payload["context"])
    one, _, one_cpu = bare_render.rate(template, ctx, base / "bare1", args.bare, 1)
    many = bare_render.rate(template, ctx, base / "bare2", args.bare, workers)[0] if workers > 1 else one
    cpu, wcpu = first["cpu"] + second["cpu"], first["wcpu"] + second["wcpu"]
    print(f"intake: {n} messages in {intake:.1f} s = {n / intake:.1f} msg/s (target >= 300/s); "
          f"baseline raw imapclient FETCH of the same mailbox: {n / fetch:.0f} msg/s")
    print(f"outgoing mail with letters: {mails} mails ({rendered} letters) in {jobs_s:.1f} s = "
          f"{mails / jobs_s:.1f} mails/s, {rendered / jobs_s:.1f} letters/s on {workers} worker process(es); "
          f"baseline bare DocxTemplate({template.name}).render + save on {workers} process(es): {many:.1f} "
          f"docs/s (one process: {one:.1f}); ratio {mails / jobs_s / many:.2f} (target >= 0.8)   {load()}")
    print(f"CPU per letter: {cpu / rendered * 1000:.0f} ms in the daemon's process (claims, the engine, "
          f"the mail built) + {wcpu / rendered * 1000:.0f} ms in the render workers; bare docxtpl "
          f"{one_cpu:.0f} ms per doc")


if __name__ == "__main__":
    main()
