"""The LibreOffice processes on this machine: their process groups, stopping them, what is installed."""

from __future__ import annotations

import os
import socket
import subprocess
from importlib import metadata
from pathlib import Path

from daemon.paperwork import tether

OFFICE_PROCESS = "soffice.bin"


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


def tethered(cmd: list[str], on: bool) -> list[str]:
    """The command under a tether to this process: a daemon killed with SIGKILL takes its
    office down within a second (paperwork/tether.py); `on` False runs it bare."""
    return tether.command(cmd) if on else cmd
