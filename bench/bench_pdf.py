"""Benchmark: N letters to PDF through one long-lived LibreOffice (PdfConverter) against one soffice per document."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_letters import spt_context

from daemon.paperwork import letters
from daemon.paperwork.pdf import SERVER, PdfConverter, find_office


def render_letters(folder: Path, n: int) -> list[Path]:
    """N distinct SPT .docx files in folder."""
    ctx = spt_context()
    out = []
    for i in range(n):
        ctx["untuk"] = [f"Melaksanakan peliputan kegiatan nomor {i};"]
        out.append(letters.render(letters.SPT_TEMPLATE, ctx, folder / f"spt-{i:03d}.docx"))
    return out


def soffice_once(office: str, docx: Path, outdir: Path) -> None:
    """The old render_pdf: one soffice with a fresh profile per document."""
    with tempfile.TemporaryDirectory(prefix="bench-lo-") as profile:
        subprocess.run([office, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
                       check=True, capture_output=True, timeout=120)


def report(label: str, n: int, elapsed: float) -> float:
    rate = n / elapsed
    print(f"{label:<44} {n} docs in {elapsed:6.2f} s = {rate:6.2f} docs/s ({1000 / rate:6.0f} ms/doc)")
    return rate


def bench_baseline(office: str, docs: list[Path], outdir: Path) -> float:
    began = time.perf_counter()
    for docx in docs:
        soffice_once(office, docx, outdir)
    return report("soffice --convert-to per document", len(docs), time.perf_counter() - began)


def bench_converter(docs: list[Path], state: Path) -> float:
    """Cold start (first document, office started), then every document on the warm office."""
    with PdfConverter(state) as conv:
        if not conv.available() or conv.mode != SERVER:
            sys.exit(f"PdfConverter cannot use unoserver here: {conv.reason}")
        began = time.perf_counter()
        assert conv.convert(docs[0]), conv.reason
        first = time.perf_counter() - began
        print(f"cold start: first document {first:.2f} s, of which office start {conv.cold_start_s:.2f} s")
        began = time.perf_counter()
        for docx in docs:
            assert conv.convert(docx), conv.reason
        warm = time.perf_counter() - began
        assert conv.starts == 1
    report("PdfConverter, warm office", len(docs), warm)
    return report("PdfConverter, including the cold start", len(docs) + 1, warm + first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20, help="letters to convert (default 20)")
    n = parser.parse_args().n
    office = find_office()
    if office is None:
        sys.exit("LibreOffice is not installed (apt-get install libreoffice-writer-nogui python3-uno)")
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        folder = Path(tmp)
        docs = render_letters(folder, n)
        (folder / "baseline").mkdir()
        base = bench_baseline(office, docs, folder / "baseline")
        ours = bench_converter(docs, folder / "state")
    print(f"speed-up (incl. cold start): {ours / base:.1f}x")


if __name__ == "__main__":
    main()
