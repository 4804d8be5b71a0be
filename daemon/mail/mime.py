"""Tolerant MIME access: parse raw bytes, get the text a person wrote, list attachments."""

from __future__ import annotations

import email
import email.errors
import email.policy
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from functools import lru_cache

from daemon.core import guard

FALLBACK_CHARSETS = ("utf-8", "windows-1252", "iso-8859-1")
# What email.policy.default's header parser raises on some mangled address headers (known CPython
# bugs, e.g. IndexError in get_domain on "a@"): a header we read as raw text instead. Anything else
# is a failure of ours, recorded (core/guard.py).
HEADER_PARSER_BUGS = (IndexError, ValueError, TypeError, AttributeError, email.errors.HeaderParseError)
log = logging.getLogger("daemon.mail.mime")


# A parsed header keeps its whole parse tree (~8 KB each): 4,096 of them held ~28 MB of the
# daemon's heap. The hits are a message's own headers read again and the few values that recur
# (Content-Type, MIME-Version, officials' From): on 1,765 messages 512 slots hit 26,140 times,
# 4,096 slots 26,141 (tests/unit/test_mime_cache.py compares the two on every test run). 512 still
# held 4.0 MB of the main process's steady heap; 128 hold ~1 MB and hit 99.6% as often (4,974 vs
# 4,996 on the test's 300 messages; 0.30-0.33 ms of header reads per letter either way).
HEADER_CACHE = 128


class _HeaderClasses(HeaderRegistry):
    """email's header registry, but one class per kind of header. The stock registry builds a new
    class (`type(...)`) for every header it parses: each cached header then held a class of its
    own (~2 KB with its dict, MRO and the weak reference in its bases' subclass lists), and
    every parse made and dropped one (tests/unit/test_mime_header_classes.py)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[type, type] = {}

    def __getitem__(self, name: str) -> type:
        kind = self.registry.get(name.lower(), self.default_class)
        made = self._made.get(kind)
        if made is None:  # two threads may both make one: the later simply replaces it
            made = self._made[kind] = super().__getitem__(name)
        return made

    def __reduce__(self) -> tuple:
        # a parsed message (its policy) crosses from the reading process: the classes made here
        # cannot be pickled, so it arrives as the receiving process's own registry
        return (_header_classes, ())


def _header_classes() -> _HeaderClasses:
    return HEADER_CLASSES


HEADER_CLASSES = _HeaderClasses()
_PARSE_POLICY = email.policy.default.clone(header_factory=HEADER_CLASSES)


@lru_cache(maxsize=HEADER_CACHE)
def _fetch_parse(name: str, value: str):  # noqa: ANN202 - a header object of the registry
    return _PARSE_POLICY.header_fetch_parse(name, value)


class _ReadPolicy(EmailPolicy):
    """email.policy.default, but a header value is parsed once, not on every read.

    The default policy parses a header each time it is read: a letter's Content-Type alone
    was parsed ten times (0.27 ms each). Parsed headers are immutable, and the same values
    recur from message to message, so one bounded cache serves them all."""

    def header_fetch_parse(self, name, value):  # noqa: ANN001, ANN201 - the policy's signature
        if len(value) > 998:  # a rare long header is not worth a cache slot
            return super().header_fetch_parse(name, value)
        return _fetch_parse(name, value)


READ_POLICY = _ReadPolicy(header_factory=HEADER_CLASSES)


def parse(raw: bytes) -> EmailMessage:
    """Parse raw bytes into an EmailMessage; never raises on malformed input."""
    return email.message_from_bytes(raw, policy=READ_POLICY)  # type: ignore[return-value]


def header(msg: Message, name: str) -> str:
    """A header as text ('' when absent or undecodable), folded whitespace collapsed."""
    try:
        value = msg.get(name)
    except HEADER_PARSER_BUGS:  # CPython's header parser on some mangled headers: the raw text is read
        log.info("header %s: the structured parser failed; read as raw text", name)
        value = next((str(v) for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception as exc:
        guard.failed(f"header {name}", exc, level=logging.WARNING)
        text = value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else ""
    return re.sub(r"\s+", " ", text).strip()


def address(msg: Message, name: str = "From") -> tuple[str, str]:
    """(display name, lower-case address) of a single-address header."""
    return cached(msg, ("address", name), lambda: _address(msg, name))


def _address(msg: Message, name: str) -> tuple[str, str]:
    display, addr = parseaddr(header(msg, name))
    return display.strip(), addr.strip().lower()


def addresses(msg: Message, name: str) -> list[str]:
    """All lower-case addresses in an address-list header."""
    return [a.strip().lower() for _, a in getaddresses([header(msg, name)]) if a]


def message_ids(value: str) -> list[str]:
    """Message-IDs (with angle brackets) found in an In-Reply-To/References value."""
    return re.findall(r"<[^<>\s]+>", value or "")


def decode_part(part: Message) -> str:
    """The text of a text/* part, trying the declared charset then common fallbacks."""
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        guard.failed("decoding a part", exc, level=logging.WARNING)
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charsets = [_charset(part)] + list(FALLBACK_CHARSETS)
    for cs in charsets:
        if not cs:
            continue
        try:
            return payload.decode(cs)
        except (LookupError, UnicodeDecodeError):  # unknown name, or the bytes are not in it
            continue
    return payload.decode("utf-8", "replace")


CHARSET_NAME_RE = re.compile(r"[a-z0-9][a-z0-9._:+-]{0,39}")
# Text codecs only: "idna", "punycode", "rot13", "zip", "base64" and the like are not charsets.
NOT_CHARSETS = {"idna", "punycode", "raw_unicode_escape", "unicode_escape", "rot13", "rot_13", "zip",
                "zlib", "base64", "bz2", "hex", "quopri", "uu", "undefined", "mbcs", "oem"}


def _charset(part: Message) -> str:
    """The declared charset when it is a plausible text charset name, else '' (NUL bytes, junk,
    codecs that are not charsets: Python's codec lookup raises ValueError or misreads those)."""
    try:
        name = part.get_content_charset() or ""
    except (UnicodeError, ValueError, TypeError):  # RFC 2231 junk in the parameter
        return ""
    name = name.strip().lower()
    if not CHARSET_NAME_RE.fullmatch(name) or name.replace("-", "_") in NOT_CHARSETS:
        return ""
    return name


def html_to_text(html: str) -> str:
    """Readable text from HTML (daemon/mail/html_text.py: BeautifulSoup loads with the first HTML mail)."""
    from daemon.mail import html_text
    return html_text.html_to_text(html)


def walk_parts(msg: Message) -> Iterator[Message]:
    """Every part of a message; one whose structure breaks the walk yields the message itself."""
    try:
        yield from msg.walk()
    except Exception as exc:
        guard.failed("walking the parts", exc, level=logging.WARNING)
        yield msg


def text_parts(msg: Message) -> tuple[str | None, str | None]:
    """The first inline text/plain and text/html bodies (not attachments, not nested messages)."""
    plain = html = None
    for part in walk_parts(msg):
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = decode_part(part)
        elif ctype == "text/html" and html is None:
            html = decode_part(part)
    return plain, html


def cached(msg: Message, key: object, compute):
    """compute() once per message marked by `remember` (the dispatcher's message, read by many
    readers); other messages are computed each time (they may still change)."""
    memo = getattr(msg, "_liputan_memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def remember(msg: Message) -> Message:
    """Mark a parsed message that no one changes any more: its texts are computed once."""
    msg._liputan_memo = {}  # type: ignore[attr-defined]
    return msg


def body_text(msg: Message) -> str:
    """The best plain-text rendering of the body: text/plain, else the HTML as text."""
    return cached(msg, "body_text", lambda: _body_text(msg))


def _body_text(msg: Message) -> str:
    plain, html = text_parts(msg)
    if plain and plain.strip():
        return plain
    if html:
        return html_to_text(html)
    return plain or ""


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


def attachments(msg: Message) -> list[Attachment]:
    """Attached files (by disposition or by a filename), with RFC 2231 names decoded."""
    found = []
    for part in walk_parts(msg):
        if part.is_multipart():
            continue
        try:
            name = part.get_filename()
        except Exception as exc:
            guard.failed("an attachment's name", exc, level=logging.WARNING)
            name = None
        if part.get_content_disposition() != "attachment" and not name:
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception as exc:
            guard.failed("an attachment's data", exc, level=logging.WARNING)
            data = b""
        found.append(Attachment(name or "lampiran", part.get_content_type(), data))
    return found
