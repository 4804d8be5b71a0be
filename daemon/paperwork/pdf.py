"""PDF copies of letters through one long-lived LibreOffice (unoserver), else one soffice per document, else none."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xmlrpc.client
from importlib import metadata
from pathlib import Path
from typing import Self

from daemon.core.durable import atomic_write
from daemon.paperwork import tether

log = logging.getLogger(__name__)

UNO_PYTHON = "/usr/bin/python3"  # Debian's python3-uno gives this interpreter `import uno`
START_TIMEOUT_S = 60.0
CONVERT_TIMEOUT_S = 60
STOP_GRACE_S = 5.0
SERVER_RETRY_S = 300.0  # after a failed start, one soffice per document for this long
BUSY_WARN_S = 30.0  # a conversion running longer than this is reported by `liputan status`
UNOSERVER_API = "3"
OFFICE_PROCESS = "soffice.bin"

SERVER, ONESHOT, NONE = "unoserver", "oneshot", "none"


_FOUND: tuple[float, str | None, str | None] = (float("-inf"), None, None)
FIND_TTL = 30.0  # seconds a PATH search is reused (one per letter cost a PATH scan each)


def find_office() -> str | None:
    """The LibreOffice executable on PATH, if any (looked up again after FIND_TTL seconds, so
    installing or removing LibreOffice is seen without a restart; a changed PATH at once)."""
    global _FOUND
    now, path = time.monotonic(), os.environ.get("PATH")
    if now - _FOUND[0] > FIND_TTL or path != _FOUND[2]:
        _FOUND = (now, shutil.which("soffice") or shutil.which("libreoffice"), path)
    return _FOUND[1]


def free_port() -> int:
    """A currently free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unoserver_files() -> tuple[Path, Path] | None:
    """The installed unoserver package folder and its dist-info (its server reads its own version)."""
    try:
        dist = metadata.distribution("unoserver")
    except metadata.PackageNotFoundError:
        return None
    record = next((f for f in dist.files or () if f.name == "METADATA"), None)
    if record is None:
        return None
    dist_info = Path(dist.locate_file(record)).parent
    package = dist_info.parent / "unoserver"
    return (package, dist_info) if (package / "server.py").is_file() else None


def python_has_uno(python: str) -> bool:
    """Whether `python` can import LibreOffice's uno bridge."""
    try:
        done = subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def group_pids(pgid: int) -> dict[int, str]:
    """Live (non-zombie) processes of a process group, pid -> command name (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        state, _ppid, pgrp = stat[stat.rindex(")") + 2:].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            found[int(entry.name)] = comm
    return found


def cmdline(pid: int) -> str:
    """A process's command line ('' when it is gone)."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kill_group(pgid: int, sig: int) -> None:
    """Signal a whole process group, ignoring one that is already gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


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


class PdfConverter:
    """Converts .docx to .pdf beside it; keeps one LibreOffice (via unoserver) alive between calls.

    Modes, chosen on first use: "unoserver" (soffice + a Python that imports uno + the unoserver
    package), "oneshot" (soffice only: one `soffice --convert-to` per document) or "none".
    `reason` says in English why the preferred mode is not used or why the last conversion failed.
    """

    def __init__(self, state_dir: Path | None = None, office: str | None = None,
                 uno_python: str = UNO_PYTHON, start_timeout: float = START_TIMEOUT_S,
                 convert_timeout: int = CONVERT_TIMEOUT_S, tether: bool = True) -> None:
        self.office = office if office is not None else find_office()
        self.tether = tether
        self.uno_python = uno_python
        self.start_timeout = start_timeout
        self.convert_timeout = convert_timeout
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._own_state = state_dir is None
        self.mode: str | None = None
        self.reason = ""
        self._mode_reason = ""
        self._server_retry_at = 0.0
        self.cold_start_s: float | None = None
        self.starts = 0
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._port = 0
        self.busy_since: float | None = None  # time.time() when the running conversion began

    # --- public API ------------------------------------------------------------------------------

    def available(self) -> bool:
        """Whether PDFs can be made here at all (LibreOffice installed)."""
        with self._lock:
            if self.mode is None:
                self.mode, self._mode_reason = self._probe()
                self.reason = self._mode_reason
                log.info("PDF conversion mode: %s%s", self.mode, f" ({self.reason})" if self.reason else "")
            return self.mode != NONE

    def convert(self, docx: Path) -> Path | None:
        """Write docx's PDF copy beside it (atomically); None, with `reason` set, when that fails."""
        docx = Path(docx).resolve()
        with self._lock:
            if not self.available():
                return None
            self.reason = self._mode_reason
            self.busy_since = time.time()
            try:
                data = self._convert_server(docx) if self.mode == SERVER else self._convert_oneshot(docx)
            finally:
                self.busy_since = None
            if data is None:
                return None
            try:
                return self._write(docx.with_suffix(".pdf"), data)
            except OSError as exc:
                self.reason = f"cannot write the PDF of {docx.name}: {exc}"
                log.warning("%s", self.reason)
                return None

    def health(self, busy_after: float = BUSY_WARN_S) -> dict:
        """For `liputan status`, without waiting for the lock (a hung conversion holds it): `ok` is
        None when PDFs are not made here, False when the last conversion failed, the long-lived
        office could not start, or a conversion runs longer than `busy_after` seconds."""
        mode, busy = self.mode, self.busy_since
        busy_after = min(busy_after, self.convert_timeout / 2)  # said before the timeout ends it
        if mode is None or mode == NONE:
            return {"ok": None, "mode": mode or "unknown", "detail": self._mode_reason}
        if busy is not None and time.time() - busy > busy_after:
            return {"ok": False, "mode": mode, "detail": f"a conversion has run for {time.time() - busy:.0f} s"}
        if mode == SERVER and time.monotonic() < self._server_retry_at:
            return {"ok": False, "mode": mode, "detail": self._mode_reason}
        if self.reason != self._mode_reason:
            return {"ok": False, "mode": mode, "detail": self.reason}
        return {"ok": True, "mode": mode, "detail": self._mode_reason}

    def warm(self) -> bool:
        """Start the office now rather than on the first letter (e.g. from a thread at daemon start)."""
        with self._lock:
            if not self.available() or self.mode != SERVER:
                return False
            return self._healthy() or self._start()

    def close(self, wait: float = 1.0, grace: float = STOP_GRACE_S) -> None:
        """Stop LibreOffice and remove the state folder if this converter made it.

        A start or conversion still running after `wait` seconds does not hold up the exit: the
        office is stopped anyway (one left behind is killed by the next start)."""
        locked = self._lock.acquire(timeout=wait)
        try:
            self._stop(grace)
            if self._own_state and self.state_dir is not None:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                self.state_dir = None
        finally:
            if locked:
                self._lock.release()

    @property
    def server_pid(self) -> int | None:
        """The leader of the office's process group (the tether running unoserver), while running."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def office_pid(self) -> int | None:
        """The running soffice.bin, if any."""
        pgid = self.server_pid
        if pgid is None:
            return None
        return next((pid for pid, comm in group_pids(pgid).items() if comm == OFFICE_PROCESS), None)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- mode --------------------------------------------------------------------------------------

    def _probe(self) -> tuple[str, str]:
        """Pick the best mode this machine allows, and why not a better one."""
        if not self.office:
            return NONE, "LibreOffice is not installed (no soffice on PATH)"
        office = shutil.which(self.office)
        if office is None:
            return NONE, f"LibreOffice executable {self.office} not found"
        self.office = office
        if unoserver_files() is None:
            return ONESHOT, "unoserver is not installed (pip install 'liputan[pdf]'); one soffice per document"
        if not python_has_uno(self.uno_python):
            return ONESHOT, f"{self.uno_python} cannot import uno (apt-get install python3-uno); one soffice per document"
        return SERVER, ""

    def _base(self) -> Path:
        """The converter's folder under the state folder (a private temp folder if none was given)."""
        if self.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="liputan-pdf-"))
        base = self.state_dir / "libreoffice"
        base.mkdir(parents=True, exist_ok=True)
        return base

    # --- unoserver ---------------------------------------------------------------------------------

    def _convert_server(self, docx: Path) -> bytes | None:
        """PDF bytes from the long-lived office; restarts it (once) when it died."""
        if time.monotonic() < self._server_retry_at:
            return self._convert_oneshot(docx)
        for _attempt in range(2):
            if not self._healthy() and not self._start():
                self._server_retry_at = time.monotonic() + SERVER_RETRY_S
                self._mode_reason = self.reason
                return self._convert_oneshot(docx)
            began = time.monotonic()
            try:
                return rpc(self._port, self.convert_timeout + 5).convert(
                    str(docx), None, None, "pdf", None, [], True, None, None).data
            except (OSError, xmlrpc.client.Error) as exc:
                if time.monotonic() - began >= self.convert_timeout:  # hung: ours or unoserver's timeout
                    self.reason = f"conversion of {docx.name} took over {self.convert_timeout} s; office stopped"
                    log.warning("%s", self.reason)
                    self._stop()
                    return None
                if self._healthy():
                    self.reason = f"LibreOffice could not convert {docx.name}: {exc}"
                    log.warning("%s", self.reason)
                    return None
                log.warning("LibreOffice died while converting %s (%s); restarting it", docx.name, exc)
        self.reason = f"LibreOffice died twice while converting {docx.name}"
        return None

    def _healthy(self) -> bool:
        """The unoserver and its soffice.bin are both alive."""
        return self.office_pid is not None

    def _start(self) -> bool:
        """Start unoserver (under the uno-capable Python) with a fresh private profile; wait until it answers."""
        self._stop()
        base, began = self._base(), time.monotonic()
        self._kill_stale(base)
        port, uno_port = free_port(), free_port()
        while uno_port == port:
            uno_port = free_port()
        cmd = [self.uno_python, "-m", "unoserver.server", "--interface", "127.0.0.1", "--port", str(port),
               "--uno-port", str(uno_port), "--executable", str(self.office),
               "--user-installation", str(self._fresh_dir(base, "profile")),
               "--conversion-timeout", str(max(1, round(self.convert_timeout))), "--temp-dir", str(self._fresh_dir(base, "tmp"))]
        try:
            with open(base / "unoserver.log", "ab") as out:
                self._proc = subprocess.Popen(self._tethered(cmd), cwd=base, env=self._server_env(base),
                                              stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                              start_new_session=True)
            (base / "server.pid").write_text(f"{self._proc.pid}\n")
        except OSError as exc:
            log.warning("cannot start unoserver: %s", exc)
        self._port = port
        if not self._wait_ready(began + self.start_timeout):
            self.reason = (f"unoserver did not answer within {self.start_timeout:.0f} s (see {base / 'unoserver.log'});"
                           f" one soffice per document for {SERVER_RETRY_S:.0f} s")
            log.warning("%s", self.reason)
            self._stop()
            return False
        self.starts += 1
        self._mode_reason = ""
        self.cold_start_s = time.monotonic() - began
        log.info("LibreOffice ready in %.1f s (unoserver pid %d, port %d)", self.cold_start_s, self._proc.pid, port)
        return True

    def _tethered(self, cmd: list[str]) -> list[str]:
        """The command under a tether to this process: a daemon killed with SIGKILL takes its
        office down within a second (paperwork/tether.py); `tether=False` runs it bare."""
        return tether.command(cmd) if self.tether else cmd

    def _kill_stale(self, base: Path) -> None:
        """Kill an office left running on this state folder by a process that died without closing it."""
        try:
            pgid = int((base / "server.pid").read_text())
        except (OSError, ValueError):
            return
        if any(str(base) in cmdline(pid) for pid in group_pids(pgid)):
            log.warning("killing a stale LibreOffice (process group %d) left on %s", pgid, base)
            kill_group(pgid, signal.SIGKILL)

    def _fresh_dir(self, base: Path, name: str) -> Path:
        """An empty folder under base (a crashed office may leave a broken profile or stray temp files)."""
        path = base / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
        return path

    def _server_env(self, base: Path) -> dict[str, str]:
        """Environment for the server: only our unoserver copy added to the system Python's path."""
        lib = base / "pylib"
        shutil.rmtree(lib, ignore_errors=True)
        lib.mkdir()
        for path in unoserver_files() or ():
            (lib / path.name).symlink_to(path, target_is_directory=True)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
        env["PYTHONPATH"] = str(lib)
        return env

    def _wait_ready(self, deadline: float) -> bool:
        """Poll the server's info() until it answers with the expected API, it exits, or time runs out."""
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            try:
                info = rpc(self._port, 2).info()
            except (OSError, xmlrpc.client.Error):
                time.sleep(0.1)
                continue
            if info.get("api") != UNOSERVER_API:
                log.warning("unoserver API %s, expected %s", info.get("api"), UNOSERVER_API)
                return False
            return self.office_pid is not None
        return False

    def _stop(self, grace: float = STOP_GRACE_S) -> None:
        """Stop unoserver and every office process it started (the whole process group)."""
        office = self.office_pid
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if office is not None:  # a clean office exit takes oosplash and unoserver down with it
            for sig in (signal.SIGTERM, signal.SIGCONT):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(office, sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        kill_group(proc.pid, signal.SIGKILL)
        proc.wait()

    # --- one soffice per document ------------------------------------------------------------------

    def _convert_oneshot(self, docx: Path) -> bytes | None:
        """PDF bytes from a `soffice --convert-to pdf` run of its own (the old way)."""
        base = self._base()
        with tempfile.TemporaryDirectory(dir=base, prefix="oneshot-") as tmp:
            profile = Path(tmp) / "profile"
            cmd = [str(self.office), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--convert-to", "pdf", "--outdir", tmp, str(docx)]
            if not self._run_group(cmd, docx):
                return None
            pdf = Path(tmp) / f"{docx.stem}.pdf"
            if not pdf.is_file():
                self.reason = f"soffice made no PDF of {docx.name}"
                return None
            return pdf.read_bytes()

    def _run_group(self, cmd: list[str], docx: Path) -> bool:
        """Run soffice in its own process group; kill the group on timeout."""
        try:
            proc = subprocess.Popen(self._tethered(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            self.reason = f"cannot run {cmd[0]}: {exc}"
            return False
        try:
            _, err = proc.communicate(timeout=self.convert_timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc.pid, signal.SIGKILL)
            proc.communicate()
            self.reason = f"soffice took over {self.convert_timeout} s on {docx.name}"
            return False
        kill_group(proc.pid, signal.SIGKILL)  # nothing may outlive the run
        if proc.returncode != 0:
            self.reason = f"soffice failed on {docx.name}: {err.decode(errors='replace').strip()[-300:]}"
        return proc.returncode == 0

    # --- output ------------------------------------------------------------------------------------

    def _write(self, target: Path, data: bytes) -> Path | None:
        """Write PDF bytes to target atomically (temp name, fsync, rename, fsync the folder)."""
        if not data.startswith(b"%PDF"):
            self.reason = f"LibreOffice returned no PDF for {target.name}"
            log.warning("%s", self.reason)
            return None
        return atomic_write(target, data)


_default: PdfConverter | None = None
_default_lock = threading.Lock()


def default_converter(state_dir: Path | None = None, convert_timeout: float = CONVERT_TIMEOUT_S,
                      start_timeout: float = START_TIMEOUT_S) -> PdfConverter:
    """The process-wide converter (closed at exit); the arguments count only on the first call."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PdfConverter(state_dir, start_timeout=start_timeout, convert_timeout=convert_timeout)
            atexit.register(_default.close)
        return _default
