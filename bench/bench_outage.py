"""How long after a mail server is back the backlog is caught up, beside the same backlog with
the server up, in the same run: the real daemon (`python -m daemon.app.cli run`) on a private
Dovecot and SMTP capture (the harness of tests/integration/test_outage_mail.py).

- IMAP: K request letters reach the mail store while Dovecot is stopped for OUTAGE seconds; from
  its restart to every letter stored, read, recorded and its mail (acknowledgement, the Kadis's
  task with its lembar disposisi) sent. Baseline: K letters appended while it runs.
- SMTP: K letters arrive while the SMTP server is stopped; once their mail waits in the outbox,
  the server starts again; from then to every waiting mail sent. Baseline: K letters with the
  server up, from their arrival to their mail sent.

The pause between retries is the shipped default (`retry_max_seconds` 30) unless --retry-max.

    python bench/bench_outage.py [--letters 10] [--outage 20] [--retry-max 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "integration")]

from sqlalchemy import func, select  # noqa: E402
from test_crash import RUNNING  # noqa: E402
from test_outage_mail import PASSWORD, USER, Run  # noqa: E402

from daemon.core.models import Outbox  # noqa: E402
from daemon.devservers import free_port  # noqa: E402
from daemon.devservers.dovecot import Dovecot  # noqa: E402
from daemon.devservers.smtp import SmtpCapture  # noqa: E402


def waiting(run: Run) -> int:
    with run.factory() as s:
        return s.scalar(select(func.count()).select_from(Outbox)
                        .where(Outbox.status.in_(("queued", "sending"))))


def one(kind: str, root: Path, letters: int, outage: float, retry_max: float) -> tuple[float, float]:
    """(baseline, after the outage) seconds for `letters` letters."""
    base = root / kind
    (base / "srv").mkdir(parents=True)
    os.chmod(base / "srv", 0o755)
    dovecot = Dovecot(base / "srv" / "dovecot", users={USER: PASSWORD}).start()
    smtp = SmtpCapture(port=free_port(), maildir_path=base / "smtp").start()
    run = Run(base, dovecot, smtp, letters=2 * letters, retry_max=retry_max)
    try:
        run.pump(60, lambda: RUNNING in run.log_path.read_text(), answer=False)
        run.pump(30, lambda: run.status()["mailbox"]["state"] == "connected", answer=False)
        t0 = time.monotonic()
        run.office.send_letters(letters)
        baseline, _ = run.backlog(t0)
        if kind == "imap":
            dovecot.stop()
            run.office.down = True
            run.office.send_letters(letters)
            run.pump(outage, answer=False)
            dovecot.start()
            run.office.down = False
        else:
            smtp.stop()
            run.office.send_letters(letters)
            down = time.monotonic()
            run.pump(120, lambda: waiting(run) >= 2 * letters, answer=False)  # an ack and a task each
            run.pump(max(0.0, outage - (time.monotonic() - down)), answer=False)
            smtp.start()
        back = time.monotonic()
        after, _ = run.backlog(back)
        return baseline, after
    finally:
        run.stop()
        smtp.stop()
        dovecot.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=10)
    ap.add_argument("--outage", type=float, default=20.0)
    ap.add_argument("--retry-max", type=float, default=30.0)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="liputan-bench-outage-"))
    os.chmod(root, 0o755)
    try:
        for kind in ("imap", "smtp"):
            baseline, after = one(kind, root, args.letters, args.outage, args.retry_max)
            print(f"{kind.upper()} down {args.outage:.0f} s, {args.letters} letters meanwhile: caught up "
                  f"{after:.1f} s after the server is back (retry_max_seconds = {args.retry_max:g}); "
                  f"baseline, the same letters with the server up: {baseline:.1f} s", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
