"""Removes quoted messages and signatures from a reply, leaving the text its author wrote."""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from functools import lru_cache

from daemon.core import guard, resources
from daemon.core.lexicon import default_lexicon, pattern
from daemon.mail import mime

# "<lead> ... <verb>:" in the languages our officials' clients speak: Indonesian, English, German,
# French, Spanish, Dutch, Italian, Portuguese.
# The verbs are the lexicon's `attribution_verbs`; German and Dutch put the name after the verb:
# "schrieb Name <a@b>:".
ATTRIBUTION = r"(?s)^\s*({}).{0,300}?\b({})(\s+[^:]{0,150})?\s*:?\s*$"  # `attribution_leads`, `attribution_verbs`
ATTRIBUTION_START = r"^\s*({})"
# Attributions without a verb: '30.09.2017, 18.30, "Name" <addr>:' and "2017-11-24 16:32 GMT+01:00 Name <addr>:".
DATED_ATTRIBUTION_RE = re.compile(
    r"^\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b.{0,200}?(<[^<>\s]+@[^<>\s]+>|\S+@\S+\.\w+)\s*:\s*$",
    re.IGNORECASE,
)
# The words between the dashes are the lexicon's `separators`.
SEPARATOR = (r"^\s*(-{2,}\s*({})\s*-{2,}"
             r"|-{2,}\s*(on|pada)\b.{0,300}\b(wrote|menulis)\s*-{2,}\s*$"  # Zoho: "---- On ... wrote ----"
             r"|(begin forwarded message|awal pesan yang diteruskan)\s*:)")
HEADER_LINE = r"^\s*\*?({})\s*:\*?\s*"  # the lexicon's `header_labels`
FROM_LINE = r"^\s*\*?({})\s*:\*?\s*\S"  # the lexicon's `from_labels`
# Our own instruction sentences (templates/email/*.body.txt, explain.INSTRUCTION): wherever one
# appears, it is our mail quoted, never the official's words. SETUJU is matched in capitals, as we
# write it, so an official's "Setuju untuk diliput" stays theirs.
INSTRUCTION_RES = (
    re.compile(r"^[\s>*•-]*SETUJU untuk .+,\s*$"),
    re.compile(r"^[\s>*•-]*TOLAK untuk menolak\b", re.IGNORECASE),
    re.compile(r"^[\s>*•-]*REVISI:\s*catatan,?\s+untuk\b", re.IGNORECASE),
    re.compile(r"^[\s>*]*balas surel ini dengan\s*:\s*$", re.IGNORECASE),
    re.compile(r"\bbalas SETUJU untuk menyetujui\b", re.IGNORECASE),
    re.compile(r"\bbalas DELEGASIKAN untuk\b", re.IGNORECASE),
    re.compile(r"^[\s>*]*untuk mengubah tim, tulis misalnya\b", re.IGNORECASE),
    re.compile(r"\bsurel ini dikirim otomatis oleh liputan\b", re.IGNORECASE),
    re.compile(r"\bjangan mengubah kode\s+\S+\s+pada subjek\b", re.IGNORECASE),
    re.compile(r"^[\s>*]*batas waktu sesuai sop\s*:", re.IGNORECASE),
    re.compile(r"^[\s>*]*jawab cepat\s*:", re.IGNORECASE),  # the HTML's one-tap reply links
    re.compile(r"^[\s>*]*standar layanan\s*:\s*(\d+ menit kerja|menyesuaikan kebutuhan)\.?\s*$",
               re.IGNORECASE),
    re.compile(r"\bbalasan bapak/ibu kami pahami sebagai\b", re.IGNORECASE),
)
# Lines longer than this are never headers, attributions or closings: not matched (linear time).
MAX_LINE = 1000
UNDERSCORES_RE = re.compile(r"^\s*_{8,}\s*$")
SENT_FROM = r"^\s*({})"  # the lexicon's `signatures`
# the lexicon's `closings`, and "Wassalam" in its spellings ("Wassalamu'alaikum wr. wb.")
CLOSING = (r"^\s*(wa?ss?alam\w*(?:['’`]\w+)?(?:\s+(?:wr\.?\s*wb|warahmatullahi\s+wabarakatuh)\w*)?"
           r"|{})\s*[,.!]*\s*$")
DISCLAIMER_RE = re.compile(r"^\s*(disclaimer|confidentiality notice|pemberitahuan kerahasiaan)\b", re.IGNORECASE)
NIP_RE = re.compile(r"^\s*nip\.?\s*:?\s*\d", re.IGNORECASE)


def own_text(msg: EmailMessage | Message, sent: str | None = None) -> str:
    """The reply's own text: text/plain (format=flowed joined), else cleaned HTML; quotes and signatures
    removed (`sent`: the text of the mail replied to, as we sent it, when known)."""
    return mime.cached(msg, ("own_text", sent), lambda: _own_text(msg, sent))


def _own_text(msg: EmailMessage | Message, sent: str | None) -> str:
    try:
        plain, html = _bodies(msg)
        if plain is not None and plain.strip():
            return strip_quotes(plain, sent)
        if html:
            return strip_quotes(mime.html_to_text(clean_html(html)), sent)
    except Exception as exc:
        guard.failed("own_text", exc)
        return ""
    return ""


def quote_facts(msg: EmailMessage | Message, sent: str | None = None) -> dict[str, object]:
    """How the quote was told from the author's words, for `liputan show`: which body was read, the
    first line taken as quoted and what kind of line it is, and the share of the quoted lines that are
    lines of the mail we sent (None when that mail is not known)."""
    plain, html = _bodies(msg)
    body, text = ("plain", plain) if plain is not None and plain.strip() else ("html", html or "")
    if body == "html":
        text = mime.html_to_text(clean_html(text))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").split("\n")
    cut = _quote_start(lines)
    quoted = [q for q in (_norm(ln.strip().lstrip("> ")) for ln in lines[cut:]) if q]
    ours = _norm(sent or "")
    share = None if not sent else round(sum(q in ours for q in quoted) / len(quoted), 2) if quoted else 0.0
    first = lines[cut].strip() if cut < len(lines) else None
    return {"body": body if text.strip() else None, "first_quoted_line": first,
            "cut_by": _cut_kind(lines, cut), "quoted_lines": len(quoted), "share_of_what_we_sent": share}


def _cut_kind(lines: list[str], i: int) -> str | None:
    if i >= len(lines):
        return None
    line = lines[i]
    if line.lstrip().startswith(">"):
        return "'>' quoted line"
    if pattern(SEPARATOR, "separators").match(line):
        return "separator line"
    if is_instruction(line):
        return "one of our instruction sentences"
    if DATED_ATTRIBUTION_RE.match(line) or _is_attribution(lines, i):
        return "attribution line"
    return "header block"


def _bodies(msg: Message) -> tuple[str | None, str | None]:
    plain = html = None
    for part in mime.walk_parts(msg):
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
    """HTML with quoted messages removed (daemon/reading/quotes_html.py: bs4 loads with the first HTML reply)."""
    from daemon.reading import quotes_html
    return quotes_html.clean_html(html, pattern(FROM_LINE, "from_labels"))


def strip_quotes(text: str, sent: str | None = None) -> str:
    """The text its author wrote: above the first quote header or quoted line, and every block
    written between or below `>` quoted lines (inline answers, "Selebihnya setuju" at the bottom);
    each block without its signature, blocks separated by a blank line. `sent` is the text of the
    mail replied to, as we sent it: lines that continue it are ours wherever they stand."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").split("\n")
    cut = _quote_start(lines)
    blocks = [lines[:cut], *_interleaved(lines[cut:], _norm(sent) if sent else None)]
    own = ["\n".join(_strip_signature(block)).strip() for block in blocks]
    return "\n\n".join(b for b in own if b)


def _interleaved(rest: list[str], ours: str | None) -> list[list[str]]:
    """The unquoted blocks after each run of `>` quoted lines. A quote that is not `>` prefixed (an
    Outlook header block, a separator, a bare attribution) runs to the end: nothing after it is the
    author's."""
    if ours is not None and not _quotes(rest, ours):
        ours = None  # the quote is of another mail than the one we were told about
    rewrapped = ours is None and _attached(rest) >= REWRAPPED_MIN
    blocks: list[list[str]] = []
    i = 0
    while i < len(rest):
        j = i
        while j < len(rest) and _quoted_line(rest, j):
            j += max(1, _attribution_span(rest, j))
        if j == i or not any(ln.lstrip().startswith(">") for ln in rest[i:j]):
            break
        continued = False
        while j < len(rest) and _wrapped_rest(rest, j, ours, rewrapped, continued):
            j, continued = j + 1, True  # the tail of a quoted line the author's client wrapped without a '>': ours
        k = _quote_start(rest, j)
        if k > j:
            blocks.append(rest[j:k])
        i = k
    return blocks


WRAP_MIN_CHARS = 60  # a quoted line at least this long, without a closing mark, was likely cut by wrapping
TERMINAL = (".", "!", "?", ":", ";", ")", "]", ">", '"')
# Unquoted lines stuck under quoted lines in this many places: a client rewrapped the quote and left
# the tails without '>', rather than a person answering at every one of those places.
REWRAPPED_MIN = 3


def _quotes(rest: list[str], ours: str) -> bool:
    """Whether the `>` quoted lines are (nearly all) lines of `ours`."""
    quoted = [_norm(ln.lstrip().lstrip(">").strip()) for ln in rest if ln.lstrip().startswith(">")]
    quoted = [q for q in (q.lstrip("> ") for q in quoted) if q]
    return bool(quoted) and sum(q in ours for q in quoted) >= 0.8 * len(quoted)


def _attached(rest: list[str]) -> int:
    return sum(1 for j in range(1, len(rest)) if rest[j - 1].lstrip().startswith(">") and rest[j].strip()
               and not _quoted_line(rest, j))


def _wrapped_rest(lines: list[str], j: int, ours: str | None, rewrapped: bool, continued: bool = False) -> bool:
    """Whether line j continues the quoted line above it (a client that rewraps a quote leaves the tail
    of a long line without its '>'): when the two together are in what we sent (if known and quoted); else when
    the quote was rewrapped throughout, the line above is long and unfinished, or the two together are
    a sentence of our mail templates, unless the line asks or defers: that stays the author's, as it
    can only hold a decision back. `continued`: the caller found line j-1 to be such a tail (checked
    in one pass, not again for every line below it)."""
    line, above = lines[j].strip(), lines[j - 1].lstrip() if j else ""
    if not line or not j or not (above.startswith(">") or continued) or len(line) > MAX_LINE:
        return False
    above = above.lstrip("> ").rstrip()
    joined = _norm(" ".join(above.split()[-4:] + [line]))
    if ours is not None:  # a wrap at a hyphen ("Lembar-" / "Disposisi-...") joins without a space
        return joined in ours or _norm(" ".join(above.split()[-4:]) + line) in ours
    if _doubts(line):
        return False
    if rewrapped or (len(above) >= WRAP_MIN_CHARS and not above.endswith(TERMINAL)):
        return True
    return len(joined) >= 12 and joined in _our_text()


def _doubts(line: str) -> bool:
    lex = default_lexicon()
    words = set(re.findall(r"[a-z]+", line.lower()))
    return "?" in line or any(w in words for w in (*lex["hedges"], *lex["questions"]))


_pinned_text: str | None = None  # given by the daemon to a reading process (pin)


def warm() -> str:
    """Our own templates' sentences, read now (the daemon's start) and kept for its life."""
    return _our_text()


def pin(text: str) -> None:
    """Use the daemon's sentences of its start in this (reading) process, not the files' of now."""
    global _pinned_text
    _pinned_text = text
    _our_text.cache_clear()


@lru_cache(maxsize=1)
def _our_text() -> str:
    """The literal sentences of our own mail templates, normalised, separated by '|'."""
    if _pinned_text is not None:
        return _pinned_text
    chunks: list[str] = []
    try:
        for path in sorted(resources.templates_dir("email").glob("*.txt")):
            text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "|", path.read_text(encoding="utf-8"), flags=re.S)
            chunks += [_norm(c) for c in re.split(r"\|", text) if c.strip()]
    except OSError:
        pass
    return "|".join(chunks)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _quoted_line(lines: list[str], i: int) -> bool:
    line = lines[i]
    return (line.lstrip().startswith(">") or not line.strip() or is_instruction(line)
            or _attribution_span(lines, i) > 0 or _short(line, DATED_ATTRIBUTION_RE))


def _short(line: str, rx: re.Pattern[str]) -> bool:
    """rx matches a line short enough to be a header, attribution or closing: a longer line is never
    one, and is not run through the pattern (each pattern costs at most MAX_LINE² per line: linear)."""
    return len(line) <= MAX_LINE and rx.match(line) is not None


def is_instruction(line: str) -> bool:
    """Whether a line is one of our own instruction sentences (so quoted from our mail)."""
    return len(line) <= MAX_LINE and any(rx.search(line) for rx in INSTRUCTION_RES)


def _quote_start(lines: list[str], start: int = 0) -> int:
    """The index (from `start` on) of the first line that begins a quote; len(lines) when none."""
    for i in range(start, len(lines)):
        line = lines[i]
        if line.lstrip().startswith(">") or _short(line, pattern(SEPARATOR, "separators")) or is_instruction(line):
            return i
        if _short(line, DATED_ATTRIBUTION_RE):
            return i
        if _is_attribution(lines, i) or _is_header_block(lines, i):
            return i
        if _short(line, UNDERSCORES_RE) and any(_short(x, pattern(FROM_LINE, "from_labels"))
                                                for x in lines[i + 1 : i + 3]):
            return i
    return len(lines)


def _is_attribution(lines: list[str], i: int) -> bool:
    return _attribution_span(lines, i) > 0


def _attribution_span(lines: list[str], i: int) -> int:
    """How many lines the attribution starting at line i takes (0: none there)."""
    if not _short(lines[i], pattern(ATTRIBUTION_START, "attribution_leads")):
        return 0
    for span in (1, 2, 3):  # clients wrap long attributions before "menulis:"
        joined = " ".join(x.strip() for x in lines[i : i + span])
        if _short(joined, pattern(ATTRIBUTION, "attribution_leads", "attribution_verbs")):
            return span
    return 0


def _is_header_block(lines: list[str], i: int) -> bool:
    if not _short(lines[i], pattern(FROM_LINE, "from_labels")):
        return False
    following = [x for x in lines[i + 1 : i + 6] if x.strip()]
    return sum(1 for x in following[:4] if _short(x, pattern(HEADER_LINE, "header_labels"))) >= 2


def _strip_signature(lines: list[str]) -> list[str]:
    """The block without its signature: cut at '--', 'Sent from', a disclaimer, or a closing line
    ("Salam,") followed by at most a short signature. One pass: linear in the block's size."""
    for i, line in enumerate(lines):
        if line.strip() == "--" or _short(line, pattern(SENT_FROM, "signatures")) or _short(line, DISCLAIMER_RE):
            return _strip_signature(lines[:i])  # nothing above i matched these: recurses at most once
        if _short(line, pattern(CLOSING, "closings", end=False)) and _looks_like_signature(lines, i + 1):
            return lines[:i]
    return [ln for ln in lines if not _short(ln, NIP_RE)]


SIGNATURE_MAX_LINES = 8
DECISIVE_RE = re.compile(r"\b(setuju|disetujui|acc|tolak|ditolak|revisi|lanjutkan|batal)\b", re.IGNORECASE)


def _looks_like_signature(lines: list[str], start: int) -> bool:
    """Whether lines[start:] are a short signature: at most 8 short lines, none deciding anything.
    Stops at the ninth line of text, so a block of many closing lines is read once, not once each."""
    count = 0
    for k in range(start, len(lines)):  # (islice would walk the lines before `start` each time)
        ln = lines[k]
        if not ln.strip():
            continue
        count += 1
        if count > SIGNATURE_MAX_LINES or len(ln) > 90 or DECISIVE_RE.search(ln):
            return False
    return True
