"""`liputan contoh OUTDIR`: every letter and mail of the sample requests, as .docx, PDF, PNG and .eml,
with an index, so an office can review its forms before going live."""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from daemon.app.contoh_office import SampleOffice
from daemon.app.contoh_scenarios import SCENARIOS, Scenario
from daemon.core.models import Document, Outbox
from daemon.mail import mime
from daemon.paperwork import pdf

log = logging.getLogger(__name__)
PNG_DPI = 80


def main(outdir: str, rules: str | None = None) -> int:
    """Render every sample into `outdir`; 0 when every scenario ran, 1 otherwise."""
    from daemon.core.resources import rules_dir

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rules_path = Path(rules) if rules else rules_dir()
    converter = pdf.default_converter()
    index, failed = [], 0
    try:
        with tempfile.TemporaryDirectory(prefix="liputan-contoh-") as work:
            for scenario in SCENARIOS:
                entry = render_scenario(scenario, rules_path, Path(work) / scenario.name,
                                        out / scenario.name, converter)
                failed += bool(entry["error"])
                index.append(entry)
    finally:
        converter.close()
    has_pdf = converter.available()  # PNG pages are made from the PDFs: none without them
    write_index(out, index, has_pdf, has_pdf and shutil.which("pdftoppm") is not None,
                notes=review_notes(rules_path))
    print(f"{sum(len(e['letters']) for e in index)} surat dan {sum(len(e['mails']) for e in index)} surel "
          f"dari {len(index)} contoh ditulis ke {out.resolve()}; buka {out.resolve() / 'index.html'}")
    return 1 if failed else 0


def review_notes(rules: Path) -> list[str]:
    """What the forms will lack with these rules: `liputan check`'s warnings, and a kop without lambang."""
    from daemon.core.resources import templates_dir
    from daemon.core.rules_check import check_rules, load_rules

    problems, warnings = check_rules(rules, None, templates_dir("letters"))
    notes = [str(p) for p in [*problems, *warnings]]
    office = None if problems else load_rules(rules).office
    if office is not None and not office.office.lambang:
        notes.append("Kop surat tanpa lambang: isi office.lambang di office.yaml dengan nama berkas "
                     "gambar lambang daerah di folder rules/.")
    if office is not None and not office.spt_budget:
        notes.append("SPT ke luar Pulau Bengkalis tanpa mata anggaran: isi spt_budget di office.yaml.")
    return notes


def render_scenario(scenario: Scenario, rules: Path, work: Path, target: Path,
                    converter: pdf.PdfConverter) -> dict:
    """Run one sample request and copy what it wrote into `target`; an error is recorded, not raised."""
    if target.exists():
        shutil.rmtree(target)
    (target / "surat").mkdir(parents=True)
    (target / "surel").mkdir()
    office = SampleOffice(work, rules, scenario.start)
    entry: dict = {"name": scenario.name, "title": scenario.title, "error": None, "letters": [], "mails": []}
    try:
        scenario.run(office)
    except Exception as exc:  # the samples go on; the index names what broke
        log.exception("sample %s failed", scenario.name)
        entry["error"] = f"{type(exc).__name__}: {exc}"
    try:
        req = office.request()
        entry["code"] = req.code if req else None
        entry["letters"] = [export_letter(doc, target / "surat", converter) for doc in office.documents()]
        entry["mails"] = [export_mail(i, row, msg, target / "surel")
                          for i, (row, msg) in enumerate(office.outbox(), 1)]
    finally:
        office.close()
    return entry


def export_letter(doc: Document, folder: Path, converter: pdf.PdfConverter) -> dict:
    """The letter's .docx, its PDF (made here when the render job made none) and a PNG per page."""
    docx = folder / Path(doc.path).name
    shutil.copyfile(doc.path, docx)
    made = None
    if doc.pdf_path and Path(doc.pdf_path).is_file():
        made = docx.with_suffix(".pdf")
        shutil.copyfile(doc.pdf_path, made)
    elif converter.available():
        made = converter.convert(docx)
    pages = png_pages(made) if made else []
    return {"kind": doc.kind, "number": doc.number, "version": doc.version, "docx": rel(docx),
            "pdf": rel(made) if made else None, "png": [rel(p) for p in pages]}


def png_pages(pdf_file: Path) -> list[Path]:
    """One PNG per page of the PDF (pdftoppm of poppler-utils); none when it is not installed."""
    if shutil.which("pdftoppm") is None:
        return []
    prefix = pdf_file.parent / "png" / pdf_file.stem
    prefix.parent.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(PNG_DPI), "-png", str(pdf_file), str(prefix)],
                   check=True, timeout=120, capture_output=True)
    return sorted(prefix.parent.glob(f"{pdf_file.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def export_mail(i: int, row: Outbox, msg, folder: Path) -> dict:
    """The mail as sent (.eml, attachments included), named by its order, kind and first addressee."""
    to = (row.recipients or ["?"])[0]
    name = f"{i:02d}-{row.kind}-{re.sub(r'[^a-z0-9.]+', '-', str(to).split('@')[0].lower())}.eml"
    path = folder / name
    path.write_bytes(row.raw)
    return {"kind": row.kind, "to": list(row.recipients or []), "subject": mime.header(msg, "Subject"),
            "attachments": [a.filename for a in mime.attachments(msg)], "eml": rel(path)}


def rel(path: Path) -> str:
    """A path relative to OUTDIR (the scenario's folder's parent)."""
    return str(Path(*Path(path).parts[-3:])) if Path(path).parent.name != "png" else \
        str(Path(*Path(path).parts[-4:]))


def write_index(out: Path, index: list[dict], has_pdf: bool, has_png: bool, notes: list[str] = ()) -> None:
    """index.json (for tools and the CI test) and index.html (for people), side by side."""
    (out / "index.json").write_text(json.dumps({"pdf": has_pdf, "png": has_png, "notes": list(notes),
                                                "samples": index}, ensure_ascii=False, indent=2),
                                    encoding="utf-8")
    e = html.escape
    parts = ["<!doctype html><html lang='id'><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width, initial-scale=1'>"
             "<title>Contoh surat dan surel Liputan</title>"
             "<style>body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}"
             "img{border:1px solid #999;margin:.3em;max-width:30%}td{padding:.2em .6em;vertical-align:top}"
             "</style><h1>Contoh surat dan surel Liputan</h1>"]
    if notes:
        parts.append("<h2>Perlu dilengkapi sebelum digunakan</h2><p>Peringatan dari <code>liputan check"
                     "</code> atas rules/ yang dipakai:</p><ul>"
                     + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    if not has_pdf:
        parts.append("<p>LibreOffice tidak terpasang: surat hanya dalam .docx, tanpa PDF dan PNG.</p>")
    for entry in index:
        parts.append(f"<h2>{e(entry['name'])}{' - ' + e(entry['code']) if entry.get('code') else ''}</h2>"
                     f"<p>{e(entry['title'])}</p>")
        if entry["error"]:
            parts.append(f"<p><strong>Gagal:</strong> {e(entry['error'])}</p>")
        parts.append("<h3>Surat</h3><table>")
        for doc in entry["letters"]:
            links = " ".join(f"<a href='{e(doc[k])}'>{k.upper()}</a>" for k in ("docx", "pdf") if doc[k])
            pngs = "".join(f"<a href='{e(p)}'><img src='{e(p)}' alt='halaman {i}'></a>"
                           for i, p in enumerate(doc["png"], 1))
            parts.append(f"<tr><td>{e(doc['kind'])} v{doc['version']}<br>{e(doc['number'] or '-')}</td>"
                         f"<td>{links}<br>{pngs}</td></tr>")
        parts.append("</table><h3>Surel</h3><table>")
        for mail in entry["mails"]:
            parts.append(f"<tr><td><a href='{e(mail['eml'])}'>{e(Path(mail['eml']).name)}</a></td>"
                         f"<td>{e(', '.join(mail['to']))}</td><td>{e(mail['subject'])}</td>"
                         f"<td>{e(', '.join(mail['attachments']))}</td></tr>")
        parts.append("</table>")
    (out / "index.html").write_text("\n".join(parts) + "\n</html>\n", encoding="utf-8")
