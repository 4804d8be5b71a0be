"""The reply vocabulary (rules/lexicon.yaml) as lower-case word lists per decision."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from daemon.core import resources


def load_lexicon(path: str | Path = "rules/lexicon.yaml") -> dict[str, list[str]]:
    """Load the reply vocabulary; every entry becomes a lower-case string (YAML `no` stays "no")."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return normalise_lexicon(data)


@lru_cache(maxsize=1)
def default_lexicon() -> dict[str, list[str]]:
    """The lexicon shipped in rules/lexicon.yaml next to the package (empty lists if it is missing)."""
    path = resources.rules_dir() / "lexicon.yaml"
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

