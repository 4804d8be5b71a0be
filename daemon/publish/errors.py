"""Publishing failures, split by what the caller should do: retry later, or stop and tell a person."""

from __future__ import annotations


class PublishError(Exception):
    """A channel could not publish."""


class TransientError(PublishError):
    """Worth retrying with backoff: the server was down, slow, overloaded or rate-limited us."""


class PermanentError(PublishError):
    """Retrying will not help until a person fixes something (credentials, rights, the content)."""


class TooLargeError(PermanentError):
    """The photos do not fit a mail's size budget even at the smallest size we make."""
