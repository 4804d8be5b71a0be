"""One long-lived LibreOffice behind unoserver: started tethered with a fresh profile, watched, stopped."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import time
import xmlrpc.client
from pathlib import Path

from daemon.paperwork.office_process import (
    OFFICE_PROCESS,
    cmdline,
    free_port,
    group_pids,
    kill_group,
    tethered,
    unoserver_files,
)

log = logging.getLogger("daemon.paperwork.pdf")

UNOSERVER_API = "3"
STOP_GRACE_S = 5.0


class TimeoutTransport(xmlrpc.client.Transport):
    """XML-RPC transport with a socket timeout (ServerProxy has none)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):  # type: ignore[no-untyped-def]
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


def rpc(port: int, timeout: float) -> xmlrpc.client.ServerProxy:
    """A proxy to a unoserver on localhost."""
    return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}", transport=TimeoutTransport(timeout),
                                     allow_none=True)


class OfficeServer:
    """unoserver and its soffice.bin in a process group of their own, under `base`; `failure`
    says in English why the last start failed."""

    def __init__(self, office: str, uno_python: str, start_timeout: float, convert_timeout: float,
                 tether: bool) -> None:
        self.office, self.uno_python, self.tether = office, uno_python, tether
        self.start_timeout, self.convert_timeout = start_timeout, convert_timeout
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0
        self.cold_start_s: float | None = None
        self.failure = ""

    @property
    def pid(self) -> int | None:
        """The leader of the office's process group (the tether running unoserver), while running."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    @property
    def office_pid(self) -> int | None:
        """The running soffice.bin, if any."""
        pgid = self.pid
        if pgid is None:
            return None
        return next((pid for pid, comm in group_pids(pgid).items() if comm == OFFICE_PROCESS), None)

    def healthy(self) -> bool:
        """The unoserver and its soffice.bin are both alive."""
        return self.office_pid is not None

    def convert(self, docx: Path) -> bytes:
        """PDF bytes of docx (OSError or xmlrpc.client.Error when the office fails or hangs)."""
        return rpc(self.port, self.convert_timeout + 5).convert(
            str(docx), None, None, "pdf", None, [], True, None, None).data

    def start(self, base: Path, retry_s: float) -> bool:
        """Start unoserver (under the uno-capable Python) with a fresh private profile; wait until it
        answers. On failure `failure` says why, and that one soffice per document runs for retry_s."""
        self.stop()
        began = time.monotonic()
        kill_stale(base)
        port, uno_port = free_port(), free_port()
        while uno_port == port:
            uno_port = free_port()
        cmd = [self.uno_python, "-m", "unoserver.server", "--interface", "127.0.0.1", "--port", str(port),
               "--uno-port", str(uno_port), "--executable", str(self.office),
               "--user-installation", str(fresh_dir(base, "profile")),
               "--conversion-timeout", str(max(1, round(self.convert_timeout))),
               "--temp-dir", str(fresh_dir(base, "tmp"))]
        try:
            with open(base / "unoserver.log", "ab") as out:
                self.proc = subprocess.Popen(tethered(cmd, self.tether), cwd=base, env=server_env(base),
                                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True)
            (base / "server.pid").write_text(f"{self.proc.pid}\n")
        except OSError as exc:
            log.warning("cannot start unoserver: %s", exc)
        self.port = port
        if not self._wait_ready(began + self.start_timeout):
            self.failure = (f"unoserver did not answer within {self.start_timeout:.0f} s (see "
                            f"{base / 'unoserver.log'}); one soffice per document for {retry_s:.0f} s")
            log.warning("%s", self.failure)
            self.stop()
            return False
        self.starts += 1
        self.failure = ""
        self.cold_start_s = time.monotonic() - began
        log.info("LibreOffice ready in %.1f s (unoserver pid %d, port %d)", self.cold_start_s, self.proc.pid, port)
        return True

    def _wait_ready(self, deadline: float) -> bool:
        """Poll the server's info() until it answers with the expected API, it exits, or time runs out."""
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                info = rpc(self.port, 2).info()
            except (OSError, xmlrpc.client.Error):
                time.sleep(0.1)
                continue
            if info.get("api") != UNOSERVER_API:
                log.warning("unoserver API %s, expected %s", info.get("api"), UNOSERVER_API)
                return False
            return self.office_pid is not None
        return False

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """Stop unoserver and every office process it started (the whole process group)."""
        office = self.office_pid
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if office is not None:  # a clean office exit takes oosplash and unoserver down with it
            for sig in (signal.SIGTERM, signal.SIGCONT):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(office, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
        kill_group(proc.pid, signal.SIGKILL)
        proc.wait()


def kill_stale(base: Path) -> None:
    """Kill an office left running on this state folder by a process that died without closing it."""
    try:
        pgid = int((base / "server.pid").read_text())
    except (OSError, ValueError):
        return
    if any(str(base) in cmdline(pid) for pid in group_pids(pgid)):
        log.warning("killing a stale LibreOffice (process group %d) left on %s", pgid, base)
        kill_group(pgid, signal.SIGKILL)


def fresh_dir(base: Path, name: str) -> Path:
    """An empty folder under base (a crashed office may leave a broken profile or stray temp files)."""
    path = base / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def server_env(base: Path) -> dict[str, str]:
    """Environment for the server: only our unoserver copy added to the system Python's path."""
    lib = base / "pylib"
    shutil.rmtree(lib, ignore_errors=True)
    lib.mkdir()
    for path in unoserver_files() or ():
        (lib / path.name).symlink_to(path, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    env["PYTHONPATH"] = str(lib)
    return env
