"""Intake speed: MailboxWorker storing N messages vs. a raw imapclient FETCH of the same bodies."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import fetch_seconds  # noqa: E402

from daemon.core.config import Config, load_config  # noqa: E402
from daemon.core.db import make_engine, sessions, upgrade  # noqa: E402
from daemon.core.models import Inbound  # noqa: E402
from daemon.devservers.config import write_config  # noqa: E402
from daemon.devservers.dovecot import Dovecot  # noqa: E402
from daemon.devservers.postgres import Postgres  # noqa: E402
from daemon.mail.mailbox import MailboxWorker  # noqa: E402

USER, PASSWORD = "liputan@bengkaliskab.go.id", "rahasia"



def message(n: int) -> bytes:
    body = "Mohon kiranya Diskominfotik berkenan meliput kegiatan kami.\r\n" * 20
    return (f"From: Kantor Camat <camat{n % 13}@bengkaliskab.go.id>\r\n"
            f"To: {USER}\r\nSubject: Permohonan peliputan kegiatan {n}\r\n"
            f"Message-ID: <bench-{n}@bengkaliskab.go.id>\r\n"
            f"Date: Mon, 30 Nov 2026 08:00:00 +0700\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()


def intake(cfg: Config, raw_dir: Path, expected: int) -> float:
    engine = make_engine(cfg.paths.database)
    upgrade(engine)
    factory = sessions(engine)
    worker = MailboxWorker(cfg, factory, raw_dir)
    worker.connect()
    t0 = time.perf_counter()
    stored = worker.fetch_new()
    elapsed = time.perf_counter() - t0
    worker.close()
    with factory() as s:
        rows = s.scalar(select(func.count()).select_from(Inbound))
    engine.dispose()
    if stored != expected or rows != expected:
        raise SystemExit(f"stored {stored} (rows {rows}), expected {expected}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--messages", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    base = Path(tempfile.mkdtemp(prefix="liputan-bench-"))
    os.chmod(base, 0o755)
    pg = Postgres(base / "pg", durable=True) if args.db == "postgresql" else None
    with Dovecot(base / "dovecot", users={USER: PASSWORD}) as dovecot:
        raws = [message(i) for i in range(args.messages)]
        t0 = time.perf_counter()
        dovecot.append_many(USER, "INBOX", raws)
        append_s = time.perf_counter() - t0
        db_url = pg.start().url() if pg else f"sqlite:///{base / 'liputan.db'}"
        try:
            cfg = load_config(write_config(base / "liputan.toml", imap_port=dovecot.port, smtp_port=25,
                                           database=db_url, rules=ROOT / "rules", user=USER))
            fetch_s = fetch_seconds(dovecot, USER)
            store_s = intake(cfg, base / "raw", args.messages)
        finally:
            if pg:
                pg.stop()
    n = args.messages
    size = sum(map(len, raws)) / n
    print(f"messages: {n} of ~{size:.0f} bytes, database: {args.db}")
    print(f"APPEND (setup)                      {append_s:7.2f} s  {n / append_s:9.0f} msg/s")
    print(f"baseline: raw imapclient FETCH      {fetch_s:7.2f} s  {n / fetch_s:9.0f} msg/s")
    print(f"MailboxWorker (fetch+fsync+insert)  {store_s:7.2f} s  {n / store_s:9.0f} msg/s"
          f"  ({store_s / fetch_s:.1f}x baseline)")


if __name__ == "__main__":
    main()
