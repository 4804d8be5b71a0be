"""What may be taken from the shared folder: safe names, no symlinks, inside a request folder, and
whether the share is a network mount (where inotify sees nothing)."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

from daemon.core import quarantine_reasons as reasons
from daemon.delivery.folders import QUARANTINE_DIR, request_code_of
from daemon.delivery.sniff import classify, is_ignored

NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "afs", "ceph", "glusterfs", "9p", "davfs", "ncpfs",
              "lustre", "gpfs", "sshfs", "fuse"}



def relative(root: Path, path: str | Path) -> str | None:
    """The path under root with '/' separators (symlinks not resolved); None when outside it."""
    full, base = os.path.abspath(path), os.path.abspath(root)
    if not full.startswith(base.rstrip(os.sep) + os.sep):
        return None
    return full[len(base.rstrip(os.sep)) + 1:].replace(os.sep, "/")


def in_quarantine(rel: str) -> bool:
    return rel.split("/", 1)[0] == QUARANTINE_DIR


def _unescape_mount(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes (\\040 ...)."""
    return field.encode().decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def mount_fstype(path: Path, mounts_text: str | None = None) -> str | None:
    """The file system type of the mount a path lies on, from /proc/mounts (or the text given)."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = os.path.realpath(path)
    best, fstype = "", None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape_mount(fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, fields[2]
    return fstype


def is_network_fs(path: Path, mounts_text: str | None = None) -> bool:
    """True on SMB/NFS/FUSE and other mounts whose changes inotify does not see."""
    fstype = (mount_fstype(path, mounts_text) or "").lower()
    return fstype in NETWORK_FS or fstype.split(".", 1)[0] in NETWORK_FS


def unsafe_name_reason(name: str) -> str | None:
    """Why a file or folder name is not accepted, or None when it is safe."""
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return reasons.shown("name_control_characters")
    if set(name) <= {".", " "}:
        return reasons.shown("name_only_dots")
    if name.startswith(".."):
        return reasons.shown("name_leading_dots")
    if name.startswith("-"):
        return reasons.shown("name_leading_dash")
    return None


def judge(root: Path, path: Path, max_bytes: int) -> tuple[Path, str | None] | None:
    """(what to report, refusal reason or None when ready); None when it is to be ignored."""
    rel = relative(root, path)
    if rel is None or in_quarantine(rel) or is_ignored(path.name):
        return None
    parts = rel.split("/")
    current = Path(root)
    for part in parts:
        current = current / part
        try:
            st = os.lstat(current)
        except OSError:
            return None  # gone meanwhile
        if stat.S_ISLNK(st.st_mode):
            return current, reasons.shown("file_symlink")
        reason = unsafe_name_reason(part)
        if reason:
            return current, reason
    real_root = os.path.realpath(root)
    if not os.path.realpath(path).startswith(real_root + os.sep):
        return path, reasons.shown("file_outside_share")
    return path, _file_reason(path, rel, st, max_bytes)


def _file_reason(path: Path, rel: str, st: os.stat_result, max_bytes: int) -> str | None:
    if stat.S_ISDIR(st.st_mode):
        return None  # a folder is judged file by file
    if not stat.S_ISREG(st.st_mode):
        return reasons.shown("file_special")
    if st.st_nlink > 1:
        return reasons.shown("file_hardlink")
    if request_code_of(rel) is None or rel.count("/") < 2:
        return reasons.shown("file_outside_request")
    return classify(path, max_bytes).reason
