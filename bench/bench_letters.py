"""Benchmark: SPT rendering through daemon.paperwork.letters against a bare DocxTemplate render+save."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from docxtpl import DocxTemplate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from daemon.paperwork import (
    letter_context,
    letters,  # noqa: E402
)

RUNS = 200
WIB = ZoneInfo("Asia/Jakarta")


def spt_context() -> dict:
    """A realistic SPT context: three officers, acting signer, one paraf, signed."""
    office = yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))
    now = datetime(2026, 11, 26, 10, 15, tzinfo=WIB)
    request = {"code": "LPT-2026-0007", "title": "Musrenbang Kecamatan Mandau & Pinggir",
               "start": datetime(2026, 11, 30, 9, 0, tzinfo=WIB), "end": None, "until_done": True,
               "location": "Aula Kantor Camat Mandau, Duri", "requester": "Kantor Camat Mandau",
               "letter_number": "005/KEC-MDU/XI/2026/412", "letter_date": "20 November 2026",
               "subject": "Permohonan Peliputan"}
    signer = office["roles"]["kadis"]["acting"][0]
    initials = [{"role": "kabid", "name": office["roles"]["kabid"]["name"], "at": now}]
    return letter_context.spt_context(office, request, office["staff"][:3], "800.1.11.1/DISKOMINFOTIK/007/2026",
                               signer, initials, {"name": signer["name"], "at": now}, now)


def timed(label: str, action) -> float:
    """Run `action(i)` RUNS times and print documents per second."""
    start = time.perf_counter()
    for i in range(RUNS):
        action(i)
    elapsed = time.perf_counter() - start
    rate = RUNS / elapsed
    print(f"{label:<42} {RUNS} docs in {elapsed:6.2f} s = {rate:7.1f} docs/s ({1000 / rate:5.1f} ms/doc)")
    return rate


def main() -> None:
    """Compare daemon.paperwork.letters.render with DocxTemplate(...).render(ctx); save() on the same input."""
    ctx = spt_context()
    template = letters.TEMPLATE_DIR / letters.SPT_TEMPLATE
    with tempfile.TemporaryDirectory(prefix="bench-letters-") as tmp:
        out = Path(tmp)

        def bare(i: int) -> None:
            doc = DocxTemplate(str(template))
            doc.render(ctx)
            doc.save(str(out / f"bare-{i}.docx"))

        def ours(i: int) -> None:
            letters.render(letters.SPT_TEMPLATE, ctx, out / f"liputan-{i}.docx")

        ours(-1)  # warm the template cache and imports
        bare_rate = timed("bare DocxTemplate.render + save", bare)
        ours_rate = timed("daemon.paperwork.letters.render (autoescape, atomic)", ours)
    print(f"ratio liputan/bare: {ours_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
