"""Reading one inbound message within its budget (size, parts, depth, time), before any database
transaction: the result is handed to the dispatcher, or the reason the message is over budget."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.message import Message
from collections.abc import Sequence
from typing import Any

from daemon.core import quarantine_reasons as reasons
from daemon.core.types import Classification, Reading
from daemon.mail import mime
from daemon.reading import classify, quotes, replies


@dataclass
class Prepared:
    """A message read outside the write transaction: parsed, classified, its texts computed once."""

    msg: Message | None = None
    c: Classification | None = None
    over: str | None = None  # why the message is over its budget (then nothing else is set)
    seconds: float = 0.0
    inbound_id: int | None = None  # the inbound row it was read for
    readings: dict[str, Reading | Exception] = field(default_factory=dict)  # sent Message-ID -> reading
    letters: list | None = None  # the requests of what may be a new letter, extracted with it
    ocr_needed: list = field(default_factory=list)  # its scans not yet in the OCR cache

    def reading(self, sent_id: str | None) -> Reading | None:
        """The reply read against the mail with `sent_id`, if it was read here; a failure raises."""
        found = self.readings.get(sent_id or "")
        if isinstance(found, Exception):
            raise found
        return found


def prepare(raw: bytes, budget: Any, our_domain: str | None) -> Prepared:
    """Parse and classify `raw`, and compute the texts every reader uses, within `budget`
    (the config's [reading] section)."""
    started = time.monotonic()
    if len(raw) > budget.max_message_mb * 1024 * 1024:
        return Prepared(over=reasons.english("message_too_large", size=f"{len(raw) / 1048576:.1f}",
                                                limit=f"{budget.max_message_mb:g}"))
    msg = mime.remember(mime.parse(raw))
    over = _shape(msg, budget)
    if over is None:
        text = mime.body_text(msg)
        if len(text) > budget.max_text_chars:
            over = reasons.english("text_too_long", chars=f"{len(text):,}", limit=f"{budget.max_text_chars:,}")
    if over is not None:
        return Prepared(over=over, seconds=time.monotonic() - started)
    c = classify.classify(msg, our_domain)
    quotes.own_text(msg)
    seconds = time.monotonic() - started
    if seconds > budget.max_seconds:
        return Prepared(over=over_time(seconds, budget), seconds=seconds)
    return Prepared(msg=msg, c=c, seconds=seconds)


def read_reply(pre: Prepared, lexicon: Any, sent: Any, budget: Any, names: Sequence[str] = ()) -> None:
    """Read the reply against the mail we sent (`sent`: an outbox row); a failure is kept, to be
    raised where the reading is used (an internal error, never an answer). `names`: the sender's
    names in the rules (a last line signing with one is no note)."""
    started = time.monotonic()
    try:
        pre.readings[sent.message_id] = replies.read_reply(pre.msg, lexicon, sent, names)
    except Exception as exc:  # noqa: BLE001 - recorded by read_reply; raised again by Prepared.reading
        pre.readings[sent.message_id] = exc
    pre.seconds += time.monotonic() - started
    if pre.seconds > budget.max_seconds:
        pre.over = over_time(pre.seconds, budget)


def over_time(seconds: float, budget: Any) -> str:
    return reasons.english("reading_too_slow", seconds=f"{seconds:.1f}", limit=f"{budget.max_seconds:g}")


def _shape(msg: Message, budget: Any) -> str | None:
    """Too many parts, or multiparts nested too deep (counted without recursion)."""
    count, stack = 0, [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > budget.max_parts:
            return reasons.english("too_many_parts", limit=budget.max_parts)
        if depth > budget.max_depth:
            return reasons.english("nested_too_deep", limit=budget.max_depth)
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend((p, depth + 1) for p in payload if isinstance(p, Message))
    return None
