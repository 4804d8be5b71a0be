"""The note a decision carries: the words after it, without fillers, repeated decision words or thanks."""

from __future__ import annotations

import re

from daemon.reading.decision_words import FILLERS, WORD_RE, Hit, Token, fold

# Revise keywords that label a note ("revisi: ...") rather than being part of the instruction.
LABEL_REVISE = {"revisi", "koreksi", "perbaikan", "revise", "catatan"}
TRIM_CHARS = " \t\n\r,.;:!?-–—\"'()[]*"
TRIM_END = " \t\n\r,.;:!?-–—\"'(*["

THANKS = re.compile(r"(?:^|(?<=[.!]\s))(?:terima\s*kasih|trims|makasih|thanks?|thank\s+you)\b"
                    r"(?:\W+\w+){0,3}\W*$", re.I)


def without_thanks(note: str) -> str:
    """Drop a closing "Terima kasih Bapak" from a note: courtesy, not instruction."""
    trimmed = THANKS.sub("", note).strip()
    return trimmed.rstrip(" .,;!") if trimmed != note else note


def note_of(chosen: Hit, hits: list[Hit], tokens: list[Token], text: str) -> str:
    if chosen.category == "revise" and chosen.words[0] not in LABEL_REVISE:
        return trim_fillers(text[tokens[chosen.first].start :], set())  # the instruction itself
    after = chosen.last
    same = {w for h in hits if h.category == chosen.category == "approve" or h is chosen for w in h.words}
    but = next((h for h in hits if h.category == "but" and h.first >= after), None)
    if chosen.category == "approve" and but is not None and _only_fillers(tokens[after : but.first], same):
        after = but.last  # "Setuju, tapi tambahkan fotografer"
    if after >= len(tokens):
        return ""
    return trim_fillers(_paragraph(text[tokens[after - 1].end :]), same)


def _only_fillers(tokens: list[Token], same: set[str]) -> bool:
    return all(t.word in FILLERS or t.word in same for t in tokens)


def _paragraph(rest: str) -> str:
    rest = rest.lstrip(TRIM_CHARS)
    return re.split(r"\n\s*\n", rest, maxsplit=1)[0]


def trim_fillers(rest: str, same: set[str]) -> str:
    """Drop leading honorifics and repeated decision words, collapse whitespace, trim punctuation."""
    while True:
        rest = rest.lstrip(TRIM_CHARS)
        match = WORD_RE.match(fold(rest))
        if not match or (match.group(0).lower() not in FILLERS and match.group(0).lower() not in same):
            break
        rest = rest[match.end() :]
    flat = " ".join(rest.split()).lstrip(TRIM_CHARS).rstrip(TRIM_END)
    # keep a closing bracket that closes something in the note: "Fajar (video)"
    while flat.endswith((")", "]")) and flat.count("(") + flat.count("[") < flat.count(")") + flat.count("]"):
        flat = flat[:-1].rstrip(TRIM_END)
    return flat

