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


def test_a_persons_commands_print_their_result_and_only_warnings_of_the_log(tmp_path):
    import os

    from harness import CAMAT, Office, letter
    from test_workflow_bodies import BANTAN
    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN))
    office.deliver(letter("unit@bengkaliskab.go.id", "Halo", "Apa kabar? Terima kasih."))
    code = office.request().code
    office.engine.dispose()
    cfg = str(tmp_path / "liputan.toml")
    assert os.path.exists(cfg)
    approve = liputan("approve", code, "--as", "kadis", "--by", "rina", "-c", cfg)
    assert approve.returncode == 0, approve.stderr
    assert f"{code}: approve on step 2 recorded" in approve.stdout
    assert approve.stderr == "", approve.stderr  # no "INFO daemon.engine: ... enters step 3"
    for args in (("requests",), ("show", code), ("quarantine",), ("status",), ("check",)):
        done = liputan(*args, "-c", cfg)
        assert done.stdout and " INFO " not in done.stderr + done.stdout, (args, done.stderr)
    verbose = liputan("approve", code, "--as", "kabid", "--by", "rina", "-c", cfg, "-v")
    assert verbose.returncode == 0, verbose.stderr
    assert "INFO daemon.engine" in verbose.stderr and "enters step 4" in verbose.stderr
    assert liputan("-v", "requests", "-c", cfg).returncode == 0
