"""The request a log line is about: a context variable every log record carries as `request_code`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

SUBJECT_TAG = re.compile(r"\[(LPT-\d{4}-\d{3,6})\]", re.IGNORECASE)  # our mail's subject tag
_code: ContextVar[str | None] = ContextVar("liputan_request_code", default=None)


def set_code(code: str | None) -> None:
    """From now on in this unit of work (see `about`), log lines name this request."""
    _code.set(code)


def code_in(subject: str | None) -> str | None:
    """The request code of one of our own mails, from its subject tag `[LPT-YYYY-NNNN]`."""
    match = SUBJECT_TAG.search(subject or "")
    return match.group(1).upper() if match else None


def current() -> str | None:
    return _code.get()


@contextmanager
def about(code: str | None = None) -> Iterator[None]:
    """One unit of work (a message, a job): lines inside it name `code` (or the code set inside
    it with `set_code`); afterwards the previous code, if any, again."""
    token = _code.set(code)
    try:
        yield
    finally:
        _code.reset(token)


class RequestCode(logging.Filter):
    """Put the current request's code on each record (`extra={"request_code": ...}` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_code", None) is None:
            record.request_code = _code.get()
        return True
