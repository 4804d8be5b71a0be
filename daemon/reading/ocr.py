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
MAX_SKEW = 10.0  # degrees either way a photographed or hand-fed scan is searched for its slant
OSD_MIN_CONFIDENCE = 1.5  # Tesseract's orientation confidence below which a page is not turned
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


# ---- straightening a page before Tesseract -----------------------------------------------------
def straighten(image, osd: Callable | None = None):
    """The page turned upright (90/180/270 by Tesseract's orientation detection) and its slant of a
    few degrees removed (projection-profile search). A check that fails leaves the page as it was."""
    from PIL import Image

    img = image.convert("L")
    turn = page_rotation(img, osd)
    if turn:
        img = img.rotate(-turn, expand=True, fillcolor=255)  # OSD's "Rotate" is clockwise
    angle = skew_angle(img)
    if abs(angle) >= 0.3:
        img = img.rotate(angle, expand=True, fillcolor=255, resample=Image.BICUBIC)
    if turn or abs(angle) >= 0.3:
        log.info("OCR page straightened: turned %d, slant %.1f degrees", turn, angle)
    return img


def page_rotation(img, osd: Callable | None = None) -> int:
    """Degrees (0, 90, 180, 270) to turn the page clockwise so its text is upright; 0 when unsure."""
    try:
        if osd is None:
            import pytesseract

            def osd(im):
                return pytesseract.image_to_osd(im, config="--psm 0", output_type=pytesseract.Output.DICT,
                                                timeout=60)
        found = osd(_small(img, 1600))
        rotate, confidence = int(found.get("rotate", 0)) % 360, float(found.get("orientation_conf", 0))
    except Exception as exc:  # too little text, Tesseract missing or slow: read the page as it is
        log.debug("no page orientation: %s", exc)
        return 0
    return rotate if rotate in (90, 180, 270) and confidence >= OSD_MIN_CONFIDENCE else 0


def skew_angle(img, limit: float = MAX_SKEW) -> float:
    """The counter-clockwise angle (degrees) that makes text lines horizontal: the one whose row
    profile of dark pixels is sharpest, coarse steps first, then fine ones around the best."""
    import numpy as np

    small = _small(img, 1000)
    ink = np.asarray(small, dtype=np.uint8) < 128
    if ink.mean() < 0.001:
        return 0.0
    from PIL import Image

    mask = Image.fromarray((ink * 255).astype(np.uint8))

    def sharpness(angle: float) -> float:
        rows = np.asarray(mask.rotate(angle, expand=True, fillcolor=0), dtype=np.float64).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-limit, limit + 0.01, 1.0), key=sharpness)
    best = max(np.arange(best - 1.0, best + 1.01, 0.1), key=sharpness)
    return round(float(best), 1)


def _small(img, width: int):
    """The image scaled down to at most `width` pixels wide (a faster search, the same angles)."""
    if img.width <= width:
        return img
    return img.resize((width, max(1, int(img.height * width / img.width))))
