"""A loop's failure logged once per outage (with its traceback), then once when it works again."""

from __future__ import annotations

import errno
import logging


class Outage:
    """For a worker that retries the same round: the first failure is an error with its trace,
    a different error later a warning, the repeats only debug lines; success ends the outage."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log, self.what = log, what
        self.error: str | None = None
        self.repeats = 0

    def failed(self, exc: BaseException) -> None:
        """Call inside the except block."""
        text = f"{type(exc).__name__}: {exc}"
        if self.error is None:
            self.log.exception("%s failed; retrying (logged once until it works again)", self.what)
        elif text.splitlines()[0] != self.error.splitlines()[0]:
            self.log.warning("%s still failing, now: %s", self.what, text.splitlines()[0])
        else:
            self.log.debug("%s failed again: %s", self.what, text)
        self.error, self.repeats = text, self.repeats + 1

    def ok(self) -> None:
        if self.error is not None:
            self.log.info("%s works again (after %d failed round(s))", self.what, self.repeats)
        self.error, self.repeats = None, 0


class HostOutage(RuntimeError):
    """An error of the host, not of the work (e.g. the PDF converter closed as the daemon stops):
    the work is retried without using up one of its attempts."""


FULL = ("database or disk is full", "no space left on device", "disk quota exceeded")


def disk_full(exc: BaseException | None) -> bool:
    """Whether an error (or one it came from) says a disk or the database is full: an outage of
    the host, not a fault of the work, so it is retried without using up the work's attempts."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(words in str(exc).lower() for words in FULL):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def host_outage(exc: BaseException | None) -> bool:
    """Whether an error (or one it came from) is the host's, not the work's: a full disk or
    database, or a HostOutage (a part of the daemon closed under it as it stops)."""
    seen, first = 0, exc
    while exc is not None and seen < 10:
        if isinstance(exc, HostOutage):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return disk_full(first)
