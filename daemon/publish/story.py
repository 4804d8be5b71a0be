"""The neutral input of every publishing channel (a story with its photos) and what a channel returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Photo:
    path: Path
    caption: str = ""
    alt: str = ""


@dataclass(frozen=True)
class Story:
    """One finished report, as the channels need it; built from a request by the layer above."""

    code: str  # the request code, e.g. "LPT-2026-0007"
    title: str
    body: str  # plain text; paragraphs separated by blank lines
    lead: str = ""  # the opening paragraph (teras berita); may repeat the body's first paragraph
    photos: list[Photo] = field(default_factory=list)
    kecamatan: str | None = None
    unit: str | None = None
    event_date: date | None = None
    place: str | None = None

    def paragraphs(self) -> list[str]:
        """The body's paragraphs, with the lead first when the body does not already open with it."""
        paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", self.body) if p.strip()]
        lead = " ".join(self.lead.split())
        if lead and (not paras or paras[0] != lead):
            paras.insert(0, lead)
        return paras


@dataclass(frozen=True)
class Result:
    """What a channel made: its id and address there, and the progress to store for a retry."""

    remote_id: str
    url: str | None
    progress: dict[str, Any]
