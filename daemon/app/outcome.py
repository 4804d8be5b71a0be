"""The end of handling one inbound message: its final status and the reason."""

from __future__ import annotations


class Outcome(Exception):
    """Stop handling a message with a final status and reason."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason
