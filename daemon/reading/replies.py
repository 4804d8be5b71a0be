"""Reading an official's reply message: its own text (quotes and signatures removed), and the
decision in it; machine-sent mail never decides."""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from collections.abc import Sequence
from typing import Any

from daemon.core import guard
from daemon.core.lexicon import default_lexicon, load_lexicon, normalise_lexicon
from daemon.core.types import Reading
from daemon.mail import mime
from daemon.reading.classify import machine
from daemon.reading.decisions import read_text, read_text_with_reasons
from daemon.reading.explain import explain
from daemon.reading.quotes import own_text, quote_facts, strip_quotes
from daemon.reading.signoff import drop_signer

__all__ = ["default_lexicon", "explain", "load_lexicon", "normalise_lexicon", "read_reply", "read_text"]


def read_reply(msg_or_text: EmailMessage | Message | str | bytes, lexicon: Any, sent: Any = None,
               names: Sequence[str] = ()) -> Reading:
    """Read the decision and note from a reply (message, raw bytes or text).

    `sent` is the mail the reply answers, as we sent it: an outbox row (`.subject`, `.raw`), a message,
    its raw bytes, or only its subject. With it, lines that continue our own text are never the
    official's, and a reply whose own text is empty is read from the words added to our subject.
    `names`: the sender's names as the rules know them (besides the From display name): a last line
    that only signs the reply with one of them is not the decision's note."""
    try:
        return _read(msg_or_text, lexicon, *_sent(sent), None, names)
    except Exception as exc:  # an internal error, never "an unclear reply": the caller quarantines
        guard.failed("read_reply", exc)
        raise guard.ReadingFailed("reading the reply", exc) from exc


def read_reply_with_reasons(msg_or_text: EmailMessage | Message | str | bytes, lexicon: Any,
                            sent: Any = None, names: Sequence[str] = ()) -> tuple[Reading, dict[str, Any]]:
    """The reading of read_reply and why it was read so: a machine's mark, how the quote was removed,
    the words added to the subject when the own text was empty, the words that decided and those held
    back (each with its rule); never raises."""
    why: dict[str, Any] = {}
    try:
        return _read(msg_or_text, lexicon, *_sent(sent), why, names), why
    except Exception as exc:
        why["error"] = f"{type(exc).__name__}: {exc}"
        return Reading(decision=None, note="", text=""), why


def _sent(sent: Any) -> tuple[str | None, str | None]:
    """(subject, body text) of the mail we sent, as far as known."""
    if sent is None or isinstance(sent, str):
        return sent, None
    body = getattr(sent, "body_text", None)
    if body is not None:  # kept as written: the mail (its letters and all) is not parsed again
        return getattr(sent, "subject", None), body
    raw = getattr(sent, "raw", sent)
    msg = mime.parse(raw) if isinstance(raw, bytes) else raw
    if not isinstance(msg, Message):
        return getattr(sent, "subject", None), None
    return getattr(sent, "subject", None) or mime.header(msg, "Subject"), mime.body_text(msg)


def _read(msg_or_text: EmailMessage | Message | str | bytes, lexicon: Any, sent_subject: str | None,
          sent_body: str | None, why: dict[str, Any] | None, names: Sequence[str] = ()) -> Reading:
    """The reading; given a dict `why`, also why it was read so (a second look at the quote: off the
    hot path, for `liputan show`)."""
    note = why if why is not None else {}
    if isinstance(msg_or_text, bytes):
        msg_or_text = mime.parse(msg_or_text)
    if isinstance(msg_or_text, Message):
        text = own_text(msg_or_text, sent_body)
        note["own_text"] = text
        names = [mime.address(msg_or_text)[0], *names]
        if why is not None:
            why["quotes"] = quote_facts(msg_or_text, sent_body)
        if _automatic(msg_or_text):
            if why is not None:
                why["machine"] = _machine_reason(msg_or_text)
            return Reading(decision=None, note="", text=text)  # machines never decide
        if not text.strip():
            added = subject_addition(msg_or_text, sent_subject)
            if added:
                note["from_subject"] = added
                return _decide(added, lexicon, note)
    else:
        text = strip_quotes(str(msg_or_text), sent_body)
        note["own_text"] = text
    lex = lexicon if isinstance(lexicon, dict) and "name_titles" in lexicon else normalise_lexicon(lexicon)
    text, signed = drop_signer(text, names, lex)
    if signed:
        note["signed"] = signed  # the sender's name (title, NIP) under the answer: no note
    return _decide(text, lexicon, note)


def _decide(text: str, lexicon: Any, note: dict[str, Any]) -> Reading:
    reading, decided = read_text_with_reasons(text, lexicon)
    note.update(decided)
    return reading


def _machine_reason(msg: Message) -> str:
    try:
        found = machine(msg)
    except Exception as exc:
        return f"unreadable headers ({type(exc).__name__})"
    return f"{found.kind}: {found.reason}" if found else "machine-sent"


# ---- a decision only in the subject ------------------------------------------------------------
REPLY_PREFIXES_RE = re.compile(r"^\s*((re|res|rif|bls|balas|aw|sv|vs|antw|odp|r)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# A subject line of a quoted header block: the subject we sent, as the official's client shows it.
QUOTED_SUBJECT_RE = re.compile(
    r"^[\s>]*\*?(subjek|subject|betreff|objet|onderwerp|oggetto|assunto|asunto|perihal|judul)\s*:\*?\s*(?P<v>.+?)\s*$",
    re.IGNORECASE)
# The title line of our own mail (templates/email/_facts.txt): our subjects end with the title.
QUOTED_TITLE_RE = re.compile(r"^[\s>]*acara\s*:\s*(?P<v>.+?)\s*$", re.IGNORECASE)
OUR_SUBJECT_RE = re.compile(r"^\s*\[?LPT-\d{4}-\d{3,6}\]?\s", re.IGNORECASE)
ADDED_TRIM = " \t-–—:|,;/()[]"
ADDED_MAX_CHARS = 200


def subject_addition(msg: Message, sent_subject: str | None = None) -> str:
    """The words the official added after our own subject ("Re: [LPT-…] Mohon disposisi: … - TOLAK"
    gives "TOLAK"), or "" when there are none or we cannot tell which words are ours. Our subject is
    `sent_subject`, else the one in the quoted header block, else our subject's form ending in the
    quoted title; words that continue our own text in the quote are never the official's."""
    subject = " ".join(mime.header(msg, "Subject").split())
    reply = REPLY_PREFIXES_RE.sub("", subject)
    if reply == subject:
        return ""  # not a reply subject: nothing to compare with
    quote = _flat_quote(msg)
    for ours, whole in _sent_subjects(msg, sent_subject):
        added = _after(reply, ours, whole)
        if added is None:
            continue
        words = added.strip(ADDED_TRIM)
        if not words or len(words) > ADDED_MAX_CHARS:
            return ""
        if _norm(f"{ours} {added}") in quote or _norm(f"{ours}{added}") in quote:
            return ""  # the "added" words are our own title, wrapped or cut in a candidate
        return words
    return ""


def _sent_subjects(msg: Message, told: str | None) -> list[tuple[str, bool]]:
    """Candidates for our subject: (text, whether it is the whole subject or only its ending)."""
    found: list[tuple[str, bool]] = []
    if told and told.strip():
        return [(REPLY_PREFIXES_RE.sub("", " ".join(told.split())), True)]
    lines = mime.body_text(msg).replace("\r", "").split("\n")
    for rx, whole in ((QUOTED_SUBJECT_RE, True), (QUOTED_TITLE_RE, False)):
        for line in lines:
            m = rx.match(line)
            if m:
                value = REPLY_PREFIXES_RE.sub("", " ".join(m.group("v").split()))
                if not whole or OUR_SUBJECT_RE.match(value):
                    found.append((value, whole))
    return found


def _after(reply: str, ours: str, whole: bool) -> str | None:
    """The text after our subject in the reply's subject, None when our subject is not in it."""
    low, mine = reply.lower(), ours.lower()
    if whole:
        return reply[len(mine):] if low.startswith(mine) and len(low) == len(reply) else None
    # only our title is known: the reply must have our subject's form and the title right after its ':'
    if not OUR_SUBJECT_RE.match(reply):
        return None
    at = low.find(": " + mine)
    if at < 0 or len(low) != len(reply):
        return None
    return reply[at + 2 + len(mine):]


def _flat_quote(msg: Message) -> str:
    lines = mime.body_text(msg).replace("\r", "").split("\n")
    return _norm(" ".join(re.sub(r"^[\s>]+", "", ln) for ln in lines))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _automatic(msg: Message) -> bool:
    """Machine-sent; a check that fails raises (read_reply turns it into ReadingFailed): never an answer."""
    return machine(msg) is not None
