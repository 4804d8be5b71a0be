"""Takeover time of the office lease (daemon/mail/mailbox_lock.py) on a private PostgreSQL: how long
after its holder dies (SIGKILL of the holding process) or goes silent (its TCP route to the
database blackholed: no FIN, no RST) a standby can take it, and when the silent holder itself
lets go. Beside it, the baseline measured in the same run: the plain session advisory lock this
project used before (no idle_session_timeout), on the same two failures. A daemon's standby adds
up to `[ha] check_seconds` (2 s) to these figures, as it tries every check_seconds.

    python bench/bench_takeover.py [--lease 15] [--baseline-wait 60]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from blackhole import BlackholeProxy  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from daemon.core.db import make_engine  # noqa: E402
from daemon.devservers.postgres import Postgres  # noqa: E402
from daemon.mail.mailbox_lock import MailboxLock, lock_key  # noqa: E402

KEY = lock_key("127.0.0.1", 143, "liputan@bengkaliskab.go.id", "INBOX")
HOLDER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from sqlalchemy import text
from daemon.core.db import make_engine
from daemon.mail.mailbox_lock import MailboxLock
engine = make_engine(sys.argv[2])
if sys.argv[4] == "lease":
    ok = MailboxLock(engine, int(sys.argv[3]), ttl=float(sys.argv[5])).acquire()
else:
    from sqlalchemy import create_engine
    conn = create_engine(sys.argv[2]).connect().execution_options(isolation_level="AUTOCOMMIT")
    ok = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": int(sys.argv[3])}).scalar()
print("held" if ok else "refused", flush=True)
time.sleep(3600)
"""


class PlainLock:
    """The baseline: the advisory lock on an AUTOCOMMIT connection of a plain engine (no server
    timeouts), as the mailbox lock was before the lease."""

    def __init__(self, engine):
        self.engine, self.conn = create_engine(engine.url), None

    def acquire(self) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": KEY}).scalar():
            self.conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self.conn is not None:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": KEY})
            self.conn.close()


def free_after(standby, limit: float, since: float) -> float | None:
    """Seconds from `since` until the standby got the lock, polling every 0.05 s; None: not in `limit`."""
    while time.monotonic() - since < limit:
        if standby.acquire():
            return time.monotonic() - since
        time.sleep(0.05)
    return None


def killed(url: str, kind: str, lease: float, limit: float) -> float | None:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(ROOT), url, str(KEY), kind, str(lease)],
                             stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        if child.stdout.readline().strip() != "held":
            raise SystemExit("the holder could not take the lock")
        engine = make_engine(url)
        standby = MailboxLock(engine, KEY, ttl=lease) if kind == "lease" else PlainLock(engine)
        os.killpg(child.pid, signal.SIGKILL)
        t = free_after(standby, limit, time.monotonic())
        standby.release()
        engine.dispose()
        return t
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def cut(pg: Postgres, url: str, kind: str, lease: float, limit: float) -> tuple[float | None, float | None]:
    """(holder let go after, standby took it after), both from the cut."""
    proxy = BlackholeProxy(pg.port)
    engines = [make_engine(url.replace(f":{pg.port}/", f":{proxy.port}/")), make_engine(url)]
    lost: list[float] = []
    if kind == "lease":
        holder, standby = (MailboxLock(e, KEY, ttl=lease) for e in engines)
        holder.on_lost(lambda: lost.append(time.monotonic()))
    else:
        holder, standby = PlainLock(engines[0]), PlainLock(engines[1])
    try:
        assert holder.acquire() and not standby.acquire()
        time.sleep(3)  # a renewal or two
        proxy.cut()
        start = time.monotonic()
        taken = free_after(standby, limit, start)
        standby.release()
        return (lost[0] - start if lost else None), taken
    finally:
        proxy.close()
        for e in engines:
            e.dispose(close=False)


def show(t: float | None, limit: float) -> str:
    return f"{t:6.2f} s" if t is not None else f"> {limit:.0f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lease", type=float, default=15.0, help="[ha] lease_seconds (default 15)")
    ap.add_argument("--baseline-wait", type=float, default=60.0,
                    help="how long to wait for the baseline's lock after the cut (default 60 s)")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-"))
    os.chmod(base, 0o755)
    with Postgres(base / "pg") as pg:
        url = pg.url("postgres")
        kill_lease, kill_plain = killed(url, "lease", args.lease, 30), killed(url, "plain", args.lease, 30)
        lease_let_go, lease_cut = cut(pg, url, "lease", args.lease, args.lease + 15)
        _, plain_cut = cut(pg, url, "plain", args.lease, args.baseline_wait)
    shutil.rmtree(base, ignore_errors=True)
    print(f"lease {args.lease:.0f} s; baseline: the plain advisory lock (before [ha])")
    print(f"{'':44} {'lease':>10} {'baseline':>10}")
    print(f"{'holder SIGKILLed: standby can take it after':44} {show(kill_lease, 30):>10} {show(kill_plain, 30):>10}")
    print(f"{'route cut: standby can take it after':44} {show(lease_cut, args.lease + 15):>10} "
          f"{show(plain_cut, args.baseline_wait):>10}")
    print(f"{'route cut: the old holder lets go after':44} {show(lease_let_go, args.lease + 15):>10} {'never':>10}")

if __name__ == "__main__":
    main()
