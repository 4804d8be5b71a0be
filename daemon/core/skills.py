"""The skill glossary: one task name per skill and the words people write for it (lexicon.yaml `skills`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

SKILLS = ("berita", "foto", "video")

# The glossary of a lexicon.yaml without `skills:`; rules/lexicon.yaml carries the same data.
DEFAULT: dict[str, dict[str, Any]] = {
    "berita": {"task": "penulisan berita",
               "words": ["berita", "penulisan berita", "wartawan", "reporter", "jurnalis", "penulis",
                         "penulis berita", "naskah berita", "rilis", "siaran pers", "press release"]},
    "foto": {"task": "dokumentasi foto",
             "words": ["foto", "dokumentasi foto", "fotografi", "fotografer", "photographer", "photo",
                       "juru foto"]},
    "video": {"task": "dokumentasi video",
              "words": ["video", "dokumentasi video", "videografi", "videografer", "videographer", "live",
                        "live streaming", "streaming", "siaran langsung", "disiarkan langsung", "kameramen",
                        "juru kamera"]},
}


@dataclass(frozen=True)
class Glossary:
    """Per skill key: the task name every letter and mail prints, and the words that name it."""

    tasks: dict[str, str]
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Glossary:
        """From lexicon.yaml's `skills` (dicts or models); None or a missing skill: the defaults."""
        merged = {k: dict(v) for k, v in DEFAULT.items()}
        for key, entry in (data or {}).items():
            entry = entry.model_dump() if hasattr(entry, "model_dump") else dict(entry)
            merged[str(key)] = {"task": entry.get("task") or merged.get(key, {}).get("task", key),
                                "words": list(entry.get("words") or [])}
        return cls(tasks={k: " ".join(str(v["task"]).split()) for k, v in merged.items()},
                   words={k: tuple(_norm(w) for w in [k, *v["words"]] if _norm(w)) for k, v in merged.items()})

    @cached_property
    def patterns(self) -> dict[str, re.Pattern[str]]:
        """Per skill, a whole-word pattern of its words, longest first."""
        out = {}
        for key, words in self.words.items():
            alts = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
            out[key] = re.compile(rf"\b(?:{alts})\b", re.I)
        return out

    def task(self, skill: str) -> str:
        """The task name of a skill key or of any word for it; an unknown word as written."""
        key = self.skill_of(skill)
        return self.tasks[key] if key else " ".join(str(skill).split())

    def skill_of(self, word: str) -> str | None:
        """The skill key a word names exactly ("Fotografi", "dokumentasi foto" -> "foto"), else None."""
        w = _norm(word)
        return next((k for k, words in self.words.items() if w in words), None)

    def order(self) -> tuple[str, ...]:
        return tuple(self.tasks)


def _norm(word: Any) -> str:
    return " ".join(str(word).lower().split())


_active = Glossary.from_data(None)


def use(data: Mapping[str, Any] | None) -> Glossary:
    """Make lexicon.yaml's glossary the one letters and readers use (done when rules are loaded)."""
    global _active
    _active = Glossary.from_data(data)
    return _active


def active() -> Glossary:
    return _active
