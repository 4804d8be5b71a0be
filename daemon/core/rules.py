"""The office's rules as one value: the four files of rules/ validated (Rules) and the SOP's revision hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from daemon.core.rules_lexicon import Lexicon
from daemon.core.rules_office import Office
from daemon.core.rules_places import PlacesFile
from daemon.core.rules_sop import Sop


@dataclass(frozen=True)
class Rules:
    dir: Path
    sop: Sop
    office: Office
    places: PlacesFile
    lexicon: Lexicon
    sop_text: str = ""

    @cached_property
    def sop_revision(self) -> str:
        """The hash a request stores to keep the SOP revision it started under."""
        return sop_revision_hash(self.sop_text)

    def numbering_pattern(self, document: str) -> str:
        """A document's number pattern: its own, else office.yaml's for its sequence (old configs)."""
        spec = self.sop.document(document).numbering
        legacy = self.office.numbering.pattern(spec.sequence) if self.office.numbering else None
        pattern = spec.pattern or legacy
        if pattern is None:
            raise KeyError(f"document '{document}' has no numbering pattern")
        return pattern


FILES = {"sop": ("sop.yaml", Sop), "office": ("office.yaml", Office),
         "places": ("places.yaml", PlacesFile), "lexicon": ("lexicon.yaml", Lexicon)}


def sop_revision_hash(source: Path | str | bytes) -> str:
    """sha256 (16 hex digits) of sop.yaml's bytes: a Path is read, str/bytes are the content."""
    if isinstance(source, Path):
        data = source.read_bytes()
    else:
        data = source.encode("utf-8") if isinstance(source, str) else bytes(source)
    return hashlib.sha256(data).hexdigest()[:16]
