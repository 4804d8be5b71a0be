"""Durable writes: a temp file beside the target, fsynced, renamed over it, and the folder fsynced."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

log = logging.getLogger("daemon.core.durable")

# a batch at least this large is made durable with one syncfs(2), not a fsync per file
SYNCFS_MIN_FILES = 4


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a new or renamed file in it) to disk."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(folder: Path) -> None:
    """mkdir -p, fsyncing the parent of every folder it creates."""
    folder = Path(folder)
    if folder.is_dir():
        return
    make_dirs(folder.parent)
    try:
        folder.mkdir()
    except FileExistsError:
        return  # made meanwhile by another writer
    fsync_dir(folder.parent)


def atomic_write(path: Path, data: bytes | Iterable[bytes], sync_dir: bool = True) -> Path:
    """Write `data` to `path` so that a crash leaves the old file or the whole new one, never a part.

    `data` may be an iterable of parts, written as they come (a large file need not be whole in
    memory). `sync_dir=False` leaves the folder's fsync to a caller that writes a batch into it."""
    path = Path(path)
    make_dirs(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            else:
                fh.writelines(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)
    return path


def write_new(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write a batch of files as atomic_write does, the folders fsynced once each.

    A batch of SYNCFS_MIN_FILES or more on Linux 5.8+ (where syncfs(2) reports write-back
    errors): every temp file written, one syncfs per filesystem for all of them (one journal
    commit for the batch, not one per file), then renamed into place; a name never points at
    data that is not on disk. Smaller batches, and other systems, fsync each file."""
    if len(files) < SYNCFS_MIN_FILES or _syncfs() is None:
        for path, data in files:
            atomic_write(path, data, sync_dir=False)
    else:
        _write_synced_once(files)
    for folder in {Path(path).parent for path, _ in files}:
        fsync_dir(folder)


def _write_synced_once(files: Sequence[tuple[Path, bytes]]) -> None:
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            path = Path(path)
            make_dirs(path.parent)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            temps.append((tmp, path))
            with open(tmp, "wb") as fh:
                fh.write(data)
        for folder in {os.stat(p.parent).st_dev: p.parent for _, p in temps}.values():
            syncfs(folder)
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise


_LIBC: list = []


def _syncfs():  # noqa: ANN202 - the C function, or None
    """libc's syncfs on Linux 5.8 or later (earlier kernels do not report its write errors)."""
    if not _LIBC:
        found = None
        if sys.platform == "linux" and _kernel() >= (5, 8):
            try:
                found = ctypes.CDLL(None, use_errno=True).syncfs
            except (OSError, AttributeError):
                found = None
        _LIBC.append(found)
    return _LIBC[0]


def _kernel() -> tuple[int, int]:
    try:
        major, minor = os.uname().release.split(".")[:2]
        return int(major), int("".join(c for c in minor if c.isdigit()) or 0)
    except (ValueError, AttributeError):
        return (0, 0)


def syncfs(folder: Path) -> None:
    """Flush everything written to the filesystem holding `folder` (syncfs(2)); raises OSError."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        if _syncfs()(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(folder))
    finally:
        os.close(fd)
