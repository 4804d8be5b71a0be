"""`python -m daemon.core.migrate`: the database URL on stdin is brought to the newest revision
(db.upgrade, Alembic loaded in this short process only); prints "changed" or "current"."""

from __future__ import annotations

import logging
import sys


def main() -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    from daemon.core import db
    engine = db.make_engine(sys.stdin.read().strip())
    try:
        print("changed" if db.upgrade(engine) else "current", flush=True)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
