"""Reading an official's reply message: its own text (quotes and signatures removed), and the
decision in it; machine-sent mail never decides."""

from __future__ import annotations

from email.message import EmailMessage, Message
from typing import Any

from daemon.core.lexicon import default_lexicon, load_lexicon, normalise_lexicon
from daemon.core.types import Reading
from daemon.mail import mime
from daemon.reading.classify import machine
from daemon.reading.decisions import explain, read_text
from daemon.reading.quotes import own_text, strip_quotes

__all__ = ["default_lexicon", "explain", "load_lexicon", "normalise_lexicon", "read_reply", "read_text"]


def read_reply(msg_or_text: EmailMessage | Message | str | bytes, lexicon: Any) -> Reading:
    """Read the decision and note from a reply (message, raw bytes or text); never raises."""
    try:
        return _read(msg_or_text, lexicon)
    except Exception:
        return Reading(decision=None, note="", text="")


def _read(msg_or_text: EmailMessage | Message | str | bytes, lexicon: Any) -> Reading:
    if isinstance(msg_or_text, bytes):
        msg_or_text = mime.parse(msg_or_text)
    if isinstance(msg_or_text, Message):
        text = own_text(msg_or_text)
        if _automatic(msg_or_text):
            return Reading(decision=None, note="", text=text)  # machines never decide
    else:
        text = strip_quotes(str(msg_or_text))
    return read_text(text, lexicon)


def _automatic(msg: Message) -> bool:
    try:
        return machine(msg) is not None
    except Exception:
        return True  # unreadable headers: do not let them decide anything
