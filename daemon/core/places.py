"""Resolve a free-text event location to its kecamatan and island (rules/places.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from daemon.core import validated_cache

# Abbreviations normalised before matching ("Kec. Mandau" -> "kecamatan mandau").
_ABBREVIATIONS = {
    "kec": "kecamatan", "kab": "kabupaten", "kel": "kelurahan", "ds": "desa",
    "jl": "jalan", "jln": "jalan", "pemkab": "pemerintah kabupaten",
}
# Words that make a following name a place name ("Desa Pinggir", "Kecamatan Pinggir").
_QUALIFIERS = ("kecamatan", "kelurahan", "desa", "kota", "camat", "kantor camat", "pulau")
# Names that are also ordinary words or places elsewhere: they need a qualifier before them,
# or (in the original text) a capital letter and no street/common word around them.
_AMBIGUOUS = {"pinggir", "beringin", "langkat", "sepotong", "sukajadi", "babussalam",
              "harapan baru", "bandar jaya", "sumber jaya", "muara dua", "damon", "duri",
              "air putih", "bumbung", "dompas", "mesim", "temiang", "api api", "sungai alam"}
_STREET_WORDS = ("jalan", "gang", "gg", "pohon", "komplek", "perumahan", "masjid", "simpang")
_FOLLOW_WORDS = ("jalan", "pantai", "sungai", "laut", "kota", "lapangan", "hutan")
# "Kabupaten Bengkalis" and the like name the regency, not the island or the kecamatan.
_REGENCY = re.compile(r"\b(?:pemerintah\s+)?(?:se\s+)?kabupaten\s+bengkalis\b")


@dataclass
class Resolution:
    """Where a location lies; all None when it cannot be told."""

    kecamatan: str | None = None
    island: str | None = None
    outside_island: bool | None = None
    travel_minutes: int | None = None


@dataclass(frozen=True)
class _Entry:
    pattern: str  # normalised words
    kecamatan: str | None
    island: str
    travel_minutes: int | None


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces, abbreviations expanded."""
    words = re.sub(r"[^0-9a-z]+", " ", (text or "").lower()).split()
    out = " ".join(_ABBREVIATIONS.get(w, w) for w in words)
    return out


class Places:
    """The place gazetteer with a resolver."""

    def __init__(self, data: dict) -> None:
        self.home_island: str = data["home_island"]
        self.islands: list[str] = list(data["islands"])
        self.entries: list[_Entry] = self._build(data)

    def _build(self, data: dict) -> list[_Entry]:
        entries: list[_Entry] = []
        for kec in data["kecamatan"]:
            name, island, minutes = kec["name"], kec["island"], int(kec["travel_minutes"])
            names = [name, *kec.get("aliases", []), *kec.get("places", [])]
            names += [f"Kecamatan {name}", f"Camat {name}"]
            for n in names:
                entries.append(_Entry(normalize(n), name, island, minutes))
        for island in self.islands:
            if island != "Sumatera":
                entries.append(_Entry(normalize(f"Pulau {island}"), None, island, None))
        entries.append(_Entry("daratan sumatera", None, "Sumatera", None))
        return sorted({e.pattern: e for e in entries}.values(), key=lambda e: -len(e.pattern))

    def resolve(self, text: str | None) -> Resolution:
        """The kecamatan/island of a location text; unknown -> all None."""
        if not text:
            return Resolution()
        norm = _REGENCY.sub(" | ", normalize(text))
        # a substring test first: of some 220 names, a text holds a handful
        spans = [(m.start(), m.end(), e) for e in self.entries if e.pattern in norm
                 for m in self._matches(e, norm, text)]
        spans = [s for s in spans if not any(_inside(s, o) for o in spans)]
        if not spans:
            return Resolution()
        best = max((s[2] for s in spans), key=_rank)
        return Resolution(best.kecamatan, best.island, best.island != self.home_island,
                          best.travel_minutes)

    def _matches(self, entry: _Entry, norm: str, original: str) -> list[re.Match]:
        found = re.finditer(rf"(?<![0-9a-z]){re.escape(entry.pattern)}(?![0-9a-z])", norm)
        return [m for m in found
                if entry.pattern not in _AMBIGUOUS or _plausible(entry.pattern, norm, m, original)]


def _inside(span: tuple, other: tuple) -> bool:
    """True when span lies within a strictly longer other span."""
    return other[0] <= span[0] and span[1] <= other[1] and (other[1] - other[0]) > (span[1] - span[0])


def _rank(entry: _Entry) -> tuple[int, int]:
    return (entry.kecamatan is not None, len(entry.pattern))


def _plausible(pattern: str, norm: str, m: re.Match, original: str) -> bool:
    """An ambiguous name counts when qualified, or capitalised and not in a street name."""
    before = norm[: m.start()].split()
    after = norm[m.end():].split()
    prev = before[-1] if before else ""
    prev2 = " ".join(before[-2:])
    if prev in _QUALIFIERS or prev2 in _QUALIFIERS:
        return True
    if prev in _STREET_WORDS or (after and after[0] in _FOLLOW_WORDS):
        return False
    first = pattern.split()[0]
    spellings = re.findall(rf"(?i)(?<![A-Za-z]){re.escape(first)}(?![A-Za-z])", original)
    return any(w[0].isupper() for w in spellings)


def load_places(path: str | Path) -> Places:
    """Load rules/places.yaml; its data is kept in the validated cache by the file's bytes, so a
    command need not parse YAML."""
    text = Path(path).read_text(encoding="utf-8")
    name = validated_cache.data_key("places", text)
    data = validated_cache.load_json(name)
    if not isinstance(data, dict):
        import yaml

        from daemon.core.yamlfile import LOADER
        data = yaml.load(text, Loader=LOADER)
        if validated_cache.json_safe(data):  # (keys or values JSON would change are not kept)
            validated_cache.store_json(name, data)
    return Places(data)
