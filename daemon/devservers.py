"""Private Dovecot, SMTP capture and PostgreSQL servers for tests, benchmarks and the sandbox."""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger("daemon.devservers")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_port(port: int, up: bool, timeout: float = 20.0) -> None:
    """Wait until the port accepts connections (up) or refuses them (not up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port) == up:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'closed' if up else 'open'} after {timeout:.0f} s")


def _require(binary: str, hint: str) -> str:
    path = shutil.which(binary) or (binary if os.path.isfile(binary) else None)
    if not path:
        raise RuntimeError(f"{binary} not found: install {hint} (.ci/run does)")
    return path


def _chown(path: Path, user: str) -> None:
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)


def _make_traversable(path: Path) -> None:
    """Let unprivileged server users reach a folder under e.g. pytest's 0700 temp dirs."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & 0o001 == 0:
            os.chmod(parent, mode | 0o011)


class _Managed:
    """Context-manager protocol shared by the launchers."""

    def start(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{base}/mail/%u
mail_uid = dovecot
mail_gid = dovecot
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot(_Managed):
    """A private `dovecot -c` instance on 127.0.0.1:port with plain-text logins."""

    def __init__(self, base_dir: str | Path, port: int | None = None,
                 users: dict[str, str] | None = None):
        self.base = Path(base_dir).resolve()
        self.port = port or free_port()
        self.users = dict(users or {})
        self.binary = _require("dovecot", "the Debian package dovecot-imapd")
        self._lock = threading.Lock()

    @property
    def conf(self) -> Path:
        return self.base / "dovecot.conf"

    def _prepare(self) -> None:
        for sub in ("", "run", "state", "mail", "home"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(self.base / sub, 0o755)
        for sub in ("mail", "home"):
            _chown(self.base / sub, "dovecot")
        _make_traversable(self.base)
        self.conf.write_text(DOVECOT_CONF.format(base=self.base, port=self.port))
        self._write_users()

    def _write_users(self) -> None:
        lines = "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items())
        tmp = self.base / "users.tmp"
        tmp.write_text(lines)
        os.chmod(tmp, 0o644)
        tmp.replace(self.base / "users")

    def add_user(self, user: str, password: str) -> None:
        """Add a login; Dovecot re-reads the passwd-file when it changes."""
        with self._lock:
            self.users[user] = password
            self._write_users()
        # Dovecot checks the file's mtime at most once a second: let that second pass
        time.sleep(1.1)

    def start(self) -> "Dovecot":
        self._prepare()
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use")
        # the daemonised master inherits our stdio: give it a file, not a pipe we would wait on
        with open(self.base / "dovecot.out", "ab") as out:
            res = subprocess.run([self.binary, "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=out)
        if res.returncode != 0:
            out_text = (self.base / "dovecot.out").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"dovecot failed to start: {out_text} {self._log_tail()}")
        try:
            wait_port(self.port, up=True)
        except TimeoutError:
            raise RuntimeError(f"dovecot did not listen on {self.port}: {self._log_tail()}") from None
        return self

    def _log_tail(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def _pid(self) -> int | None:
        try:
            return int((self.base / "run" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self._pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        wait_port(self.port, up=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, user: str) -> Any:
        from imapclient import IMAPClient

        imap = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        imap.login(user, self.users[user])
        return imap

    def append(self, user: str, folder: str, raw: bytes) -> None:
        """Deliver one message into a user's folder (created when missing)."""
        self.append_many(user, folder, [raw])

    def append_many(self, user: str, folder: str, raws: list[bytes]) -> None:
        imap = self.client(user)
        try:
            if folder.upper() != "INBOX" and not imap.folder_exists(folder):
                imap.create_folder(folder)
            for raw in raws:
                imap.append(folder, raw)
        finally:
            imap.logout()


@dataclass
class Received:
    """One message as the SMTP capture server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    path: Path
    auth_user: str | None = None


@dataclass
class _Failure:
    code: int
    message: str
    times: int
    stage: str = "DATA"


@dataclass
class _Script:
    failures: list[_Failure] = field(default_factory=list)

    def take(self, stage: str) -> _Failure | None:
        for f in self.failures:
            if f.stage == stage and f.times != 0:
                f.times -= 1 if f.times > 0 else 0
                return f
        return None


class _CaptureHandler:
    def __init__(self, owner: "SmtpCapture"):
        self.owner = owner

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        failure = self.owner._script.take("RCPT")
        if failure:
            return f"{failure.code} {failure.message}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self.owner._script.take("DATA")
        if failure:
            return f"{failure.code} {failure.message}"
        auth = session.auth_data.login.decode() if getattr(session, "auth_data", None) else None
        self.owner._store(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, auth)
        return "250 Message accepted for delivery"


def _accept_any(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=True, auth_data=auth_data)


class SmtpCapture(_Managed):
    """An aiosmtpd server that keeps every message (in memory and as files) and fails on demand."""

    def __init__(self, port: int | None = None, maildir_path: str | Path | None = None):
        self.port = port or free_port()
        self.maildir = Path(maildir_path) if maildir_path else None
        self.messages: list[Received] = []
        self._script = _Script()
        self._lock = threading.Lock()
        self._controller: Any = None

    def start(self) -> "SmtpCapture":
        from aiosmtpd.controller import Controller

        if self.maildir:
            for sub in ("tmp", "new", "cur"):
                (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        self._controller = Controller(
            _CaptureHandler(self), hostname="127.0.0.1", port=self.port,
            auth_require_tls=False, authenticator=_accept_any, decode_data=False,
            server_hostname="capture.liputan.test", ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            wait_port(self.port, up=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def fail_next(self, code: int = 451, times: int = 1, message: str | None = None,
                  stage: str = "DATA") -> None:
        """Answer the next `times` DATA (or RCPT) commands with `code`; times=-1 means forever."""
        text = message or ("Try again later" if code < 500 else "Rejected")
        with self._lock:
            self._script.failures.append(_Failure(code, text, times, stage))

    def clear(self) -> None:
        """Forget captured messages and pending failures."""
        with self._lock:
            self.messages.clear()
            self._script.failures.clear()

    def _store(self, mail_from: str, rcpts: list[str], data: bytes, auth: str | None) -> None:
        digest = hashlib.sha256(data).hexdigest()
        path = Path(f"{digest}.eml")
        if self.maildir:
            name = f"{time.time_ns()}.{digest[:16]}.liputan"
            tmp = self.maildir / "tmp" / name
            tmp.write_bytes(data)
            path = self.maildir / "new" / name
            tmp.replace(path)
        with self._lock:
            self.messages.append(Received(mail_from, rcpts, data, path, auth))


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found under /usr/lib/postgresql/*/bin: "
                           "install the Debian package postgresql (.ci/run does)")
    return found[-1]


class Postgres(_Managed):
    """A private PostgreSQL cluster (initdb/pg_ctl as the postgres user) on 127.0.0.1:port."""

    def __init__(self, base_dir: str | Path, port: int | None = None, dbname: str = "liputan",
                 durable: bool = False):
        self.base = Path(base_dir).resolve()
        self.port = port or free_port()
        self.dbname = dbname
        self.durable = durable
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, dbname: str | None = None) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname or self.dbname}"

    def _as_postgres(self, args: list[str]) -> subprocess.CompletedProcess:
        pw = pwd.getpwnam("postgres")

        def demote() -> None:
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)

        return subprocess.run(args, capture_output=True, text=True, cwd=self.base, stdin=subprocess.DEVNULL,
                              preexec_fn=demote if os.geteuid() == 0 else None)

    def start(self) -> "Postgres":
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            _chown(self.base, "postgres")
            os.chmod(self.base, 0o755)
            _make_traversable(self.base)
        if not (self.data / "PG_VERSION").exists():
            res = self._as_postgres([self.initdb, "-D", str(self.data), "-U", "postgres",
                                     "-A", "trust", "-E", "UTF8", "--no-sync"])
            if res.returncode != 0:
                raise RuntimeError(f"initdb failed: {res.stderr.strip()}")
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=100"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        res = self._as_postgres([self.pg_ctl, "-D", str(self.data), "-l", str(self.base / "pg.log"),
                                 "-o", opts, "-w", "-t", "60", "start"])
        if res.returncode != 0:
            log_text = (self.base / "pg.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {res.stderr.strip()} {log_text}")
        self.create_database(self.dbname)
        return self

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               dbname="postgres", autocommit=True)

    def create_database(self, name: str) -> str:
        """Create a database (if missing) and return its SQLAlchemy URL."""
        with self._admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        self._as_postgres([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])
        wait_port(self.port, up=False)
