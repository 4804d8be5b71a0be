"""Freed heap memory handed back to the operating system (glibc's malloc_trim), now and then."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time

log = logging.getLogger("daemon.core.memory")
_state: dict = {"trim": None, "loaded": False, "last": float("-inf")}


def _malloc_trim():  # noqa: ANN202 - a ctypes function or None
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    if not _state["loaded"]:
        _state["loaded"] = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _state["trim"] = libc.malloc_trim
            _state["trim"].argtypes, _state["trim"].restype = [ctypes.c_size_t], ctypes.c_int
        except (OSError, AttributeError):
            log.info("no malloc_trim in this C library: freed memory stays with the process")
    return _state["trim"]


def release(every: float = 0.0) -> bool:
    """Give the free pages of every malloc arena back to the system (a millisecond or two), at
    most once per `every` seconds. Letters rendered in worker threads leave tens of MB free but
    held in their arenas; this is what keeps the daemon's RSS flat. True when it trimmed."""
    now = time.monotonic()
    trim = _malloc_trim()
    if trim is None or now - _state["last"] < every:
        return False
    _state["last"] = now
    trim(0)
    return True
