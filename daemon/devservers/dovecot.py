"""A private Dovecot IMAP server (`dovecot -c`) with plain-text logins, for tests and the sandbox."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from daemon.devservers import (
    _chown,
    _make_traversable,
    _Managed,
    free_port,
    port_open,
    wait_port,
)


def _require(binary: str, hint: str) -> str:
    path = shutil.which(binary) or (binary if os.path.isfile(binary) else None)
    if not path:
        raise RuntimeError(f"{binary} not found: install {hint} (.ci/run does)")
    return path


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                out.append(int(entry.name))
    return out


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
        """Stop the server and its sessions: the master's SIGTERM leaves a logged-in `imap`
        process serving its client (as `systemctl stop`, which ends the whole cgroup, would not)."""
        pid = self._pid()
        if pid is None:
            return
        children = _children(pid)
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
        for child in children:  # still serving a session: end it as the server's stop would
            if _cmdline(child).startswith("dovecot"):
                try:
                    os.kill(child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
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
