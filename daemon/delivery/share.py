"""Whether the shared folder is there: a folder, and still a mount point when it was one (an
unmounted share leaves an empty local folder in its place, which must not be taken for it)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_mounted: set[str] = set()  # roots this process has seen as mount points
_lock = threading.Lock()


def problem(root: Path, require_mount: bool = False) -> tuple[str, str] | None:
    """(code, detail) when the share is away: `missing` (no folder there) or `unmounted` (a mount
    point before, or `[delivery] require_mount`, and a plain folder now); None when it is there."""
    root = Path(os.path.abspath(root))
    key = str(root)
    if not root.is_dir():
        return "missing", f"{root} is missing or not a folder (share unmounted?)"
    if is_mount(root):
        with _lock:
            _mounted.add(key)
        return None
    with _lock:
        was = key in _mounted
    if was or require_mount:
        return "unmounted", f"{root} is no longer a mount point (share unmounted?)" if was else \
            f"{root} is not a mount point ([delivery] require_mount)"
    return None


def is_mount(path: Path) -> bool:
    """A mount point: another device than its parent, or (a bind mount of a folder of the same
    disk) listed in /proc/self/mountinfo."""
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", "rb") as fh:
            points = {line.split(b" ")[4] for line in fh if line.count(b" ") > 4}
    except OSError:
        return False
    name = os.fsencode(os.path.realpath(path))
    for char in (b"\\", b" ", b"\t", b"\n"):  # mountinfo writes these as octal escapes
        name = name.replace(char, b"\\%03o" % char[0])
    return name in points


def check(root: Path, require_mount: bool = False) -> None:
    """Raise FileNotFoundError when the share is unmounted, so nothing is written into the local
    folder in its place (a root missing altogether is made, as at the daemon's start)."""
    found = problem(root, require_mount)
    if found is not None and found[0] == "unmounted":
        raise FileNotFoundError(found[1])
