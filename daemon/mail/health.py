"""What the mailbox worker last knew of its connection, for the heartbeat (`liputan status`)."""

from __future__ import annotations

import threading
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
