"""Read an official's decision from the reply's own text, with quotes and signatures removed."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from daemon.core.lexicon import normalise_lexicon
from daemon.core.types import Decision, Reading

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
# Words that may stand between a negation and the approve word it negates ("belum bisa saya setujui").
NEGATION_BRIDGE = {"bisa", "dapat", "sanggup", "mau", "akan", "saya", "sy", "kami", "kita", "perlu", "boleh", "pernah"}

WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", re.IGNORECASE)
TRIM_CHARS = " \t\n\r,.;:!?-–—\"'()[]*"
TRIM_END = " \t\n\r,.;:!?-–—\"'(*["


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


def _hits(tokens: list[_Token], phrases: list[_Phrase], negations: set[str], text: str = "") -> list[_Hit]:
    hits: list[_Hit] = []
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
        hits.append(_Hit(category, first, i + len(phrase.words), phrase.words))
        i += len(phrase.words)
    return hits


def _negation_before(tokens: list[_Token], i: int, negations: set[str], text: str) -> int | None:
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


# ---- sentences that ask, defer or hedge --------------------------------------------------------
SENTENCE_END = re.compile(r"[.!?]+(?![a-z0-9])|\n", re.IGNORECASE)


@dataclass
class _Sentences:
    """Which sentence each token is in, and which sentences ask."""

    of: list[int]
    asking: set[int]

    @classmethod
    def split(cls, tokens: list[_Token], folded: str, questions: set[str]) -> _Sentences:
        ends = [(m.start(), "?" in m.group(0)) for m in SENTENCE_END.finditer(folded)]
        positions = [pos for pos, _ in ends]
        of = [bisect_left(positions, t.start) for t in tokens]
        asking = {k for k, (_, q) in enumerate(ends) if q}
        opening = True  # still among the sentence's leading fillers ("Pak, kenapa ...")
        for i, t in enumerate(tokens):
            if i and of[i] != of[i - 1]:
                opening = True
            if opening and t.word in questions:
                asking.add(of[i])
            opening = opening and t.word in FILLERS
        return cls(of, asking)

    def members(self, hit: _Hit) -> range:
        k = self.of[hit.first]
        return range(bisect_left(self.of, k), bisect_left(self.of, k + 1))


def _marks(tokens: list[_Token], words: list[str]) -> list[int]:
    """Token indices where one of the (possibly multi-word) entries starts."""
    entries = [tuple(w.split()) for w in words if w]
    seq = [t.word for t in tokens]
    return [i for i in range(len(seq)) if any(tuple(seq[i : i + len(e)]) == e for e in entries)]


def _held_back(hits: list[_Hit], tokens: list[_Token], folded: str, lex: dict[str, list[str]],
               dropped: list[tuple[_Hit, str]] | None = None) -> list[_Hit]:
    """The hits that still decide: no decision in a question, no approval in a sentence that
    defers or hedges (unless the hedge is inside a condition: "setuju asal dicek dulu"), and a
    particle ("ya", "ok", "siap") approves only when it opens its sentence. Each hit held back is
    added to `dropped` with the rule that held it back."""
    dropped = [] if dropped is None else dropped
    sentences = _Sentences.split(tokens, folded, set(lex["questions"]))
    hedges = _marks(tokens, lex["hedges"])
    conditions = _marks(tokens, lex["conditions"])
    particles = set(lex["particles"]) | WEAK_APPROVE
    paragraphs = _paragraphs(tokens, folded)
    # a line that defers or asks (an inline answer "tempat nanti saya cek dulu") holds back approvals on every
    # other line too; within a line the sentence rules below decide ("Setuju. Nanti kabari hasilnya")
    deferring = {paragraphs[h] for h in hedges if sentences.of[h] not in _conditional(h, conditions, sentences)}
    deferring |= {paragraphs[i] for i in range(len(tokens)) if sentences.of[i] in sentences.asking}
    # a particle next to a sentence that defers or asks is its tag ("Saya cek dulu. Ya."), not an answer
    doubtful = bool(sentences.asking) or any(sentences.of[h] not in _conditional(h, conditions, sentences)
                                                 for h in hedges)
    kept: list[_Hit] = []
    for hit in hits:
        if hit.category not in ("approve", "reject"):
            kept.append(hit)
            continue
        if sentences.of[hit.first] in sentences.asking:
            dropped.append((hit, "question"))
        elif hit.category == "approve" and doubtful and _particle(hit, particles):
            dropped.append((hit, "particle in a reply that defers or asks"))
        elif hit.category == "approve" and deferring - {paragraphs[hit.first]}:
            dropped.append((hit, "another line defers or asks"))
        elif hit.category == "approve" and not _approves(hit, tokens, folded, sentences, hedges, conditions,
                                                         particles):
            dropped.append((hit, "hedge in the sentence, or a particle that is not the answer"))
        else:
            kept.append(hit)
    return kept


def _paragraphs(tokens: list[_Token], text: str) -> list[int]:
    """The line each token is in: separate lines are separate answers (inline between quoted lines,
    or one below the other)."""
    breaks = [m.start() for m in re.finditer(r"\n", text)]
    return [bisect_left(breaks, t.start) for t in tokens]


def _particle(hit: _Hit, particles: set[str]) -> bool:
    return len(hit.words) == 1 and hit.words[0] in particles


def _conditional(hedge: int, conditions: list[int], sentences: _Sentences) -> set[int]:
    """The sentence of a hedge when a condition word comes before it there ("asal dicek dulu")."""
    k = sentences.of[hedge]
    return {k} if any(c < hedge and sentences.of[c] == k for c in conditions) else set()


def _approves(hit: _Hit, tokens: list[_Token], folded: str, sentences: _Sentences, hedges: list[int],
              conditions: list[int], particles: set[str]) -> bool:
    members = sentences.members(hit)
    for h in hedges:
        if h not in members:
            continue
        if h < hit.first or not any(hit.last <= c <= h for c in conditions if c in members):
            return False  # "Nanti saya setujui", "Setuju, nanti saya kabari"
    if _particle(hit, particles):
        # the answer itself: it opens its sentence ("Ya pak, lanjutkan") or is a clause of its own
        # ("Saya sudah baca, sip."), never a tag at the end of a sentence ("cek dulu ya")
        answer = FILLERS | particles
        before = [tokens[i].word for i in members if i < hit.first]
        return all(w in answer for w in before) or all(tokens[i].word in answer for i in _clause(hit, tokens, members, folded))
    return True


def _clause(hit: _Hit, tokens: list[_Token], members: range, text: str) -> list[int]:
    """Token indices of the comma-delimited clause around a hit, within its sentence."""
    def joined(a: int, b: int) -> bool:
        return not re.search(r"[,;:]", text[tokens[a].end : tokens[b].start])
    start = hit.first
    while start - 1 in members and joined(start - 1, start):
        start -= 1
    end = hit.first
    while end + 1 in members and joined(end, end + 1):
        end += 1
    return list(range(start, end + 1))


def read_text(text: str, lexicon: Any) -> Reading:
    """Read the decision from a reply's own text (already free of quotes and signatures)."""
    return read_text_with_reasons(text, lexicon)[0]


def read_text_with_reasons(text: str, lexicon: Any) -> tuple[Reading, dict[str, Any]]:
    """The reading and why: the words that decided it (`decided_by`), and each decision word found
    but held back, with the rule that held it back (`held_back`)."""
    lex = normalise_lexicon(lexicon)
    tokens = _tokens(text)
    folded = _fold(text)
    found = _hits(tokens, _phrases(lex), set(lex["negations"]), folded)
    dropped: list[tuple[_Hit, str]] = []
    hits = _held_back(found, tokens, folded, lex, dropped)
    why: dict[str, Any] = {"decided_by": None, "rule": None,
                           "held_back": [{"words": _said(h, tokens, text), "as": h.category, "because": because}
                                         for h, because in dropped]}
    rest = _approves_the_rest(found, hits, tokens, folded, text, lex)
    if rest is not None:
        remainder = next((h for h in found if h.category == "approve"), None)
        why["rule"] = "remainder approved: the other lines are the note" if rest.decision else \
            "remainder approval held back: a line defers or asks"
        why["decided_by"] = _said(remainder, tokens, text) if rest.decision and remainder else None
        return rest, why
    chosen = _decide(hits, tokens, text)
    if chosen is None:
        why["rule"] = "no decision word left" if not found else "every decision word held back"
        return Reading(decision=None, note="", text=text), why
    if (other := _contradicted(chosen, hits)) is not None:
        why["rule"] = "approval and rejection both written"
        why["held_back"].append({"words": _said(chosen, tokens, text), "as": chosen.category,
                                 "because": f"contradicted by {_said(other, tokens, text)!r}"})
        return Reading(decision=None, note="", text=text), why
    decision: Decision = chosen.category  # type: ignore[assignment]
    why["decided_by"] = _said(chosen, tokens, text)
    why["rule"] = "negation before an approval" if chosen.category == "reject" and chosen.words and \
        tokens[chosen.first].word not in chosen.words else f"{decision} word"
    return Reading(decision=decision, note=_without_thanks(_note(chosen, hits, tokens, text)), text=text), why


def _contradicted(chosen: _Hit, hits: list[_Hit]) -> _Hit | None:
    """Another kept hit that says the opposite ("Setuju" then "Tolak"): when in doubt, no
    decision. A particle just before a rejection ("ok, tolak saja") is not an approval."""
    opposite = {"approve": "reject", "reject": "approve"}.get(chosen.category)
    for h in hits:
        if h is chosen or h.category != opposite:
            continue
        if h.category == "approve" and h.last <= chosen.first and h.words[0] in WEAK_APPROVE \
                and len(h.words) == 1:
            continue
        return h
    return None


def _said(hit: _Hit, tokens: list[_Token], text: str) -> str:
    """The words of a hit as the official wrote them ("Tdk setuju", "belum bisa saya setujui")."""
    return text[tokens[hit.first].start : tokens[hit.last - 1].end]


def _approves_the_rest(found: list[_Hit], hits: list[_Hit], tokens: list[_Token], folded: str, text: str,
                       lex: dict[str, list[str]]) -> Reading | None:
    """"Selebihnya setuju" below changes written elsewhere (often between quoted lines): approve, with
    the other lines as the note. Any question or deferral anywhere makes it no decision; a rejection
    leaves the reading to the usual rules."""
    marks = _marks(tokens, lex.get("remainder", []))
    if not marks:
        return None
    sentences = _Sentences.split(tokens, folded, set(lex["questions"]))
    rest = next((h for h in found if h.category == "approve"
                 and any(m < h.first <= m + 4 and sentences.of[m] == sentences.of[h.first] for m in marks)), None)
    if rest is None or any(h.category == "reject" for h in hits):
        return None
    hedges = _marks(tokens, lex["hedges"])
    conditions = _marks(tokens, lex["conditions"])
    if sentences.asking or any(sentences.of[h] not in _conditional(h, conditions, sentences) for h in hedges):
        return Reading(decision=None, note="", text=text)
    line_start = folded.rfind("\n", 0, tokens[rest.first].start) + 1
    line_end = folded.find("\n", tokens[rest.first].start)
    notes = [_trim_fillers(ln, set()) for ln in (text[:line_start] + "\n" + (text[line_end:] if line_end >= 0 else "")
                                                  ).split("\n") if ln.strip()]
    return Reading(decision="approve", note=_without_thanks("; ".join(n for n in notes if n)), text=text)


THANKS = re.compile(r"(?:^|(?<=[.!]\s))(?:terima\s*kasih|trims|makasih|thanks?|thank\s+you)\b"
                    r"(?:\W+\w+){0,3}\W*$", re.I)


def _without_thanks(note: str) -> str:
    """Drop a closing "Terima kasih Bapak" from a note: courtesy, not instruction."""
    trimmed = THANKS.sub("", note).strip()
    return trimmed.rstrip(" .,;!") if trimmed != note else note


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
