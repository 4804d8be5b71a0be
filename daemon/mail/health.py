"""What the mailbox worker last knew of its connection, for the heartbeat (`liputan status`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable

CONNECTING, CONNECTED, AWAY, STANDBY, STOPPED = "connecting", "connected", "away", "standby", "stopped"
CANNOT_STORE = "cannot_store"  # connected, but new mail cannot be stored here (e.g. disk full)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class MailboxState:
    state: str = CONNECTING
    since: datetime = field(default_factory=_now)
    error: str | None = None  # why it is away (the exception, as the log says it)
    last_message_at: datetime | None = None  # when this worker last stored a message


class MailboxHealth:
    """Thread-safe: the worker's thread sets it, the event loop reads a copy; `listener` (set by
    the service) is called on every change of state so the heartbeat is written at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = MailboxState()
        self.listener: Callable[[], None] | None = None

    def snapshot(self) -> MailboxState:
        with self._lock:
            return replace(self._state)

    def set(self, state: str, error: str | None = None) -> None:
        with self._lock:
            if self._state.state == state and self._state.error == error:
                return
            changed_state = self._state.state != state
            self._state.state, self._state.error = state, error
            if changed_state:
                self._state.since = _now()
        self._tell()

    def message_seen(self) -> None:
        with self._lock:
            self._state.last_message_at = _now()
        self._tell()

    def _tell(self) -> None:
        if self.listener is not None:
            self.listener()


class SmtpHealth:
    """Whether the SMTP server takes our mail, as the outbox last found it: one outage is one
    `failing` period (its first error, then the latest), with the pause before the next probe."""

    def __init__(self, server: str, retry_max: float, retry_first: float = 2.0) -> None:
        self.server, self.retry_max, self.retry_first = server, retry_max, retry_first
        self._lock = threading.Lock()
        self.failing_since: datetime | None = None
        self.error: str | None = None
        self.failures = 0  # consecutive failed attempts in this outage
        self._retry_at = 0.0  # time.monotonic() of the next probe
        self.listener: Callable[[], None] | None = None

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def fail(self, error: str) -> bool:
        """Record a failure of the server; True when it starts an outage."""
        with self._lock:
            started = self.failing_since is None
            if started:
                self.failing_since, self.failures = _now(), 0
            self.failures += 1
            self.error = error
            pause = min(self.retry_first * 2 ** (self.failures - 1), self.retry_max)
            self._retry_at = time.monotonic() + pause
        self._tell()
        return started

    def ok(self) -> float | None:
        """The server took a mail; the outage's length in seconds when this ends one."""
        with self._lock:
            if self.failing_since is None:
                return None
            lasted = (_now() - self.failing_since).total_seconds()
            self.failing_since, self.error, self.failures, self._retry_at = None, None, 0, 0.0
        self._tell()
        return lasted

    def retry_in(self) -> float:
        """Seconds until the next probe of a failing server (0 when it is not failing)."""
        with self._lock:
            return max(0.0, self._retry_at - time.monotonic()) if self.failing_since else 0.0

    def check(self) -> dict:
        """For the heartbeat's checks (JSON): `ok` false with `since` and `error` during an outage."""
        with self._lock:
            if self.failing_since is None:
                return {"ok": True, "server": self.server, "since": None, "error": None, "failures": 0}
            return {"ok": False, "server": self.server, "since": self.failing_since.isoformat(),
                    "error": self.error, "failures": self.failures}

    def _tell(self) -> None:
        if self.listener is not None:
            self.listener()
