"""Read an official's decision from the reply's own text, with quotes and signatures removed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup, Tag

from daemon import mime
from daemon.types import Decision, Reading

CATEGORIES: tuple[Decision, ...] = ("approve", "reject", "revise")
# Words that are filler at the start of a note ("tdk setuju pak, ..."); not decisions.
FILLERS = {"pak", "bu", "bapak", "ibu", "yth", "sdr", "sdri", "dik", "adik", "mas", "mbak", "bang", "kak",
           "ya", "saja", "aja", "dulu", "kadis", "kabid", "kasi", "sekdis"}
# Approve words too common to outweigh a later revise/reject word in the same sentence.
WEAK_APPROVE = {"ok", "oke", "okay", "ya", "sip", "siap", "silakan", "silahkan", "baik"}
# Word pairs that look decisive but are instructions ("jangan lupa bawa kamera" = don't forget).
NOT_DECISIONS = {("jangan", "lupa"), ("jangan", "sampai"), ("jangan", "terlambat"), ("jangan", "ketinggalan")}
# Revise keywords that label a note ("revisi: ...") rather than being part of the instruction.
LABEL_REVISE = {"revisi", "koreksi", "perbaikan", "revise", "catatan"}

ATTRIBUTION_RE = re.compile(
    r"^\s*(pada|on|am|le|el)\b.{0,300}?\b(menulis|wrote|schrieb|a écrit|escribió)\s*:?\s*$",
    re.IGNORECASE | re.DOTALL,
)
SEPARATOR_RE = re.compile(
    r"^\s*(-{2,}\s*(pesan asli|original message|pesan awal|forwarded message|pesan terusan|"
    r"pesan yang diteruskan)\s*-{2,}|(begin forwarded message|awal pesan yang diteruskan)\s*:)",
    re.IGNORECASE,
)
HEADER_LINE_RE = re.compile(
    r"^\s*\*?(dari|from|dikirim|terkirim|sent|tanggal|date|kepada|ke|to|cc|subjek|subject|perihal|hal|judul)\s*:\*?\s*",
    re.IGNORECASE,
)
FROM_LINE_RE = re.compile(r"^\s*\*?(dari|from)\s*:\*?\s*\S", re.IGNORECASE)
UNDERSCORES_RE = re.compile(r"^\s*_{8,}\s*$")
SENT_FROM_RE = re.compile(
    r"^\s*(dikirim dari|sent from|get outlook for|dapatkan outlook untuk|sent via|dikirim melalui|"
    r"dikirim menggunakan)\b",
    re.IGNORECASE,
)
CLOSING_RE = re.compile(
    r"^\s*(salam|wassalam\w*|hormat (saya|kami)|terima ?kasih|terimakasih|trims|tks|thanks|thank you|"
    r"regards|best regards|kind regards|salam hormat)\s*[,.!]*\s*$",
    re.IGNORECASE,
)
DISCLAIMER_RE = re.compile(r"^\s*(disclaimer|confidentiality notice|pemberitahuan kerahasiaan)\b", re.IGNORECASE)
NIP_RE = re.compile(r"^\s*nip\.?\s*:?\s*\d", re.IGNORECASE)
WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", re.IGNORECASE)
TRIM_CHARS = " \t\n\r,.;:!?-–—\"'()[]*"
TRIM_END = " \t\n\r,.;:!?-–—\"'(*["


# ---- lexicon ---------------------------------------------------------------------------------
def load_lexicon(path: str | Path = "rules/lexicon.yaml") -> dict[str, list[str]]:
    """Load the reply vocabulary; every entry becomes a lower-case string (YAML `no` stays "no")."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return normalise_lexicon(data)


@lru_cache(maxsize=1)
def default_lexicon() -> dict[str, list[str]]:
    """The lexicon shipped in rules/lexicon.yaml next to the package (empty lists if it is missing)."""
    path = Path(__file__).resolve().parents[1] / "rules" / "lexicon.yaml"
    try:
        return load_lexicon(path)
    except (OSError, yaml.YAMLError):
        return normalise_lexicon({})


def normalise_lexicon(data: Any) -> dict[str, list[str]]:
    """Lower-case string lists per category (missing categories become empty lists); accepts rules.Lexicon too."""
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    lexicon: dict[str, list[str]] = {}
    for key in ("approve", "reject", "revise", "negations", "but"):
        lexicon[key] = [_as_word(w) for w in (data.get(key) or []) if _as_word(w)]
    return lexicon


def _as_word(value: Any) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads an unquoted no/yes as a boolean
        return "no" if value is False else "yes"
    return " ".join(str(value).lower().split())


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    category: str


def _phrases(lexicon: dict[str, list[str]]) -> list[_Phrase]:
    found = [
        _Phrase(tuple(w.split()), cat)
        for cat in (*CATEGORIES, "but")
        for w in lexicon.get(cat, [])
        if w
    ]
    return sorted(found, key=lambda p: -len(p.words))  # longer phrases win


# ---- own text --------------------------------------------------------------------------------
def own_text(msg: EmailMessage | Message) -> str:
    """The reply's own text: text/plain (format=flowed joined), else cleaned HTML; quotes and signatures removed."""
    try:
        plain, html = _bodies(msg)
        if plain is not None and plain.strip():
            return strip_quotes(plain)
        if html:
            return strip_quotes(mime.html_to_text(clean_html(html)))
    except Exception:
        return ""
    return ""


def _bodies(msg: Message) -> tuple[str | None, str | None]:
    plain = html = None
    for part in _walk(msg):
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = mime.decode_part(part)
            if str(part.get_param("format", "") or "").lower() == "flowed":
                plain = unflow(plain, str(part.get_param("delsp", "") or "").lower() == "yes")
        elif ctype == "text/html" and html is None:
            html = mime.decode_part(part)
    return plain, html


def _walk(msg: Message) -> Iterator[Message]:
    try:
        yield from msg.walk()
    except Exception:
        yield msg


def unflow(text: str, delsp: bool = False) -> str:
    """Join RFC 3676 format=flowed soft line breaks (lines ending in a space)."""
    out: list[str] = []
    buffer = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):  # space-stuffing
            line = line[1:]
        if line.endswith(" ") and line.strip() != "--":
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def clean_html(html: str) -> str:
    """HTML with quoted messages removed (Gmail, Outlook, Apple Mail, Thunderbird, Yahoo)."""
    soup = BeautifulSoup(html, "lxml")
    markers = "#appendonsend, #divRplyFwdMsg, div.OutlookMessageHeader, #mail-editor-reference-message-container"
    for marker in soup.select(markers):
        if marker.parent is not None:
            _cut_after(marker)
    for hr in soup.find_all("hr"):  # Outlook: <hr> then a From:/Sent: block
        nxt = hr.find_next(string=True)
        if nxt and FROM_LINE_RE.match(str(nxt)):
            _cut_after(hr)
            break
    selectors = ("div.gmail_quote", "blockquote", "div.yahoo_quoted", "div.moz-cite-prefix", "div.gmail_signature",
                 "div[data-smartmail=gmail_signature]", "div.ms-outlook-mobile-reference-message")
    for selector in selectors:
        for node in soup.select(selector):
            node.decompose()
    return str(soup)


def _cut_after(node: Tag) -> None:
    """Remove a node and everything after it in document order."""
    current: Any = node
    while current is not None and getattr(current, "name", None) not in ("body", "html", "[document]"):
        for sibling in list(current.next_siblings):
            sibling.extract()
        current = current.parent
    node.extract()


def strip_quotes(text: str) -> str:
    """The text above the first quote header or quoted line, without its signature."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").split("\n")
    cut = _quote_start(lines)
    own = lines[:cut]
    if not "".join(own).strip() and cut < len(lines):
        own = _bottom_posted(lines[cut:])
    return "\n".join(_strip_signature(own)).strip()


def _quote_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">") or SEPARATOR_RE.match(line):
            return i
        if _is_attribution(lines, i) or _is_header_block(lines, i):
            return i
        if UNDERSCORES_RE.match(line) and any(FROM_LINE_RE.match(x) for x in lines[i + 1 : i + 3]):
            return i
    return len(lines)


def _is_attribution(lines: list[str], i: int) -> bool:
    if not re.match(r"^\s*(pada|on|am|le|el)\b", lines[i], re.IGNORECASE):
        return False
    for span in (1, 2, 3):  # clients wrap long attributions before "menulis:"
        joined = " ".join(x.strip() for x in lines[i : i + span])
        if ATTRIBUTION_RE.match(joined):
            return True
    return False


def _is_header_block(lines: list[str], i: int) -> bool:
    if not FROM_LINE_RE.match(lines[i]):
        return False
    following = [x for x in lines[i + 1 : i + 6] if x.strip()]
    return sum(1 for x in following[:4] if HEADER_LINE_RE.match(x)) >= 2


def _bottom_posted(rest: list[str]) -> list[str]:
    """Unquoted lines written below a `>` quote (bottom-posting), when nothing is above it."""
    i = 0
    while i < len(rest) and (rest[i].lstrip().startswith(">") or not rest[i].strip() or _is_attribution(rest, i)):
        i += 1
    tail = rest[i:]
    if not tail or _quote_start(tail) == 0:
        return []
    return tail[: _quote_start(tail)]


def _strip_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if line.strip() == "--" or SENT_FROM_RE.match(line) or DISCLAIMER_RE.match(line):
            return _strip_signature(lines[:i])
        if CLOSING_RE.match(line) and _looks_like_signature(lines[i + 1 :]):
            return lines[:i]
    return [ln for ln in lines if not NIP_RE.match(ln)]


def _looks_like_signature(rest: list[str]) -> bool:
    body = [ln for ln in rest if ln.strip()]
    decisive = re.compile(r"\b(setuju|disetujui|acc|tolak|ditolak|revisi|lanjutkan|batal)\b", re.IGNORECASE)
    return len(body) <= 8 and all(len(ln) <= 90 and not decisive.search(ln) for ln in body)


# ---- decision --------------------------------------------------------------------------------
@dataclass
class _Token:
    word: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    folded = _fold(text)
    return [_Token(m.group(0).lower(), m.start(), m.end()) for m in WORD_RE.finditer(folded)]


def _fold(text: str) -> str:
    """Strip diacritics while keeping string offsets (one char in, one char out)."""
    return "".join(unicodedata.normalize("NFKD", ch)[0] if ch.isalpha() else ch for ch in text)


@dataclass
class _Hit:
    category: str
    first: int  # token index where the phrase starts
    last: int  # token index after the phrase
    words: tuple[str, ...]


def _hits(tokens: list[_Token], phrases: list[_Phrase], negations: set[str]) -> list[_Hit]:
    hits: list[_Hit] = []
    words = [t.word for t in tokens]
    i = 0
    while i < len(words):
        phrase = next((p for p in phrases if tuple(words[i : i + len(p.words)]) == p.words), None)
        if phrase is None or tuple(words[i : i + 2]) in NOT_DECISIONS:
            i += 1
            continue
        first, category = i, phrase.category
        if category == "approve" and i > 0 and words[i - 1] in negations:
            first, category = i - 1, "reject"  # "tidak setuju", "belum disetujui", "jangan lanjutkan"
            if hits and hits[-1].first == first and hits[-1].category == "reject":
                hits.pop()  # "jangan" alone was already taken as a rejection
        hits.append(_Hit(category, first, i + len(phrase.words), phrase.words))
        i += len(phrase.words)
    return hits


def _decide(hits: list[_Hit], tokens: list[_Token], text: str) -> _Hit | None:
    decisive = [h for h in hits if h.category in CATEGORIES]
    if not decisive:
        return None
    first = decisive[0]
    if first.category == "approve" and first.words[0] in WEAK_APPROVE and len(first.words) == 1:
        for later in decisive[1:]:
            if _but_between(hits, first, later) or _sentence_break(tokens, text, first.last - 1, later.first):
                break
            if later.category != "approve":
                return later  # "ya, tolong revisi ..." / "ok tolak saja"
    return first


def _but_between(hits: list[_Hit], a: _Hit, b: _Hit) -> bool:
    return any(h.category == "but" and a.last <= h.first < b.first for h in hits)


def _sentence_break(tokens: list[_Token], text: str, a: int, b: int) -> bool:
    between = text[tokens[a].end : tokens[b].start]
    return bool(re.search(r"[.!?\n]", between))


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
    from daemon.classify import machine  # classify imports this module; import late

    try:
        return machine(msg) is not None
    except Exception:
        return True  # unreadable headers: do not let them decide anything


def read_text(text: str, lexicon: Any) -> Reading:
    """Read the decision from a reply's own text (already free of quotes and signatures)."""
    lex = normalise_lexicon(lexicon)
    tokens = _tokens(text)
    hits = _hits(tokens, _phrases(lex), set(lex["negations"]))
    chosen = _decide(hits, tokens, text)
    if chosen is None:
        return Reading(decision=None, note="", text=text)
    decision: Decision = chosen.category  # type: ignore[assignment]
    return Reading(decision=decision, note=_note(chosen, hits, tokens, text), text=text)


def _note(chosen: _Hit, hits: list[_Hit], tokens: list[_Token], text: str) -> str:
    if chosen.category == "revise" and chosen.words[0] not in LABEL_REVISE:
        return _trim_fillers(text[tokens[chosen.first].start :], set())  # the instruction itself
    after = chosen.last
    same = {w for h in hits if h.category == chosen.category == "approve" or h is chosen for w in h.words}
    but = next((h for h in hits if h.category == "but" and h.first >= after), None)
    if chosen.category == "approve" and but is not None and _only_fillers(tokens[after : but.first], same):
        after = but.last  # "Setuju, tapi tambahkan fotografer"
    if after >= len(tokens):
        return ""
    return _trim_fillers(_paragraph(text[tokens[after - 1].end :]), same)


def _only_fillers(tokens: list[_Token], same: set[str]) -> bool:
    return all(t.word in FILLERS or t.word in same for t in tokens)


def _paragraph(rest: str) -> str:
    rest = rest.lstrip(TRIM_CHARS)
    return re.split(r"\n\s*\n", rest, maxsplit=1)[0]


def _trim_fillers(rest: str, same: set[str]) -> str:
    """Drop leading honorifics and repeated decision words, collapse whitespace, trim punctuation."""
    while True:
        rest = rest.lstrip(TRIM_CHARS)
        match = WORD_RE.match(_fold(rest))
        if not match or (match.group(0).lower() not in FILLERS and match.group(0).lower() not in same):
            break
        rest = rest[match.end() :]
    flat = " ".join(rest.split()).lstrip(TRIM_CHARS).rstrip(TRIM_END)
    # keep a closing bracket that closes something in the note: "Fajar (video)"
    while flat.endswith((")", "]")) and flat.count("(") + flat.count("[") < flat.count(")") + flat.count("]"):
        flat = flat[:-1].rstrip(TRIM_END)
    return flat


# ---- explaining back -------------------------------------------------------------------------
INSTRUCTION = "Balas SETUJU untuk menyetujui, TOLAK untuk menolak, atau REVISI: catatan untuk meminta perbaikan."
UNDERSTOOD = {"approve": "PERSETUJUAN", "reject": "PENOLAKAN", "revise": "PERMINTAAN REVISI"}


def explain(reading: Reading) -> str:
    """A short formal Indonesian sentence: what was understood from the reply and what to write."""
    if reading.decision is None:
        seen = _shorten(reading.text)
        quoted = f" (teks yang kami terima: \u201c{seen}\u201d)" if seen else ""
        return f"Mohon maaf, kami belum dapat memahami keputusan dalam balasan Bapak/Ibu{quoted}. {INSTRUCTION}"
    note = f" dengan catatan \u201c{_shorten(reading.note)}\u201d" if reading.note else ""
    return (
        f"Balasan Bapak/Ibu kami pahami sebagai {UNDERSTOOD[reading.decision]}{note}. "
        f"Apabila tidak sesuai, mohon balas kembali. {INSTRUCTION}"
    )


def _shorten(text: str, limit: int = 160) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"
