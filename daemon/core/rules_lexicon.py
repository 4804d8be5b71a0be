"""The schema of rules/lexicon.yaml: the words of replies, letters and signatures the readers look for."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from daemon.core.rules_schema import Strict


class SkillWords(Strict):
    task: str = Field(min_length=1, description="the task name letters and mails print")
    words: list[str] = Field(min_length=1, description="what people write for it")


class Lexicon(Strict):
    approve: list[str] = Field(min_length=1)
    reject: list[str] = Field(min_length=1)
    revise: list[str] = Field(min_length=1)
    negations: list[str] = []
    but: list[str] = []
    # Added by issue 8; None (an older lexicon) means the built-in lists in daemon/core/lexicon.py.
    particles: list[str] | None = None
    hedges: list[str] | None = None
    questions: list[str] | None = None
    conditions: list[str] | None = None
    receipts: list[str] | None = None  # subject prefixes of read receipts
    remainder: list[str] | None = None  # "selebihnya": approve what the other lines left
    unknowns: list[str] | None = None  # "akan diinformasikan kemudian": a fact not known yet
    # the skill glossary (issue 10): None (an older lexicon) means daemon/core/skills.py DEFAULT
    skills: dict[Literal["berita", "foto", "video"], SkillWords] | None = None

    @field_validator("skills")
    @classmethod
    def _one_skill_per_word(cls, v: dict[str, SkillWords] | None) -> dict[str, SkillWords] | None:
        seen: dict[str, str] = {}
        for key, entry in (v or {}).items():
            for word in [key, *entry.words]:
                w = " ".join(str(word).lower().split())
                if seen.setdefault(w, key) != key:
                    raise ValueError(f"'{word}' names two skills: {seen[w]} and {key}")
        return v
    # Word lists the readers kept as regular expressions in code (daemon/core/lexicon.py PATTERN_DEFAULTS)
    cancel: list[str] | None = None  # a letter that cancels its event
    signatures: list[str] | None = None  # how phone and app signatures begin
    closings: list[str] | None = None  # closing lines above a signature
    attribution_verbs: list[str] | None = None  # "menulis", "wrote", "schrieb" in attribution lines
    separators: list[str] | None = None  # "Pesan Asli" between the dashes of a separator line
    auto_subjects: list[str] | None = None  # subjects of autoresponders
    auto_bodies: list[str] | None = None  # phrases of out-of-office notes without an automatic header
    attribution_leads: list[str] | None = None  # "Pada", "On", "Am" opening an attribution line
    header_labels: list[str] | None = None  # "Dari:", "Dikirim:", "Von:" in a quoted header block
    from_labels: list[str] | None = None  # the sender's label opening such a block
    strong_decisions: list[str] | None = None  # words that mark a person's answer, not a leave note
    delegate: list[str] | None = None  # handing the step to the acting official
    name_titles: list[str] | None = None  # "drs", "msi": titles around a signing name (no dots)
    position_words: list[str] | None = None  # "kepala", "plt": words opening a signature's title line
