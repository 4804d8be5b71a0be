"""Durable writes: a temp file beside the target, fsynced, renamed over it, and the folder fsynced."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path


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
