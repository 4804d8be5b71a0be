"""Freed heap memory handed back to the operating system (glibc's malloc_trim), now and then."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import time

log = logging.getLogger("daemon.core.memory")
_state: dict = {"trim": None, "loaded": False, "last": float("-inf"), "libc": None}
M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def _malloc_trim():  # noqa: ANN202 - a ctypes function or None
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    if not _state["loaded"]:
        _state["loaded"] = True
        try:
            libc = _state["libc"] = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
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


def limit_arenas(arenas: int) -> bool:
    """At most `arenas` malloc arenas for the whole process (glibc's M_ARENA_MAX, as
    MALLOC_ARENA_MAX does): each thread that allocates otherwise gets its own arena (up to 8 per
    core), and each keeps its own free pages. Call it before the threads start; 0 leaves glibc's
    default. True when set."""
    if arenas <= 0 or _malloc_trim() is None:
        return False
    mallopt = _state["libc"].mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    if mallopt(M_ARENA_MAX, arenas) != 1:
        log.info("mallopt(M_ARENA_MAX, %d) refused: glibc's default arenas", arenas)
        return False
    return True


def freeze_startup() -> None:
    """The objects made while starting (modules, rules, config: they live as long as the process)
    are moved out of the collector's sight (gc.freeze), after one collection. A worker forked
    later then never has its collector write to them, so their pages stay shared with this
    process instead of being copied into each worker; collections here get shorter too."""
    gc.collect()
    gc.freeze()


def in_worker() -> bool:
    """True in a worker process started by multiprocessing (a letter worker), not in the daemon."""
    return multiprocessing.parent_process() is not None
