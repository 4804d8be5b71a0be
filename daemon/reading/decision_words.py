"""The decision words of a reply: its tokens, the lexicon's phrases in them, negations, and the word that decides."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from daemon.core.types import Decision

CATEGORIES: tuple[Decision, ...] = ("approve", "reject", "revise")
# Words that are filler at the start of a note ("tdk setuju pak, ..."); not decisions.
FILLERS = {"pak", "bu", "bapak", "ibu", "yth", "sdr", "sdri", "dik", "adik", "mas", "mbak", "bang", "kak",
           "ya", "saja", "aja", "dulu", "kadis", "kabid", "kasi", "sekdis"}
# Approve words too common to outweigh a later revise/reject word in the same sentence.
WEAK_APPROVE = {"ok", "oke", "okay", "ya", "sip", "siap", "silakan", "silahkan", "baik"}
# Word pairs that look decisive but are instructions ("jangan lupa bawa kamera" = don't forget).
NOT_DECISIONS = {("jangan", "lupa"), ("jangan", "sampai"), ("jangan", "terlambat"), ("jangan", "ketinggalan")}
# Words that may stand between a negation and the approve word it negates ("belum bisa saya setujui").
NEGATION_BRIDGE = {"bisa", "dapat", "sanggup", "mau", "akan", "saya", "sy", "kami", "kita", "perlu", "boleh", "pernah"}

WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", re.IGNORECASE)


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    category: str


def phrases(lexicon: dict[str, list[str]]) -> list[Phrase]:
    found = [
        Phrase(tuple(w.split()), cat)
        for cat in (*CATEGORIES, "but")
        for w in lexicon.get(cat, [])
        if w
    ]
    return sorted(found, key=lambda p: -len(p.words))  # longer phrases win


@dataclass
class Token:
    word: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    folded = fold(text)
    return [Token(m.group(0).lower(), m.start(), m.end()) for m in WORD_RE.finditer(folded)]


def fold(text: str) -> str:
    """Strip diacritics while keeping string offsets (one char in, one char out)."""
    return "".join(unicodedata.normalize("NFKD", ch)[0] if ch.isalpha() else ch for ch in text)


@dataclass
class Hit:
    category: str
    first: int  # token index where the phrase starts
    last: int  # token index after the phrase
    words: tuple[str, ...]


def find_hits(tokens: list[Token], phrases: list[Phrase], negations: set[str], text: str = "") -> list[Hit]:
    hits: list[Hit] = []
    words = [t.word for t in tokens]
    i = 0
    while i < len(words):
        phrase = next((p for p in phrases if tuple(words[i : i + len(p.words)]) == p.words), None)
        if phrase is None or tuple(words[i : i + 2]) in NOT_DECISIONS:
            i += 1
            continue
        first, category = i, phrase.category
        negation = _negation_before(tokens, i, negations, text) if category == "approve" else None
        if negation is not None:
            first, category = negation, "reject"  # "tidak setuju", "belum bisa saya setujui"
            if hits and hits[-1].first == first and hits[-1].category == "reject":
                hits.pop()  # "jangan" alone was already taken as a rejection
        hits.append(Hit(category, first, i + len(phrase.words), phrase.words))
        i += len(phrase.words)
    return hits


def _negation_before(tokens: list[Token], i: int, negations: set[str], text: str) -> int | None:
    """Index of a negation directly before token i, or before it across bridge words in the same
    clause ("belum bisa saya setujui"; not "Tidak, saya setuju")."""
    if i > 0 and tokens[i - 1].word in negations:
        return i - 1
    j = i - 1
    while j >= 0 and i - j <= 3 and tokens[j].word in NEGATION_BRIDGE:
        j -= 1
    if j < 0 or j == i - 1 or tokens[j].word not in negations:
        return None
    return None if re.search(r"[,.;:!?\n]", text[tokens[j].end : tokens[i].start]) else j


def decide(hits: list[Hit], tokens: list[Token], text: str) -> Hit | None:
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


def _but_between(hits: list[Hit], a: Hit, b: Hit) -> bool:
    return any(h.category == "but" and a.last <= h.first < b.first for h in hits)


def _sentence_break(tokens: list[Token], text: str, a: int, b: int) -> bool:
    between = text[tokens[a].end : tokens[b].start]
    return bool(re.search(r"[.!?\n]", between))
