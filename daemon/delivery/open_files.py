"""Which files a process on this machine holds open for writing, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Iterable

PROC = Path("/proc")
WRITE_MODES = (os.O_WRONLY, os.O_RDWR)


def open_for_writing(paths: Iterable[Path], proc: Path = PROC) -> set[Path] | None:
    """Those of `paths` some process holds open for writing (as far as /proc lets us see: other
    users' processes are hidden from an unprivileged daemon, and a writer on another machine of a
    network share never shows). None when there is no /proc to read."""
    wanted: dict[tuple[int, int], Path] = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        wanted[(st.st_dev, st.st_ino)] = path
    if not wanted:
        return set()
    try:
        pids = [e.name for e in os.scandir(proc) if e.name.isdigit()]
    except OSError:
        return None
    names = {p.name for p in wanted.values()}
    found: set[Path] = set()
    for pid in pids:
        found |= _writers_in(proc / pid, wanted, names)
        if len(found) == len(wanted):
            break
    return found


def _writers_in(process: Path, wanted: dict[tuple[int, int], Path], names: set[str]) -> set[Path]:
    found: set[Path] = set()
    try:
        fds = list(os.scandir(process / "fd"))
    except OSError:  # gone, or not ours to read
        return found
    for fd in fds:
        try:
            target = os.readlink(fd.path)
            if target.rsplit("/", 1)[-1].removesuffix(" (deleted)") not in names:
                continue  # cheap: only a link that ends in a wanted name is stat'ed
            st = os.stat(fd.path)
            path = wanted.get((st.st_dev, st.st_ino))
            if path is not None and _writing(process / "fdinfo" / fd.name):
                found.add(path)
        except OSError:  # closed meanwhile
            continue
    return found


def _writing(fdinfo: Path) -> bool:
    """The descriptor's access mode is write-only or read-write (fdinfo `flags:` is octal)."""
    for line in fdinfo.read_text().splitlines():
        if line.startswith("flags:"):
            return int(line.split()[1], 8) & os.O_ACCMODE in WRITE_MODES
    return False
