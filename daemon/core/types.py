"""Plain data passed between the readers, the workflow engine and the letters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Decision = Literal["approve", "reject", "revise"]
MessageKind = Literal["request", "reply", "auto_reply", "bounce", "list", "unknown"]

REQUEST_FIELDS = ("title", "start", "location", "requester")  # required to open a request


@dataclass
class Classification:
    """What kind of inbound message this is, judged from headers and text alone."""

    kind: MessageKind
    reason: str  # short English reason for logs and the history
    # for bounces: the Message-IDs (with <>) of our messages that bounced, and the failed recipients
    bounced_message_ids: list[str] = field(default_factory=list)
    failed_recipients: list[str] = field(default_factory=list)
    # for replies: the subject tag found (e.g. "LPT-2026-0007") and referenced Message-IDs
    tag: str | None = None
    references: list[str] = field(default_factory=list)


@dataclass
class Reading:
    """The decision read from a reply's own text (quotes and signatures removed)."""

    decision: Decision | None
    note: str  # the official's note, "" when none
    text: str  # the reply's own text after quote/signature removal


@dataclass
class RequestFacts:
    """One event read from a request letter; fields not found are None and listed in `missing`."""

    title: str | None = None
    start: datetime | None = None  # timezone-aware
    end: datetime | None = None  # None with until_done=True for "s.d. selesai"
    until_done: bool = False
    location: str | None = None
    requester: str | None = None  # the unit, as named in the letter
    contact_name: str | None = None
    contact_phone: str | None = None
    letter_number: str | None = None  # the unit's own nomor surat, when stated
    letter_date: date | None = None
    letter_subject: str | None = None  # the letter's own Hal/Perihal
    kecamatan: str | None = None
    island: str | None = None
    outside_island: bool | None = None
    source: str = "body"  # body | html | pdf | docx | ocr | forwarded
    missing: list[str] = field(default_factory=list)
    forwarded_from: str | None = None  # the requester's address when the letter came forwarded
    event_date: date | None = None  # the day, kept even when the time (and so `start`) is missing

    def compute_missing(self) -> list[str]:
        """List the required fields that are still empty."""
        self.missing = [f for f in REQUEST_FIELDS if getattr(self, f) in (None, "")]
        return self.missing
