"""Read an official's decision from the reply's own text, with quotes and signatures removed."""

from __future__ import annotations

from typing import Any

from daemon.core.lexicon import normalise_lexicon
from daemon.core.types import Decision, Reading
from daemon.reading.decision_notes import note_of, trim_fillers, without_thanks
from daemon.reading.decision_words import (
    WEAK_APPROVE,
    Hit,
    Token,
    decide,
    find_hits,
    fold,
    phrases,
    tokenize,
)
from daemon.reading.hedging import Sentences, deferring_hedges, held_back, marks_of


def read_text(text: str, lexicon: Any) -> Reading:
    """Read the decision from a reply's own text (already free of quotes and signatures)."""
    return read_text_with_reasons(text, lexicon)[0]


def read_text_with_reasons(text: str, lexicon: Any) -> tuple[Reading, dict[str, Any]]:
    """The reading and why: the words that decided it (`decided_by`), and each decision word found
    but held back, with the rule that held it back (`held_back`)."""
    lex = normalise_lexicon(lexicon)
    tokens = tokenize(text)
    folded = fold(text)
    found = find_hits(tokens, phrases(lex), set(lex["negations"]), folded)
    dropped: list[tuple[Hit, str]] = []
    hits = held_back(found, tokens, folded, lex, dropped)
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
    chosen = decide(hits, tokens, text)
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
    return Reading(decision=decision, note=without_thanks(note_of(chosen, hits, tokens, text)), text=text), why


def _contradicted(chosen: Hit, hits: list[Hit]) -> Hit | None:
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


def _said(hit: Hit, tokens: list[Token], text: str) -> str:
    """The words of a hit as the official wrote them ("Tdk setuju", "belum bisa saya setujui")."""
    return text[tokens[hit.first].start : tokens[hit.last - 1].end]


def _approves_the_rest(found: list[Hit], hits: list[Hit], tokens: list[Token], folded: str, text: str,
                       lex: dict[str, list[str]]) -> Reading | None:
    """"Selebihnya setuju" below changes written elsewhere (often between quoted lines): approve, with
    the other lines as the note. Any question or deferral anywhere makes it no decision; a rejection
    leaves the reading to the usual rules."""
    marks = marks_of(tokens, lex.get("remainder", []))
    if not marks:
        return None
    sentences = Sentences.split(tokens, folded, set(lex["questions"]))
    rest = next((h for h in found if h.category == "approve"
                 and any(m < h.first <= m + 4 and sentences.of[m] == sentences.of[h.first] for m in marks)), None)
    if rest is None or any(h.category == "reject" for h in hits):
        return None
    hedges = marks_of(tokens, lex["hedges"])
    conditions = marks_of(tokens, lex["conditions"])
    if sentences.asking or deferring_hedges(hedges, conditions, sentences):
        return Reading(decision=None, note="", text=text)
    line_start = folded.rfind("\n", 0, tokens[rest.first].start) + 1
    line_end = folded.find("\n", tokens[rest.first].start)
    notes = [trim_fillers(ln, set()) for ln in (text[:line_start] + "\n" + (text[line_end:] if line_end >= 0 else "")
                                                  ).split("\n") if ln.strip()]
    return Reading(decision="approve", note=without_thanks("; ".join(n for n in notes if n)), text=text)

