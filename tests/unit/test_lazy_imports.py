"""The running service does not load what only some mail or some job needs (issue 13, memory):
Alembic, httpx, BeautifulSoup and icalendar are imported with their first use, and that use works."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.core import db, memory
from daemon.core.config import load_config
from daemon.devservers.config import write_config

REPO = Path(__file__).resolve().parents[2]
LAZY = ("alembic", "httpx", "bs4", "icalendar")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc")


def run_python(code: str, *args: str, **environ: str) -> dict:
    """code in a fresh interpreter importing this checkout's `daemon`; its last stdout line as JSON."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
           **environ}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def config(tmp_path: Path, **status) -> Path:
    return write_config(tmp_path / "liputan.toml", imap_port=1143, smtp_port=1025,
                        database=f"sqlite:///{tmp_path / 'liputan.db'}", rules=REPO / "rules",
                        paths={"state": str(tmp_path / "state"), "dropbox": str(tmp_path / "hasil")},
                        extra={"status": status} if status else None)


START = """
import json, sys
from daemon.core.config import load_config
from daemon.app.service import Service
service = Service(load_config(sys.argv[1]))
service.engine.dispose()
print(json.dumps({"loaded": [m for m in sys.argv[2:] if m in sys.modules]}))
"""


def test_a_started_service_has_not_loaded_alembic_httpx_bs4_or_icalendar(tmp_path):
    cfg = config(tmp_path)
    # the first start migrates an empty database: Alembic runs in a child process, not here
    assert run_python(START, str(cfg), *LAZY)["loaded"] == []
    assert db.stored_revision(db.make_engine(load_config(cfg).paths.database)) == db.head_revision()
    assert run_python(START, str(cfg), *LAZY)["loaded"] == []  # and a start on a current one


# what only the letter workers (docxtpl, python-docx, lxml), a delivered photo (Pillow) or a new
# year's holidays need: ~7 + 2 + 12 MB the main process held for good (issue 13, branch mem5)
LETTERS = ("docx", "docxtpl", "lxml", "PIL", "holidays")


def test_a_started_service_holds_no_letter_library_pillow_or_holidays_even_on_a_cold_cache(tmp_path):
    cfg = config(tmp_path)
    cache = tmp_path / "cache"
    # a cold cache (a new release, a fresh install): the templates' tags and the year's holidays
    # are read in short child processes, and the answers cached
    assert run_python(START, str(cfg), *LETTERS, LIPUTAN_CACHE_DIR=str(cache))["loaded"] == []
    assert (cache / "template-variables.json").is_file() and list((cache / "rules").glob("*.json"))
    assert run_python(START, str(cfg), *LETTERS, LIPUTAN_CACHE_DIR=str(cache))["loaded"] == []


def test_a_broken_template_still_stops_the_start_when_read_apart(tmp_path):
    from daemon.core.errors import ConfigError
    from daemon.paperwork import letters
    (tmp_path / "rusak.docx").write_bytes(b"PK\x03\x04 not a zip at all")
    with pytest.raises(ConfigError, match="rusak.docx"):
        letters.preload(tmp_path, apart=True)


USE = """
import json, sys
from daemon.app import service  # the running service's imports
before = [m for m in ("bs4", "icalendar", "httpx") if m in sys.modules]
from daemon.mail import mime
from daemon.reading import documents, quotes
html = ("<html><head><style>p{}</style></head><body><p>Mohon diliput</p><table><tr><td>Hari</td>"
        "<td>Senin</td></tr></table><blockquote>kutipan lama</blockquote></body></html>")
text = mime.html_to_text(quotes.clean_html(html))
tables = documents.html_tables(html)
bs4 = "bs4" in sys.modules
from daemon.paperwork import calendar
from datetime import datetime, timezone
ics = calendar.invitation(uid="lpt-2026-0001@x.go.id", summary="Peliputan: Musrenbang",
                          start=datetime(2026, 12, 7, 2, tzinfo=timezone.utc), end=None,
                          location="Bantan", description="LPT-2026-0001", organizer_email="a@x.go.id",
                          organizer_name="Liputan", attendees=[("Andi", "andi@x.go.id")], sequence=0)
from daemon.app import publish_jobs
from daemon.publish import website
print(json.dumps({"before": before, "text": text, "tables": tables, "bs4": bs4,
                  "ics": ics.decode() if isinstance(ics, bytes) else ics,
                  "httpx": "httpx" in sys.modules, "slug": website.slugify("Bukit Batu")}))
"""


def test_the_lazy_paths_load_what_they_need_and_work():
    got = run_python(USE)
    assert got["before"] == []
    assert got["bs4"] is True
    assert "Mohon diliput" in got["text"] and "kutipan lama" not in got["text"] and "p{}" not in got["text"]
    assert got["tables"] == [[["Hari", "Senin"]]]
    assert "BEGIN:VCALENDAR" in got["ics"] and "Musrenbang" in got["ics"]
    assert got["httpx"] is True and got["slug"] == "bukit-batu"


def test_a_failed_migration_in_the_child_process_stops_the_start(tmp_path):
    path = tmp_path / "liputan.db"
    with sqlite3.connect(path) as con:  # says it is at 0003, but has none of its tables
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        con.execute("INSERT INTO alembic_version VALUES ('0003')")
    con.close()
    with pytest.raises(RuntimeError, match="upgrading the database failed"):
        db.upgrade_apart(db.make_engine(f"sqlite:///{path}"))


def test_malloc_arenas_defaults_to_two_and_zero_leaves_glibc_alone(tmp_path):
    assert load_config(config(tmp_path)).status.malloc_arenas == 2
    assert load_config(config(tmp_path, malloc_arenas=0)).status.malloc_arenas == 0
    assert memory.limit_arenas(0) is False


ARENAS = """
import ctypes, sys, threading
from daemon.core import memory
print("set", memory.limit_arenas(int(sys.argv[1])), flush=True)
together = threading.Barrier(8)
def work():  # every thread allocates while the others are alive: each may get its own arena
    together.wait()
    blocks = [bytes(300) + bytes([i % 256]) for i in range(3000)]
    together.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" block per arena, on stderr
"""


def arenas(limit: int) -> tuple[str, int]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MALLOC_ARENA_MAX", None)
    done = subprocess.run([sys.executable, "-c", ARENAS, str(limit)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=60, check=True)
    return done.stdout.strip(), sum(1 for ln in done.stderr.splitlines() if ln.startswith("Arena "))


def test_limit_arenas_caps_the_arenas_of_a_threaded_process():
    assert arenas(2) == ("set True", 2)
    said, default = arenas(0)
    assert said == "set False" and default > 2  # glibc's own: a new arena per thread, up to 8 per core


def test_idle_letter_workers_are_stopped_and_forked_again_for_the_next_letter(tmp_path):
    import asyncio
    import time

    from daemon.app import procpool
    from daemon.app.service import Service
    cfg = load_config(config(tmp_path))
    assert cfg.jobs.idle_workers_seconds == 60
    service = Service(cfg)
    procpool.close_shared()  # (an earlier test of this process may have used the pool)
    pool = procpool.shared(2)
    try:
        assert asyncio.run(service.letters.stop_idle_workers()) == float("inf")  # no workers yet: nothing to stop
        first = pool.warm()
        assert len(first) == 2
        assert pool.run(sum, [1, 2]) == 3
        pool.last_used = time.monotonic() - 50  # a letter 50 s ago: they stay ~10 s more
        assert 0 < asyncio.run(service.letters.stop_idle_workers()) <= 10
        assert sorted(pool.pids()) == sorted(first)
        pool._busy = 1  # a letter in flight (the letters' lane): they stay, whatever the time
        pool.last_used = time.monotonic() - 61
        assert asyncio.run(service.letters.stop_idle_workers()) == 1.0
        assert sorted(pool.pids()) == sorted(first)
        pool._busy = 0
        assert asyncio.run(service.letters.stop_idle_workers()) == float("inf")
        assert pool.pids() == [] and all(not Path(f"/proc/{pid}").exists() or
                                         "zombie" in Path(f"/proc/{pid}/status").read_text() for pid in first)
        assert pool.run(sum, [1, 2]) == 3  # the next letter forks them again
        assert pool.pids() and set(pool.pids()).isdisjoint(first)
    finally:
        procpool.close_shared()
        service.engine.dispose()
