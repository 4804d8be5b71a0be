"""`liputan requests` and `show` print what was asked, not library chatter (alembic's INFO lines)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from daemon.devservers.config import write_config

REPO = Path(__file__).resolve().parents[2]


def liputan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon.app.cli", *args], capture_output=True,
                          text=True, timeout=60, cwd=REPO)


def test_it_lists_requests_without_alembic_lines(tmp_path):
    # no server is reached by `requests`: the ports are never dialled
    path = write_config(tmp_path / "liputan.toml", imap_port=1, smtp_port=1,
                        database=f"sqlite:///{tmp_path / 'liputan.db'}", rules=REPO / "rules")
    first = liputan("requests", "-c", str(path))  # creates the schema
    again = liputan("requests", "-c", str(path), "--json")
    missing = liputan("show", "LPT-2026-0001", "-c", str(path))
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0 and again.stdout.strip() == "[]", again.stderr
    assert missing.returncode == 1
    for out in (first, again, missing):
        assert "alembic" not in out.stderr.lower(), out.stderr
    assert again.stderr == ""
