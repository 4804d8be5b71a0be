"""Shared fixtures: real Dovecot, SMTP capture and PostgreSQL servers, and a config per test."""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.config import Config, load_config
from daemon.core.db import make_engine, sessions, upgrade
from daemon.devservers.config import write_config
from daemon.devservers.dovecot import Dovecot
from daemon.devservers.postgres import Postgres
from daemon.devservers.smtp import SmtpCapture
from daemon.devservers.wordpress import WordPress

REPO = Path(__file__).resolve().parent.parent
DOMAIN = "bengkaliskab.go.id"
PASSWORD = "rahasia"
OFFICE_USER = f"liputan@{DOMAIN}"
POOL_SIZE = 80  # one fresh mailbox per test that asks for one
# the letter templates' variable cache (daemon/core/template_cache.py): the tests' own, not ~/.cache
os.environ.setdefault("LIPUTAN_CACHE_DIR", tempfile.mkdtemp(prefix="liputan-test-cache-"))
# Tesseract (OpenMP) one thread per OCR, here and in the daemons the tests start: two xdist
# workers on 2 cores already use both, and its extra threads only spin against the other worker
# (measured: test_ocr_path.py 27/25 s -> 22/24 s, test_ocr_deskew.py 20 -> 17 s, same results)
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

log = logging.getLogger(__name__)


def _backends() -> list[str]:
    choice = os.environ.get("LIPUTAN_TEST_DB", "both").strip().lower()
    if choice not in ("sqlite", "postgresql", "both"):
        raise pytest.UsageError("LIPUTAN_TEST_DB must be sqlite, postgresql or both")
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


def _start(server: object, what: str) -> object:
    try:
        return server.start()  # type: ignore[attr-defined]
    except RuntimeError as exc:
        pytest.fail(f"cannot start the test {what}: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def server_root() -> Iterator[Path]:
    """A folder for server data that the servers' unprivileged users can reach.

    pytest keeps its own temp root at mode 0700, which dovecot and postgres cannot traverse.
    """
    root = Path(tempfile.mkdtemp(prefix="liputan-servers-"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def server_dir(server_root: Path) -> Path:
    """A fresh folder under server_root for a server of one test's own."""
    path = server_root / uuid.uuid4().hex[:10]
    path.mkdir(mode=0o755)
    return path


@pytest.fixture(scope="session")
def dovecot(server_root: Path) -> Iterator[Dovecot]:
    """A private Dovecot with the office mailbox and a pool of spare mailboxes (password 'rahasia')."""
    users = {OFFICE_USER: PASSWORD}
    users.update({f"kotak{n:02d}@{DOMAIN}": PASSWORD for n in range(POOL_SIZE)})
    try:
        server = Dovecot(server_root / "dovecot", users=users)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    _start(server, "Dovecot")
    yield server
    server.stop()


_pool = itertools.count()


@pytest.fixture
def mailbox_user(dovecot: Dovecot) -> str:
    """A mailbox no other test has touched."""
    n = next(_pool)
    if n >= POOL_SIZE:
        user = f"extra{n}@{DOMAIN}"
        dovecot.add_user(user, PASSWORD)
        return user
    return f"kotak{n:02d}@{DOMAIN}"


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpCapture]:
    server = SmtpCapture(maildir_path=tmp_path_factory.mktemp("smtp") / "Maildir")
    _start(server, "SMTP capture server")
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpCapture) -> Iterator[SmtpCapture]:
    """The SMTP capture server, emptied (messages and failure script) for this test."""
    if smtp_server._controller is None:
        smtp_server.start()
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


@pytest.fixture(scope="session")
def postgres(server_root: Path) -> Iterator[Postgres]:
    """A private PostgreSQL server for the whole session."""
    try:
        server = Postgres(server_root / "postgres")
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    _start(server, "PostgreSQL")
    yield server
    server.stop()


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh database in the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'liputan.db'}"
        return
    server: Postgres = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


def _upgraded(url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(url)
    upgrade(engine)
    yield sessions(engine)
    engine.dispose()


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    """A sessionmaker on the upgraded test database."""
    yield from _upgraded(db_url)


@pytest.fixture
def sqlite_factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A sessionmaker on an upgraded SQLite file of the test's own: for logic the database does not
    change (claims, leases, outages), on the one backend."""
    yield from _upgraded(f"sqlite:///{tmp_path / 'liputan.db'}")




class Daemons:
    """`liputan run` processes of one test, as an operator runs them: started with their output
    appended to the test's daemon.log (or the open file given; never a pipe nobody reads, which
    would block the daemon once full), stopped by a signal with a clean exit asserted."""

    def __init__(self, log: Path):
        self.log, self.started = log, []

    def start(self, config: str | Path, env: dict | None = None, cwd: Path = REPO,
              log: IO | None = None) -> subprocess.Popen:
        out = log or open(self.log, "a")  # noqa: SIM115 - the child keeps its own descriptor
        try:
            proc = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(config)],
                                    stdout=out, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
        finally:
            if log is None:
                out.close()
        self.started.append(proc)
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen, timeout: float, sig: int = signal.SIGTERM) -> None:
        """Send `sig`; the process must exit with 0 within `timeout` seconds (raises otherwise)."""
        proc.send_signal(sig)
        assert proc.wait(timeout=timeout) == 0

    def kill_left(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Daemons]:
    """Start `liputan run` with `daemons.start(config)`; any still running at the end is killed."""
    found = Daemons(tmp_path / "daemon.log")
    try:
        yield found
    finally:
        found.kill_left()


OFFICE_NAMES = ("soffice", "libreoffice", "localc", "lodraw", "loimpress", "lowriter", "loffice")


@pytest.fixture(scope="session")
def no_office_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for a `liputan run` whose test is not about PDFs: PATH with every program
    it had (Tesseract, poppler, ...) but LibreOffice, so the daemon sends letters as .docx (its
    documented mode without LibreOffice) instead of spending ~5 s of CPU warming an office at each
    start and waiting for it at each stop. PDF behaviour keeps its own tests (test_pdf*.py,
    test_service.py's first test, test_status.py's first test, test_failover.py)."""
    farm = tmp_path_factory.mktemp("no-office-bin")
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        try:
            entries = list(Path(folder).iterdir()) if folder else []
        except OSError:
            continue
        for entry in entries:
            target = farm / entry.name
            if entry.name in OFFICE_NAMES or target.exists() or target.is_symlink():
                continue  # LibreOffice left out; an earlier PATH folder wins, as it would
            if entry.is_file() and os.access(entry, os.X_OK):
                target.symlink_to(entry)
    env = dict(os.environ)
    env["PATH"] = str(farm)
    return env


@pytest.fixture
def an_hour_later(factory: sessionmaker[Session]) -> Callable[[], None]:
    """Call it to move the outbox an hour on: every mail sent so far leaves the rate limit's
    hour's window, and what was held is due."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from daemon.core.models import Outbox, utcnow

    def later() -> None:
        with factory() as s, s.begin():
            for o in s.scalars(select(Outbox).where(Outbox.sent_at.is_not(None))):
                o.sent_at -= timedelta(minutes=61)
            s.execute(update(Outbox).where(Outbox.status == "queued")
                      .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    return later


@pytest.fixture
def make_config(tmp_path: Path, db_url: str, dovecot: Dovecot, mailbox_user: str,
                smtp: SmtpCapture) -> Callable[..., Config]:
    """Write a TOML config for the test servers (overrides: imap_port, smtp_port, folder, timeout,
    smtp={more [smtp] keys}, extra={more sections}, ...)."""

    def make(**overrides: object) -> Config:
        values = dict(imap_port=dovecot.port, imap_user=mailbox_user, folder="INBOX", idle_seconds=10,
                      timeout=10, smtp_port=smtp.port, max_attempts=3)
        values.update(overrides)
        path = write_config(
            tmp_path / "liputan.toml", imap_port=values["imap_port"], smtp_port=values["smtp_port"],
            database=db_url, rules=REPO / "rules", user=values["imap_user"],
            mailbox={"folder": values["folder"], "timeout": values["timeout"],
                     "idle_seconds": values["idle_seconds"], "poll_seconds": 1},
            smtp={"username": f"liputan@{DOMAIN}", "password": PASSWORD,
                  "timeout": values["timeout"], "max_attempts": values["max_attempts"],
                  **values.get("smtp", {})},
            extra=values.get("extra"))
        cfg = load_config(path)
        for folder in (cfg.paths.state, cfg.paths.dropbox, cfg.paths.archive):
            Path(folder).mkdir(exist_ok=True)
        return cfg

    return make


@pytest.fixture
def config(make_config: Callable[..., Config]) -> Config:
    """The config of this test: its own mailbox, the capture SMTP server, its own database."""
    return make_config()


@pytest.fixture(scope="session")
def wordpress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """One WordPress for the session; each test publishes under its own request code."""
    try:
        server = WordPress(tmp_path_factory.mktemp("wordpress"))
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    began = time.monotonic()
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        pytest.fail(f"cannot start the test WordPress: {exc}", pytrace=False)
    log.info("test WordPress ready at %s in %.1f s", server.url, time.monotonic() - began)
    yield server
    server.stop()


# -- scheduling: the longest test files start first ---------------------------------------------
# `.ci/run` runs `pytest -n 2 --dist loadfile --no-loadscope-reorder`: each worker takes a whole
# file at a time, in the order below, so a long file never starts last while the other worker is
# idle. Seconds per file from `python -m pytest -q -n 2 -p xdist tests/integration --durations=60`
# and `python -m pytest -q -p no:xdist tests/unit --durations=40` (2026-11-30, both at load
# average 10-14 on 2 cores: only the order matters); a file not listed keeps its place after these.
# Files made faster since (2026-12-01): the old figure times after/before, both measured one file
# at a time right after each other (-p no:xdist, load 1-3): test_status, test_service,
# test_two_instances, test_reload (daemons without LibreOffice), test_ocr_* (OMP_THREAD_LIMIT=1).
SLOW_FILES = {
    "integration/test_status.py": 378,
    "integration/test_crash.py": 350,
    "unit/test_readers_fuzz.py": 243,
    "integration/test_service.py": 201,
    "integration/test_failover.py": 140,
    "unit/test_ocr_path.py": 131,
    "unit/test_hostile_corpus.py": 130,
    "unit/test_ocr_deskew.py": 127,
    "integration/test_demo.py": 100,
    "unit/test_dispatch_batches.py": 90,
    "unit/test_linear_readers.py": 83,
    "integration/test_pdf.py": 75,
    "integration/test_install.py": 65,
    "integration/test_dead_connection.py": 63,
    "integration/test_wheel.py": 59,
    "integration/test_reload.py": 57,
    "integration/test_two_instances.py": 57,
    "integration/test_sdnotify_daemon.py": 52,
    "integration/test_mailbox.py": 48,
    "unit/test_extract.py": 47,
    "integration/test_publish_website.py": 40,
    "unit/test_phones_as_written.py": 39,
    "integration/test_sandbox.py": 35,
    "integration/test_contoh.py": 33,
    "integration/test_after_event_daemon.py": 27,
    "integration/test_jobs.py": 25,
}


def _expected_seconds(item: pytest.Item) -> float:
    path = item.path.resolve()
    if not path.is_relative_to(REPO / "tests"):
        return 0
    return SLOW_FILES.get(path.relative_to(REPO / "tests").as_posix(), 0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (a stable sort: a file's own tests keep their order)."""
    items.sort(key=lambda item: -_expected_seconds(item))
