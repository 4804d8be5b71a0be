"""OCR deskew: a generated A4 letter scanned at slants of -8..8 degrees and turned 90/180/270, read
by Tesseract with the page straightened first (`daemon.reading.ocr.straighten`) and, as the baseline
in the same run, without it. Prints, for each, how many of the letter's four fields (title, date,
time, place) were read right, and the seconds per page.

    python bench/bench_deskew.py [--angles 0,2,-3,5,-6,8,90,180,270]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "unit")]

from PIL import Image
from test_ocr_deskew import page

from daemon.reading import documents, ocr
from daemon.reading.documents import Document
from daemon.reading.extract import _read

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
WANT = {"title": "Musyawarah Perencanaan Pembangunan Kecamatan Bantan", "day": date(2027, 1, 12),
        "time": clock(9, 0), "location": "Aula Kantor Camat Bantan"}


def fields_right(text: str) -> int:
    events = _read(Document(text, "ocr"), NOW).events
    if not events:
        return 0
    ev = events[0]
    got = {"title": ev.title, "day": ev.day, "time": ev.time and ev.time.start, "location": ev.location}
    return sum(got[k] == v for k, v in WANT.items())


def run(angles: list[float], straighten: bool) -> tuple[int, float, list[int]]:
    real = ocr.straighten
    if not straighten:
        documents.straighten = lambda img, osd=None: img
    try:
        per, spent = [], 0.0
        for a in angles:
            img = page().rotate(a, expand=True, fillcolor=255, resample=Image.BICUBIC)
            t = time.perf_counter()
            text = documents.ocr_image(img)
            spent += time.perf_counter() - t
            per.append(fields_right(text))
        return sum(per), spent / len(angles), per
    finally:
        documents.straighten = real


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--angles", default="0,2,-3,5,-6,8,90,180,270")
    angles = [float(a) for a in ap.parse_args().angles.split(",")]
    total = 4 * len(angles)
    for label, on in (("baseline (no deskew)", False), ("with deskew", True)):
        right, secs, per = run(angles, on)
        print(f"{label:22s} fields right {right}/{total}  pages fully read {sum(p == 4 for p in per)}/{len(angles)}"
              f"  {secs:.2f} s/page  per angle {dict(zip(angles, per, strict=True))}")


if __name__ == "__main__":
    main()
