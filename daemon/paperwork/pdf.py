"""PDF copies of letters through one long-lived LibreOffice (unoserver), else one soffice per document,
else none: the mode, the conversion call and its fallbacks (the processes: office_server.py,
oneshot.py, office_process.py)."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path
from typing import Self

from daemon.core.durable import atomic_write
from daemon.core.outage import HostOutage
from daemon.paperwork import oneshot
from daemon.paperwork.office_process import (
    OFFICE_PROCESS,
    cmdline,
    free_port,
    group_pids,
    kill_group,
    python_has_uno,
    unoserver_files,
)
from daemon.paperwork.office_server import STOP_GRACE_S, OfficeServer

# the process helpers, importable from here as before
__all__ = ["CONVERT_TIMEOUT_S", "NONE", "OFFICE_PROCESS", "ONESHOT", "SERVER", "PdfConverter", "cmdline",
           "default_converter", "find_office", "free_port", "group_pids", "kill_group"]

log = logging.getLogger(__name__)

UNO_PYTHON = "/usr/bin/python3"  # Debian's python3-uno gives this interpreter `import uno`
START_TIMEOUT_S = 60.0
CONVERT_TIMEOUT_S = 60
SERVER_RETRY_S = 300.0  # after a failed start, one soffice per document for this long
BUSY_WARN_S = 30.0  # a conversion running longer than this is reported by `liputan status`

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


class ConverterClosed(HostOutage):
    """The converter was closed (the daemon is stopping): a letter still being made fails, and its
    job is retried at the next start (an outage: no attempt used up), rather than starting a
    LibreOffice the exit then waits for."""


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
        self._lock = threading.RLock()
        self._server = OfficeServer(str(self.office), uno_python, start_timeout, convert_timeout, tether)
        self.busy_since: float | None = None  # time.time() when the running conversion began
        self.closed = False  # close(final=True) ran: no office is started again until reopen()

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
            self._not_closed()
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
            if self.closed or not self.available() or self.mode != SERVER:
                return False
            return self._server.healthy() or self._start_server()

    def close(self, wait: float = 1.0, grace: float = STOP_GRACE_S, final: bool = False) -> None:
        """Stop LibreOffice and remove the state folder if this converter made it.

        A start or conversion still running after `wait` seconds does not hold up the exit: the
        office is stopped anyway (one left behind is killed by the next start), and a conversion
        that then finds it gone raises ConverterClosed instead of starting another when `final`
        (the daemon stopping; until reopen()). Without `final` the next conversion starts one."""
        self.closed = self.closed or final
        locked = self._lock.acquire(timeout=wait)
        try:
            self._server.stop(grace)
            if self._own_state and self.state_dir is not None:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                self.state_dir = None
        finally:
            if locked:
                self._lock.release()

    def reopen(self) -> None:
        """Make PDFs again after close() (a daemon started anew in the same process)."""
        self.closed = False

    def _not_closed(self) -> None:
        if self.closed:
            raise ConverterClosed("the PDF converter is closed (the daemon is stopping); "
                                  "the letter is made again at the next start")

    @property
    def server_pid(self) -> int | None:
        """The leader of the office's process group (the tether running unoserver), while running."""
        return self._server.pid

    @property
    def office_pid(self) -> int | None:
        """The running soffice.bin, if any."""
        return self._server.office_pid

    @property
    def starts(self) -> int:
        """How many times the long-lived office was started."""
        return self._server.starts

    @property
    def cold_start_s(self) -> float | None:
        """How long its last start took."""
        return self._server.cold_start_s

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
        self.office = self._server.office = office
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

    # --- the long-lived office (office_server.py) -----------------------------------------------

    def _convert_server(self, docx: Path) -> bytes | None:
        """PDF bytes from the long-lived office; restarts it (once) when it died, one soffice per
        document for a while when it cannot start."""
        if time.monotonic() < self._server_retry_at:
            return self._convert_oneshot(docx)
        for _attempt in range(2):
            if not self._server.healthy():
                self._not_closed()  # stopped by close() under this conversion: start none
            if not self._server.healthy() and not self._start_server():
                self._server_retry_at = time.monotonic() + SERVER_RETRY_S
                self._mode_reason = self.reason
                return self._convert_oneshot(docx)
            began = time.monotonic()
            try:
                return self._server.convert(docx)
            except (OSError, xmlrpc.client.Error) as exc:
                if time.monotonic() - began >= self.convert_timeout:  # hung: ours or unoserver's timeout
                    self.reason = f"conversion of {docx.name} took over {self.convert_timeout} s; office stopped"
                    log.warning("%s", self.reason)
                    self._server.stop()
                    return None
                if self._server.healthy():
                    self.reason = f"LibreOffice could not convert {docx.name}: {exc}"
                    log.warning("%s", self.reason)
                    return None
                log.warning("LibreOffice died while converting %s (%s); restarting it", docx.name, exc)
        self.reason = f"LibreOffice died twice while converting {docx.name}"
        return None

    def _start_server(self) -> bool:
        """Start the long-lived office; `reason` says why not when it cannot."""
        if not self._server.start(self._base(), SERVER_RETRY_S):
            self.reason = self._server.failure
            return False
        self._mode_reason = ""
        return True

    # --- one soffice per document (oneshot.py) --------------------------------------------------

    def _convert_oneshot(self, docx: Path) -> bytes | None:
        """PDF bytes from a `soffice --convert-to pdf` run of its own (the old way)."""
        data, failure = oneshot.convert(str(self.office), docx, self._base(), self.convert_timeout, self.tether)
        if data is None:
            self.reason = failure
        return data

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
