"""OCR text of scanned PDFs and photos, kept in a cache keyed by the attachment's sha256, so the
slow Tesseract run can happen in a job instead of while the dispatcher holds the database.

A reading is given an `OcrSource`: inline (Tesseract runs at once, as tests and tools like) or
deferred (only the cache is read, and what it lacks is listed in `needed` for the caller to queue).
No database code here: the caller decides what waiting means."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from daemon.core.durable import atomic_write

log = logging.getLogger(__name__)
KINDS = ("pdf", "image")
_SHA = re.compile(r"^[0-9a-f]{64}$")


class OcrUnreadable(Exception):
    """The part cannot be OCRed, and trying again will not help (not an image, not a PDF, gone)."""


@dataclass(frozen=True)
class OcrPart:
    """One attachment whose text only OCR can give."""

    filename: str
    sha256: str
    kind: str  # pdf | image

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OcrPart:
        part = cls(str(data.get("filename") or ""), str(data.get("sha256") or ""),
                   str(data.get("kind") or ""))
        if not _SHA.match(part.sha256) or part.kind not in KINDS:
            raise OcrUnreadable(f"bad OCR part {data!r}")
        return part


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class OcrCache:
    """`<folder>/<sha256>.txt` per attachment, written atomically (a crash leaves no half text)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @classmethod
    def under(cls, state_dir: Path) -> OcrCache:
        return cls(Path(state_dir) / "ocr")

    def path(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.folder / f"{sha256}.txt"

    def get(self, sha256: str) -> str | None:
        try:
            return self.path(sha256).read_text(encoding="utf-8")
        except (FileNotFoundError, ValueError):
            return None
        except OSError:
            log.warning("OCR cache unreadable for %s", sha256, exc_info=True)
            return None

    def put(self, sha256: str, text: str) -> Path:
        return atomic_write(self.path(sha256), (text or "").encode("utf-8"))


@dataclass
class OcrSource:
    """Where a reading gets OCR text from.

    `inline`: run Tesseract when the cache (if any) lacks the text, and keep it there.
    Otherwise only the cache is read; a part it lacks is read as nothing and listed in `needed`.
    """

    cache: OcrCache | None = None
    inline: bool = False
    needed: list[OcrPart] = field(default_factory=list)
    hits: int = 0

    def text(self, part: OcrPart, run: Callable[[], str]) -> str | None:
        if self.cache is not None:
            cached = self.cache.get(part.sha256)
            if cached is not None:
                self.hits += 1
                return cached
        if self.inline:
            text = run()
            if self.cache is not None:
                self.cache.put(part.sha256, text)
            return text
        if part not in self.needed:
            self.needed.append(part)
        return None
