"""A PDF from one `soffice --convert-to pdf` run of its own: the fallback without a long-lived office."""

from __future__ import annotations

import signal
import subprocess
import tempfile
from pathlib import Path

from daemon.paperwork.office_process import kill_group, tethered


def convert(office: str, docx: Path, base: Path, timeout: float, tether: bool) -> tuple[bytes | None, str]:
    """(PDF bytes, '') or (None, why not in English); soffice runs with a fresh profile under base."""
    with tempfile.TemporaryDirectory(dir=base, prefix="oneshot-") as tmp:
        profile = Path(tmp) / "profile"
        cmd = [str(office), f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--convert-to", "pdf", "--outdir", tmp, str(docx)]
        failure = run_group(cmd, docx, timeout, tether)
        if failure:
            return None, failure
        pdf = Path(tmp) / f"{docx.stem}.pdf"
        if not pdf.is_file():
            return None, f"soffice made no PDF of {docx.name}"
        return pdf.read_bytes(), ""


def run_group(cmd: list[str], docx: Path, timeout: float, tether: bool) -> str:
    """Run soffice in its own process group, killed on timeout; '' when it succeeded, else why not."""
    try:
        proc = subprocess.Popen(tethered(cmd, tether), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return f"cannot run {cmd[0]}: {exc}"
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"soffice took over {timeout} s on {docx.name}"
    kill_group(proc.pid, signal.SIGKILL)  # nothing may outlive the run
    if proc.returncode != 0:
        return f"soffice failed on {docx.name}: {err.decode(errors='replace').strip()[-300:]}"
    return ""
