"""OCR off the mail path: how long the dispatcher's transaction (SQLite BEGIN IMMEDIATE, i.e. the
write lock) lasts for a scanned letter with OCR inline (before) and with OCR as a job (after), next
to the bare Tesseract time of the same scan; and how long a text letter queued behind N scanned
letters waits for the dispatcher, both ways.

    source /tmp/nolo.env; python bench/bench_ocr_path.py [--repeat 3] [--backlog 3]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from harness import Office, letter  # noqa: E402
from sqlalchemy import select  # noqa: E402
from test_workflow_bodies import BANTAN  # noqa: E402

from daemon.app import ocr_jobs  # noqa: E402
from daemon.app.dispatcher import Dispatcher  # noqa: E402
from daemon.core import jobs  # noqa: E402
from daemon.core.models import Inbound, Request  # noqa: E402
from daemon.mail import mime  # noqa: E402
from daemon.reading import documents  # noqa: E402

SCANNED = ROOT / "tests" / "data" / "requests" / "05_bantan_scanned_pdf.eml"


def office(defer: bool) -> Office:
    o = Office(Path(tempfile.mkdtemp(prefix="bench-ocr-")))
    o.dispatcher = Dispatcher(o.ctx, o.factory, defer_ocr=defer)
    return o


def transaction(o: Office) -> tuple[float, str]:
    """Claim the next new message and time its one dispatcher transaction."""
    inbound_id = o.dispatcher._next()
    assert inbound_id is not None, "nothing to dispatch"
    t = time.perf_counter()
    o.dispatcher.handle_id(inbound_id)
    seconds = time.perf_counter() - t
    with o.factory() as s:
        return seconds, s.get(Inbound, inbound_id).status


def run_ocr_jobs(o: Office) -> float:
    """Run the queued OCR jobs only (not the letters), as the job runner would; seconds taken."""
    t = time.perf_counter()
    while (job := jobs.claim(o.factory, o.jobs.holder, kinds=[ocr_jobs.KIND], now=o.clock())) is not None:
        o.jobs.run_job(job)
    return time.perf_counter() - t


def bare_tesseract() -> tuple[float, float]:
    """(pdf2image render, pytesseract on the rendered pages) of the scan, in seconds."""
    from pdf2image import convert_from_bytes

    (att,) = mime.attachments(mime.parse(SCANNED.read_bytes()))
    t = time.perf_counter()
    images = convert_from_bytes(att.data, dpi=documents.OCR_DPI, last_page=documents.MAX_PAGES)
    render = time.perf_counter() - t
    t = time.perf_counter()
    for img in images:
        documents.ocr_image(img)
    return render, time.perf_counter() - t


def before() -> float:
    o = office(defer=False)
    o.store(SCANNED.read_bytes())
    seconds, status = transaction(o)
    assert status == "done", status
    return seconds


def after() -> tuple[float, float, float]:
    """(first transaction: queue the job, the job outside any transaction, second transaction)."""
    o = office(defer=True)
    o.store(SCANNED.read_bytes())
    first, status = transaction(o)
    assert status == "waiting", status
    job = run_ocr_jobs(o)
    second, status = transaction(o)
    assert status == "done", status
    with o.factory() as s:
        assert s.scalars(select(Request)).first().event_start is not None
    return first, job, second


def copy_of(raw: bytes, n: int) -> bytes:
    msg = email.message_from_bytes(raw, policy=email.policy.SMTP)
    del msg["Message-ID"]
    msg["Message-ID"] = f"<bench-scan-{n}@bengkaliskab.go.id>"
    return msg.as_bytes()


def text_behind_scans(defer: bool, backlog: int) -> float:
    """Seconds from the dispatcher's start until the text letter queued behind `backlog` scanned
    letters is a request (the dispatcher alone; in the service the job runner runs beside it)."""
    o = office(defer)
    raw = SCANNED.read_bytes()
    for n in range(backlog):
        o.store(copy_of(raw, n))
    o.store(letter("dinkes@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN, display="Dinas Kesehatan"))
    t = time.perf_counter()
    while (inbound_id := o.dispatcher._next()) is not None:
        o.dispatcher.handle_id(inbound_id)
        with o.factory() as s:
            if s.scalars(select(Request).where(Request.requester_email == "dinkes@bengkaliskab.go.id")).first():
                return time.perf_counter() - t
    raise AssertionError("the text letter was never handled")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backlog", type=int, default=3)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    med = statistics.median
    bare, old, new = [], [], []
    for _ in range(args.repeat):  # interleaved, so a busy machine weighs on all three alike
        bare.append(bare_tesseract())
        old.append(before())
        new.append(after())
    render, tess = zip(*bare)
    first, job, second = (med(x) for x in zip(*new))
    print(f"scanned letter {SCANNED.name}, median of {args.repeat} runs "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"  baseline: pdf2image render {med(render):6.3f} s + bare pytesseract {med(tess):6.3f} s")
    print(f"  before:   dispatcher transaction (OCR inline)          {med(old):6.3f} s")
    print(f"  after:    dispatcher transaction 1 (queue ocr job)     {first:6.3f} s")
    print(f"            ocr job, outside any transaction             {job:6.3f} s")
    print(f"            dispatcher transaction 2 (OCR cache hit)     {second:6.3f} s")
    print(f"  write lock held per scanned letter: {med(old):.3f} s -> {first + second:.3f} s "
          f"({med(old) / (first + second):.0f}x less)")
    if args.backlog:
        slow, fast = text_behind_scans(False, args.backlog), text_behind_scans(True, args.backlog)
        print(f"text letter behind {args.backlog} scanned letters, until it is a request: "
              f"before {slow:6.3f} s, after {fast:6.3f} s")


if __name__ == "__main__":
    main()
