"""Generate the docxtpl letter templates (lembar disposisi, nota dinas, SPT) with python-docx."""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
FONT = "Arial"
FONT_SIZE = Pt(11)
SIGN_INDENT = Cm(8.5)  # left edge of the signature block
FIXED_TIME = datetime(2026, 1, 1)  # reproducible builds: same bytes on every run
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TITLES = {"lembar_disposisi.docx": "Lembar Disposisi", "nota_dinas.docx": "Nota Dinas",
          "spt.docx": "Surat Perintah Tugas"}


# --- low-level helpers -------------------------------------------------------------------------

def new_document() -> DocumentType:
    """An A4 document with Tata Naskah Dinas margins and an Arial base style."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, FONT_SIZE
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.line_spacing = 1.0
    return doc


def para(container, text: str = "", *, bold: bool = False, underline: bool = False,
         italic: bool = False, size: float | None = None, align: str | None = None,
         indent: Cm | None = None, space_after: float = 0) -> Paragraph:
    """Add a paragraph whose whole text is one run (so every tag stays in a single run)."""
    p = container.add_paragraph()
    if text:
        run(p, text, bold=bold, underline=underline, italic=italic, size=size)
    fmt = p.paragraph_format
    if align:
        p.alignment = getattr(WD_ALIGN_PARAGRAPH, align)
    if indent is not None:
        fmt.left_indent = indent
    fmt.space_after = Pt(space_after)
    return p


def run(p: Paragraph, text: str, *, bold: bool = False, underline: bool = False,
        italic: bool = False, size: float | None = None) -> None:
    """Append one formatted run to a paragraph."""
    r = p.add_run(text)
    r.bold, r.underline, r.italic = bold or None, underline or None, italic or None
    if size:
        r.font.size = Pt(size)


def tag(container, statement: str) -> Paragraph:
    """A paragraph holding only a docxtpl {%p ... %} statement (removed when rendered)."""
    return para(container, "{%p " + statement + " %}")


def bottom_border(p: Paragraph, size: int = 18, style: str = "thickThinSmallGap") -> None:
    """Draw the kop surat rule under a paragraph."""
    p_pr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", style), ("sz", str(size)), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def cell_text(cell, text: str, *, bold: bool = False, align: str | None = None) -> None:
    """Write one run into the first paragraph of a table cell."""
    p = cell.paragraphs[0]
    run(p, text, bold=bold)
    if align:
        p.alignment = getattr(WD_ALIGN_PARAGRAPH, align)


def table(doc: DocumentType, cols: int, widths: list[float], grid: bool = False) -> Table:
    """A table with fixed column widths in cm; bordered only when `grid`."""
    t = doc.add_table(rows=0, cols=cols)
    if grid:
        t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER if grid else WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False
    for column, width in zip(t.columns, widths):
        column.width = Cm(width)  # tblGrid, used by LibreOffice
    t._widths = widths  # remembered for add_row()
    return t


def row(t: Table, texts: list[str], *, bold: bool = False) -> list:
    """Append a row, one run per cell, and apply the table's column widths."""
    cells = t.add_row().cells
    for cell, text, width in zip(cells, texts, t._widths):
        cell.width = Cm(width)
        if text:
            cell_text(cell, text, bold=bold)
    return cells


def loop_rows(t: Table, loop: str, texts: list[str]) -> list:
    """A {%tr for %} row, the repeated row, and the {%tr endfor %} row; returns the repeated cells."""
    row(t, ["{%tr " + loop + " %}"] + [""] * (len(t._widths) - 1))
    cells = row(t, texts)
    row(t, ["{%tr endfor %}"] + [""] * (len(t._widths) - 1))
    return cells


def font_size(cells, size: float) -> None:
    """Set every run of these cells to one size."""
    for c in cells:
        for p in c.paragraphs:
            for r in p.runs:
                r.font.size = Pt(size)


# --- shared blocks -----------------------------------------------------------------------------

def kop_surat(doc: DocumentType) -> None:
    """Letterhead: the lambang (when office.yaml names one) beside government, office, address and
    contact lines, then the double rule."""
    tag(doc, "if kop.lambang")
    t = table(doc, 2, [2.4, 14.1])  # the lines centred beside the lambang, as a kop surat has them
    logo, lines = row(t, ["{{ kop.lambang }}", ""])
    logo.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    logo.vertical_alignment = lines.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    lines._tc.remove(lines.paragraphs[0]._p)
    kop_lines(lines)
    tag(doc, "else")
    kop_lines(doc)
    tag(doc, "endif")
    last = para(doc, "", size=4)
    bottom_border(last)
    para(doc, "", space_after=4)


def kop_lines(container) -> None:
    """Government, office, address with telephone, mail and web: centred."""
    para(container, "{{ kop.government }}", bold=True, size=14, align="CENTER")
    para(container, "{{ kop.name }}", bold=True, size=14, align="CENTER")
    para(container, "{{ kop.address }}", size=9.5, align="CENTER")
    para(container, "{{ kop.contact }}", size=9.5, align="CENTER")


def label_table(doc: DocumentType, rows: list[tuple[str, str]], widths=(4.0, 0.5, 12.0)) -> Table:
    """Borderless "Label : value" rows."""
    t = table(doc, 3, list(widths))
    for label, value in rows:
        row(t, [label, ":", value])
    return t


def signature_block(doc: DocumentType, *, lead: list[str] | None = None) -> None:
    """Right-hand signature: optional lead lines, position, space, name (bold underlined), rank, NIP."""
    lead_paragraphs = [para(doc, line, indent=SIGN_INDENT) for line in lead or []]
    for p in lead_paragraphs:
        p.paragraph_format.tab_stops.add_tab_stop(SIGN_INDENT + Cm(3.2))
    if lead_paragraphs:
        bottom_border(lead_paragraphs[-1], size=4, style="single")
        lead_paragraphs[-1].paragraph_format.space_after = Pt(6)
    block = [para(doc, "{{ signer.position }},", bold=True, indent=SIGN_INDENT)]
    block += [para(doc, "", indent=SIGN_INDENT) for _ in range(4)]
    block += [para(doc, "{{ signer.name }}", bold=True, underline=True, indent=SIGN_INDENT),
              para(doc, "{{ signer.pangkat }}", indent=SIGN_INDENT)]
    para(doc, "NIP. {{ signer.nip }}", indent=SIGN_INDENT)
    for p in lead_paragraphs + block:  # the block never splits over two pages
        p.paragraph_format.keep_with_next = True


def justified_loop(doc: DocumentType, loop: str, text: str) -> Paragraph:
    """Repeat one justified, first-line-indented paragraph per item."""
    tag(doc, loop)
    p = para(doc, text, align="JUSTIFY", space_after=6)
    p.paragraph_format.first_line_indent = Cm(1.25)
    tag(doc, "endfor")
    return p


# --- the three letters -------------------------------------------------------------------------

def build_disposisi() -> DocumentType:
    """Lembar Disposisi: letter facts and one row per disposition."""
    doc = new_document()
    kop_surat(doc)
    para(doc, "LEMBAR DISPOSISI", bold=True, size=13, align="CENTER", space_after=8)
    t = table(doc, 4, [2.9, 5.9, 3.5, 4.2], grid=True)  # a letter number on one line
    row(t, ["Surat dari", "{{ letter.sender }}", "Diterima tanggal", "{{ letter.received }}"])
    row(t, ["Nomor surat", "{{ letter.number }}", "Nomor agenda", "{{ letter.agenda }}"])
    row(t, ["Tanggal surat", "{{ letter.date }}", "Sifat", "{{ letter.sifat }}"])
    for label, value in (("Perihal", "{{ letter.subject }}"), ("Kegiatan", "{{ request.title }}"),
                         ("Waktu", "{{ request.when }}"), ("Tempat", "{{ request.location }}")):
        cells = row(t, [label, value, "", ""])
        cells[1].merge(cells[3])
    para(doc, "", space_after=6)
    choices = table(doc, 2, [8.0, 8.5], grid=True)
    forward, instruct = row(choices, ["Diteruskan kepada:", "Dengan hormat harap:"], bold=True)
    for cell, loop in ((forward, "for o in forward"), (instruct, "for o in instructions")):
        tag(cell, loop)
        para(cell, "{{ o.mark }} {{ o.text }}")
        tag(cell, "endfor")
    notes = row(choices, ["Catatan:", ""], bold=True)
    notes[0].merge(notes[1])
    tag(notes[0], "for c in catatan")
    para(notes[0], "{{ c }}")
    tag(notes[0], "endfor")
    para(doc, "", space_after=6)
    para(doc, "Disposisi", bold=True, space_after=4)
    d = table(doc, 5, [0.9, 3.6, 3.6, 4.6, 3.8], grid=True)
    row(d, ["No", "Dari", "Kepada", "Isi disposisi", "Paraf dan tanggal"], bold=True)
    loop_rows(d, "for d in dispositions", ["{{ loop.index }}", "{{ d.sender }}", "{{ d.recipient }}",
                                            "{{ d.note }}", "{{ d.by }}, {{ d.paraf }}"])
    para(doc, "", space_after=6)
    para(doc, "Kode permohonan: {{ request.code }}. Dicetak oleh Liputan pada {{ printed_at }}.",
         italic=True, size=9)
    return doc


def build_nota_dinas() -> DocumentType:
    """Nota Dinas for the schedule/team memo (step 5) and the SPT request (step 7)."""
    doc = new_document()
    kop_surat(doc)
    para(doc, "NOTA DINAS", bold=True, size=13, align="CENTER", space_after=8)
    label_table(doc, [("Yth.", "{{ recipient.position }}"), ("Dari", "{{ signer.position }}"),
                      ("Tembusan", "{{ tembusan }}"), ("Tanggal", "{{ date }}"),
                      ("Nomor", "{{ number }}"), ("Sifat", "{{ sifat }}"),
                      ("Lampiran", "{{ lampiran }}"), ("Hal", "{{ hal }}")])
    bottom_border(para(doc, ""), size=6, style="single")
    para(doc, "", space_after=6)
    justified_loop(doc, "for paragraph in body", "{{ paragraph }}")
    tag(doc, "if schedule_rows")
    s = table(doc, 3, [4.0, 0.5, 11.5])
    loop_rows(s, "for r in schedule_rows", ["{{ r.label }}", ":", "{{ r.value }}"])
    para(doc, "", space_after=6)
    tag(doc, "endif")
    tag(doc, "if team")
    m = table(doc, 5, [1.0, 5.1, 3.3, 3.9, 3.2], grid=True)  # a NIP fits its column on one line
    font_size(row(m, ["No", "Nama / NIP", "Pangkat/Gol", "Jabatan", "Tugas"], bold=True), 10)
    cells = loop_rows(m, "for p in team", ["{{ loop.index }}.", "{{ p.name }}", "{{ p.pangkat }}",
                                           "{{ p.jabatan }}", "{{ p.task }}"])
    run(cells[1].add_paragraph(), "NIP. {{ p.nip }}")
    font_size(cells, 10)
    para(doc, "", space_after=6)
    tag(doc, "endif")
    closing = justified_loop(doc, "for paragraph in closing", "{{ paragraph }}")
    spacer = para(doc, "", space_after=6)
    for p in (closing, spacer):  # the closing goes with the signature: never a signature alone
        p.paragraph_format.keep_with_next = True
    signature_block(doc)
    return doc


def build_spt() -> DocumentType:
    """Surat Perintah Tugas on one page for up to six officers: Dasar, Kepada (a table), Untuk, the
    paraf koordinasi box beside the signature, and the line saying how it was approved."""
    doc = new_document()
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Cm(1.5), Cm(1.5)
    kop_surat(doc)
    para(doc, "SURAT PERINTAH TUGAS", bold=True, underline=True, size=12, align="CENTER")
    para(doc, "Nomor : {{ number }}", align="CENTER", space_after=6)
    numbered_section(doc, "Dasar", "for item in dasar")
    para(doc, "MEMERINTAHKAN :", bold=True, align="CENTER", space_after=3).paragraph_format.space_before = Pt(3)
    kepada_section(doc)
    para(doc, "", size=4)
    numbered_section(doc, "Untuk", "for item in untuk")
    p = para(doc, "{{ closing }}", align="JUSTIFY", space_after=6)
    p.paragraph_format.first_line_indent = Cm(1.25)
    p.paragraph_format.space_before = Pt(3)
    bottom = table(doc, 2, [7.0, 9.5])
    box_cell, sign_cell = row(bottom, ["", ""])
    box_cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
    paraf_box(box_cell)
    spt_signature(sign_cell)
    tag(doc, "if signed")
    para(doc, "{{ signed.text }}", italic=True, size=8, align="JUSTIFY").paragraph_format.space_before = Pt(4)
    tag(doc, "endif")
    return doc


def paraf_box(cell) -> None:
    """The paraf koordinasi box: one row per official who initials (Tata Naskah Dinas)."""
    run(cell.paragraphs[0], "Paraf koordinasi:", size=8)
    t = cell.add_table(rows=0, cols=3)
    t.style = cell.part.document.styles["Table Grid"]
    t.autofit = False
    t._widths = [1.7, 2.6, 2.5]  # the paraf's date in two lines, not four
    for column, width in zip(t.columns, t._widths):
        column.width = Cm(width)
    font_size(row(t, ["Jabatan", "Nama", "Paraf"], bold=True), 8)
    font_size(loop_rows(t, "for p in initials", ["{{ p.label }}", "{{ p.name }}", "{{ p.at }}"]), 8)


def spt_signature(cell) -> None:
    """The signature block in the right-hand cell: place, date, position, space, name, rank, NIP."""
    first = cell.paragraphs[0]
    run(first, "Dikeluarkan di\t: {{ place }}")
    lead = [first, para(cell, "Pada tanggal\t: {{ date }}")]
    for p in lead:
        p.paragraph_format.tab_stops.add_tab_stop(Cm(3.0))
    bottom_border(lead[-1], size=4, style="single")
    lead[-1].paragraph_format.space_after = Pt(4)
    para(cell, "{{ signer.position }},", bold=True)
    for _ in range(3):
        para(cell, "")
    para(cell, "{{ signer.name }}", bold=True, underline=True)
    para(cell, "{{ signer.pangkat }}")
    para(cell, "NIP. {{ signer.nip }}")


def numbered_section(doc: DocumentType, label: str, loop: str) -> None:
    """Borderless "Label : 1. text" rows, the label only on the first row."""
    t = table(doc, 4, [2.5, 0.5, 0.8, 12.7])
    cells = loop_rows(t, loop, ["{% if loop.first %}" + label + "{% endif %}",
                                "{% if loop.first %}:{% endif %}", "{{ loop.index }}.", "{{ item }}"])
    cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def kepada_section(doc: DocumentType) -> None:
    """Kepada: a table, one row per officer (name over NIP, rank, position), six fit one page."""
    para(doc, "Kepada :", space_after=2)
    t = table(doc, 4, [1.0, 5.8, 4.2, 5.5], grid=True)
    font_size(row(t, ["No", "Nama / NIP", "Pangkat/Gol.", "Jabatan"], bold=True), 10)
    cells = loop_rows(t, "for p in team", ["{{ loop.index }}.", "{{ p.name }}", "{{ p.pangkat }}",
                                           "{{ p.jabatan }}"])
    run(cells[1].add_paragraph(), "NIP. {{ p.nip }}")  # the widths keep a NIP on one line
    font_size(cells, 10)


BUILDERS = {
    "lembar_disposisi.docx": build_disposisi,
    "nota_dinas.docx": build_nota_dinas,
    "spt.docx": build_spt,
}


def set_properties(doc: DocumentType, title: str) -> None:
    """Fixed document properties (no build time, no tool name)."""
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "Liputan", "Liputan"
    props.comments, props.revision = "", 1
    props.created = props.modified = FIXED_TIME


def reproducible_bytes(doc: DocumentType) -> bytes:
    """The .docx zip with fixed member timestamps, so rebuilding changes nothing."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main(out_dir: Path = HERE) -> list[Path]:
    """Write every template into `out_dir` and return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in BUILDERS.items():
        doc = build()
        set_properties(doc, TITLES[name])
        path = out_dir / name
        path.write_bytes(reproducible_bytes(doc))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written_path)
