"""A reply's last own lines that only sign it (the sender's name, a title under it, a NIP) are no note."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from daemon.reading.quotes import NIP_RE

MAX_LINES = 3  # name, title and NIP: a longer tail is text, not a signature
MAX_CHARS = 80
WORD_RE = re.compile(r"[^\W\d_]+(?:[.'][^\W\d_]+)*\.?", re.UNICODE)  # "M.Si.", "Ma'ruf", "H."
LEAD = " \t-–—~_*>"  # "- Johansyah", "~ JS"
# the lexicon's words that make a line an answer, never a signature
ANSWER_LISTS = ("approve", "reject", "revise", "negations", "hedges", "questions", "particles", "conditions",
                "strong_decisions", "delegate", "but", "remainder")


def drop_signer(text: str, names: Iterable[str], lexicon: dict[str, Any]) -> tuple[str, list[str]]:
    """`text` without its trailing signature lines, and those lines. A tail of at most three lines
    counts when one of them is a sender's name (as written, without its titles, or its initials)
    and each of the others is a title line ("Kepala Dinas ...") or a NIP; at least one line of the
    reply's own stays, and a line holding any word of an answer is never taken."""
    people = [p for p in (_name_words(n, lexicon) for n in names if n) if p]
    lines = text.rstrip().split("\n")
    if not people or len([ln for ln in lines if ln.strip()]) < 2:
        return text, []
    answer = {w for key in ANSWER_LISTS for w in lexicon.get(key, ()) if " " not in w}
    tail: list[int] = []
    named = False
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip(LEAD).strip()
        if not line:
            continue
        kind = _kind(line, people, answer, lexicon)
        if kind is None or len(tail) == MAX_LINES:
            break
        named = named or kind == "name"
        tail.append(i)
    if not named or not tail:
        return text, []
    keep = lines[:min(tail)]
    if not any(ln.strip() for ln in keep):
        return text, []  # only a name: nothing of the reply's own would remain
    return "\n".join(keep).rstrip(), [lines[i].strip() for i in sorted(tail)]


def _kind(line: str, people: list[list[str]], answer: set[str], lexicon: dict[str, Any]) -> str | None:
    """"name", "title", "nip" or None (a line of the reply's own)."""
    if len(line) > MAX_CHARS or any(c in line for c in "?!:;"):
        return "nip" if NIP_RE.match(line) else None
    if NIP_RE.match(line):
        return "nip"
    words = [w.lower() for w in WORD_RE.findall(line)]
    if not words or re.search(r"\d", line) or {_bare(w) for w in words} & answer:
        return None
    bare = [_bare(w) for w in words if _bare(w) not in set(lexicon.get("name_titles", ()))]
    for person in people:
        if bare and any(len(w) > 1 for w in bare) and all(
                w in person if len(w) > 1 else any(p[0] == w for p in person) for w in bare):
            return "name"  # "Johansyah Syafri", "Johansyah S."
        initials = "".join(w[0] for w in person)
        if len(words) == 1 and len(initials) >= 2 and _bare(words[0]) == initials:
            return "name"
    if _bare(words[0]) in set(lexicon.get("position_words", ())) and len(words) <= 8:
        return "title"
    return None


def _name_words(name: str, lexicon: dict[str, Any]) -> list[str]:
    """The words of a name without its titles: "Drs. H. Johansyah Syafri, M.Si." -> johansyah, syafri."""
    titles = set(lexicon.get("name_titles", ()))
    return [b for b in (_bare(w) for w in WORD_RE.findall(name.lower())) if b and b not in titles and len(b) > 1]


def _bare(word: str) -> str:
    return word.replace(".", "").replace("'", "")
