"""Reader guards: a reader that fails is recorded (logged and counted), never hidden; tests make it raise."""

from __future__ import annotations

import contextvars
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("daemon.reading")
STRICT: contextvars.ContextVar[bool] = contextvars.ContextVar("reader_guard_strict", default=False)
FAILURES: Counter[str] = Counter()  # reader name -> failures since start (`liputan status`, tests)


class ReadingFailed(Exception):
    """A reader failed on a message: an internal error, never an answer about the message."""

    def __init__(self, what: str, exc: BaseException):
        super().__init__(f"{what} failed: {type(exc).__name__}: {exc}"[:400])
        self.what = what


@contextmanager
def strict() -> Iterator[None]:
    """Inside this block a guarded failure raises instead of taking its fallback (fuzz and corpus tests)."""
    token = STRICT.set(True)
    try:
        yield
    finally:
        STRICT.reset(token)


def failed(what: str, exc: BaseException, *, level: int = logging.ERROR) -> None:
    """Record a reader's failure; call it from an except block, then return the fail-closed fallback.
    In strict mode the exception is raised again, so no test can pass over a hidden failure."""
    FAILURES[what] += 1
    log.log(level, "%s failed: %s: %s", what, type(exc).__name__, exc, exc_info=exc)
    if STRICT.get():
        raise exc
