"""Decision words held back: in a question, in a sentence or line that defers or hedges, a particle not the answer."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from daemon.reading.decision_words import FILLERS, WEAK_APPROVE, Hit, Token

SENTENCE_END = re.compile(r"[.!?]+(?![a-z0-9])|\n", re.IGNORECASE)


@dataclass
class Sentences:
    """Which sentence each token is in, and which sentences ask."""

    of: list[int]
    asking: set[int]

    @classmethod
    def split(cls, tokens: list[Token], folded: str, questions: set[str]) -> Sentences:
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

    def members(self, hit: Hit) -> range:
        k = self.of[hit.first]
        return range(bisect_left(self.of, k), bisect_left(self.of, k + 1))


def marks_of(tokens: list[Token], words: list[str]) -> list[int]:
    """Token indices where one of the (possibly multi-word) entries starts."""
    entries = [tuple(w.split()) for w in words if w]
    seq = [t.word for t in tokens]
    return [i for i in range(len(seq)) if any(tuple(seq[i : i + len(e)]) == e for e in entries)]


def held_back(hits: list[Hit], tokens: list[Token], folded: str, lex: dict[str, list[str]],
              dropped: list[tuple[Hit, str]] | None = None) -> list[Hit]:
    """The hits that still decide: no decision in a question, no approval in a sentence that
    defers or hedges (unless the hedge is inside a condition: "setuju asal dicek dulu"), and a
    particle ("ya", "ok", "siap") approves only when it opens its sentence. Each hit held back is
    added to `dropped` with the rule that held it back."""
    dropped = [] if dropped is None else dropped
    sentences = Sentences.split(tokens, folded, set(lex["questions"]))
    hedges = marks_of(tokens, lex["hedges"])
    conditions = marks_of(tokens, lex["conditions"])
    particles = set(lex["particles"]) | WEAK_APPROVE
    paragraphs = _paragraphs(tokens, folded)
    # a line that defers or asks (an inline answer "tempat nanti saya cek dulu") holds back approvals on every
    # other line too; within a line the sentence rules below decide ("Setuju. Nanti kabari hasilnya")
    deferrals = deferring_hedges(hedges, conditions, sentences)
    deferring = {paragraphs[h] for h in deferrals}
    deferring |= {paragraphs[i] for i in range(len(tokens)) if sentences.of[i] in sentences.asking}
    # a particle next to a sentence that defers or asks is its tag ("Saya cek dulu. Ya."), not an answer
    doubtful = bool(sentences.asking) or bool(deferrals)
    kept: list[Hit] = []
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


def _paragraphs(tokens: list[Token], text: str) -> list[int]:
    """The line each token is in: separate lines are separate answers (inline between quoted lines,
    or one below the other)."""
    breaks = [m.start() for m in re.finditer(r"\n", text)]
    return [bisect_left(breaks, t.start) for t in tokens]


def _particle(hit: Hit, particles: set[str]) -> bool:
    return len(hit.words) == 1 and hit.words[0] in particles


def deferring_hedges(hedges: list[int], conditions: list[int], sentences: Sentences) -> list[int]:
    """The hedges that defer: all but those inside a condition ("setuju asal dicek dulu")."""
    return [h for h in hedges if sentences.of[h] not in _conditional(h, conditions, sentences)]


def _conditional(hedge: int, conditions: list[int], sentences: Sentences) -> set[int]:
    """The sentence of a hedge when a condition word comes before it there ("asal dicek dulu")."""
    k = sentences.of[hedge]
    return {k} if any(c < hedge and sentences.of[c] == k for c in conditions) else set()


def _approves(hit: Hit, tokens: list[Token], folded: str, sentences: Sentences, hedges: list[int],
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


def _clause(hit: Hit, tokens: list[Token], members: range, text: str) -> list[int]:
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

