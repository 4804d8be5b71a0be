"""The reply vocabulary (rules/lexicon.yaml) as lower-case word lists per decision."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from daemon.core import resources
from daemon.core.yamlfile import LOADER


def load_lexicon(path: str | Path = "rules/lexicon.yaml") -> dict[str, list[str]]:
    """Load the reply vocabulary; every entry becomes a lower-case string (YAML `no` stays "no")."""
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=LOADER)
    return normalise_lexicon(data)


@lru_cache(maxsize=1)
def default_lexicon() -> dict[str, list[str]]:
    """The lexicon shipped in rules/lexicon.yaml next to the package (empty lists if it is missing)."""
    path = resources.rules_dir() / "lexicon.yaml"
    try:
        return load_lexicon(path)
    except (OSError, yaml.YAMLError):
        return normalise_lexicon({})


# The words that keep a reply from approving by accident (issue 8). A lexicon written before they
# existed still gets them: a missing key means these lists, an explicit empty list means none.
SAFETY_DEFAULTS: dict[str, tuple[str, ...]] = {
    "particles": ("ya", "ok", "oke", "okay", "baik", "siap", "sip", "silakan", "silahkan"),
    "hedges": ("nanti", "dulu", "tunggu", "belum", "cek", "dicek", "pertimbangkan", "dipertimbangkan",
               "kabari", "dikabari", "pelajari", "dipelajari", "sebentar"),
    "questions": ("apakah", "apa", "bukankah", "bukannya", "kenapa", "mengapa", "bagaimana", "gimana",
                  "kapan", "siapa", "benarkah"),
    "conditions": ("jika", "jikalau", "asal", "asalkan", "apabila", "bila", "kalau", "dengan syarat",
                   "dengan catatan", "sepanjang", "selama"),
}


# Vocabulary for what is not a decision at all (issue 8, second pass). rules/lexicon.yaml may carry
# these keys once its schema (daemon/core/rules.py Lexicon) accepts them; until then, and for older
# files, these lists apply.
READING_DEFAULTS: dict[str, tuple[str, ...]] = {
    # subject prefixes of read receipts ("Dibaca: [LPT-...] ...", Outlook "Read: ...", "Lu : ...")
    "receipts": ("dibaca", "telah dibaca", "sudah dibaca", "tidak dibaca", "read", "not read", "gelesen",
                 "ungelesen", "gelezen", "niet gelezen", "lu", "non lu", "letto", "non letto", "lido",
                 "leído", "lida", "tanda terima baca", "read receipt", "return receipt"),
    # words before an approval that make it cover only what the other lines did not change:
    # "ganti Budi dengan Citra ... Selebihnya setuju" approves with the change as the note
    "remainder": ("selebihnya", "sisanya", "selainnya", "lainnya", "yang lain", "yang lainnya", "lain-lain",
                  "lain lain", "selain itu", "di luar itu", "the rest"),
    # what a letter writes where a fact is not known yet ("Tempat : akan diinformasikan kemudian"):
    # stored as unknown, so the requester is asked for it
    "unknowns": ("akan diinformasikan kemudian", "diinformasikan kemudian", "akan diinformasikan",
                 "akan dikabarkan kemudian", "dikabarkan kemudian", "akan diberitahukan kemudian",
                 "diberitahukan kemudian", "akan diberitahukan", "akan dikonfirmasi kemudian", "akan dikonfirmasi",
                 "dikonfirmasi kemudian", "akan disampaikan kemudian", "disampaikan kemudian", "akan ditentukan",
                 "ditentukan kemudian", "belum ditentukan", "belum pasti", "belum ada", "menyusul", "tba", "tbd",
                 "to be announced", "to be confirmed"),
}


def normalise_lexicon(data: Any) -> dict[str, list[str]]:
    """Lower-case string lists per category (missing categories become empty lists, missing safety
    lists their defaults); accepts rules.Lexicon too."""
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    lexicon: dict[str, list[str]] = {}
    for key in ("approve", "reject", "revise", "negations", "but"):
        lexicon[key] = _words(data.get(key) or [])
    for key, default in (SAFETY_DEFAULTS | READING_DEFAULTS).items():
        words = data.get(key)
        lexicon[key] = _words(default if words is None else words)
    return lexicon


def _words(values: Any) -> list[str]:
    return [w for w in map(_as_word, values) if w]


def _as_word(value: Any) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads an unquoted no/yes as a boolean
        return "no" if value is False else "yes"
    return " ".join(str(value).lower().split())

