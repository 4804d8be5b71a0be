"""Text and tables of the places a letter can live in: HTML bodies, PDF (text or scanned), DOCX, photos."""

from __future__ import annotations

import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from daemon.mail import mime
from daemon.mail.mime import Attachment, html_to_text
from daemon.reading.datetimes import repair_ocr_times
from daemon.reading.ocr import (
    OcrCache,
    OcrPart,
    OcrSource,
    OcrUnreadable,
    sha256_of,
    straighten,
)

log = logging.getLogger(__name__)

Table = list[list[str]]
OCR_LANG = "ind+eng"
OCR_DPI = 200
OCR_TIMEOUT = 120  # seconds per page; a hung Tesseract fails the try instead of the worker
MAX_PAGES = 4
MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 64 * 1024 * 1024  # what a DOCX or the streams of a PDF may unpack to
MAX_PIXELS = 60_000_000  # a scan of an A4 letter at 600 dpi is ~35 million
IMAGE_TYPES = ("image/jpeg", "image/jpg", "image/png", "image/tiff", "image/webp")


@dataclass
class Document:
    """One readable rendering of a letter with where it came from."""

    text: str
    source: str  # body | html | pdf | docx | ocr | forwarded
    tables: list[Table] = field(default_factory=list)
    name: str = ""

    def __post_init__(self) -> None:
        self.text = newlines(self.text)
        if self.source == "ocr":
            self.text = repair_ocr_times(self.text)  # "O9,0O WIB" is 09.00: Tesseract's usual misreads


def newlines(text: str) -> str:
    """Text with CRLF/CR line ends turned into LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _clean(text: str) -> str:
    return re.sub(r"[ \t\xa0]+", " ", text or "").strip()


def html_tables(html: str) -> list[Table]:
    """The rows of every HTML table (daemon/reading/html_tables.py: bs4 loads with the first HTML letter)."""
    from daemon.reading import html_tables as tables
    return tables.html_tables(html)


def html_document(html: str) -> Document:
    """An HTML body as text plus its tables."""
    return Document(html_to_text(html), "html", html_tables(html))


def pdf_document(data: bytes, name: str = "", ocr: OcrSource | None = None) -> Document | None:
    """A PDF's text layer; a PDF without one is read by OCR (inline, or from `ocr`'s cache)."""
    try:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = pdf.pages[:MAX_PAGES]
            texts = [(p.extract_text() or "") for p in pages]
            tables = [t for p in pages for t in (p.extract_tables() or [])]
    except Exception:
        log.warning("pdfplumber failed on %s", name, exc_info=True)
        texts, tables = _pypdf_texts(data), []
    if sum(len(t.strip()) for t in texts) >= 40:
        clean = [[[_clean(c or "") for c in row] for row in t] for t in tables]
        return Document("\n".join(texts), "pdf", clean, name)
    return _ocr_document(OcrPart(name, sha256_of(data), "pdf"), lambda: ocr_pdf_text(data), ocr)


def _pypdf_texts(data: bytes) -> list[str]:
    try:
        from pypdf import PdfReader

        return [(p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages[:MAX_PAGES]]
    except Exception:
        log.warning("pypdf failed", exc_info=True)
        return []


def _ocr_document(part: OcrPart, run, ocr: OcrSource | None) -> Document | None:
    """The OCR text of a part as a document; None while `ocr` has no text for it yet."""
    text = run() if ocr is None else ocr.text(part, run)
    return None if text is None else Document(text, "ocr", [], part.filename)


def ocr_pdf_text(data: bytes) -> str:
    """Tesseract text of a scanned PDF's first pages (the slow part: ~1-2 s a page)."""
    from pdf2image import convert_from_bytes
    from pdf2image.exceptions import (
        PDFInfoNotInstalledError,
        PDFPageCountError,
        PDFSyntaxError,
    )

    try:
        images = convert_from_bytes(data, dpi=OCR_DPI, first_page=1, last_page=MAX_PAGES)
    except PDFInfoNotInstalledError:
        raise  # poppler missing: the operator can fix that, try again later
    except (PDFPageCountError, PDFSyntaxError) as exc:
        raise OcrUnreadable(f"not a readable PDF: {exc}") from exc
    return "\n".join(ocr_image(img) for img in images)


def ocr_image_bytes(data: bytes) -> str:
    """Tesseract text of a photo or scan given as file bytes."""
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise OcrUnreadable(f"not a readable image: {exc}") from exc
    with img:
        return ocr_image(img)


def ocr_image(image) -> str:
    """Tesseract text of a page image (Indonesian + English), lightly cleaned up first."""
    import pytesseract
    from PIL import ImageOps

    img = straighten(ImageOps.exif_transpose(image).convert("L"))
    if img.width < 1400:
        scale = 1800 / img.width
        img = img.resize((int(img.width * scale), int(img.height * scale)))
    img = ImageOps.autocontrast(img, cutoff=1)
    return pytesseract.image_to_string(img, lang=OCR_LANG, config="--psm 4", timeout=OCR_TIMEOUT)


def image_document(data: bytes, name: str = "", ocr: OcrSource | None = None) -> Document | None:
    """A photo or scan of a letter, read by OCR (inline, or from `ocr`'s cache)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:  # the header only: no OCR job for what is no image
        if img.width * img.height > MAX_PIXELS:  # a decompression bomb, or no letter anyway
            raise Unsafe(f"image of {img.width}x{img.height} pixels (limit {MAX_PIXELS:,})")
    return _ocr_document(OcrPart(name, sha256_of(data), "image"), lambda: ocr_image_bytes(data), ocr)


def docx_document(data: bytes, name: str = "") -> Document | None:
    """A DOCX letter: header (kop surat), paragraphs and tables, in reading order."""
    import docx

    _zip_within_limits(data)
    doc = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for section in doc.sections[:1]:
        lines += [p.text for p in section.header.paragraphs if p.text.strip()]
        for table in section.header.tables:
            lines += ["\t".join(r) for r in _docx_rows(table)]
    tables: list[Table] = []
    for block in doc.iter_inner_content():
        if hasattr(block, "rows"):
            rows = _docx_rows(block)
            tables.append(rows)
            lines += ["\t".join(r) for r in rows]
        else:
            lines.append(block.text)
    return Document("\n".join(lines), "docx", tables, name)


def _docx_rows(table) -> Table:
    rows: Table = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a horizontally merged cell repeats itself
                continue
            previous = cell._tc
            cells.append(_clean(cell.text))
        rows.append(cells)
    return rows


class Unsafe(ValueError):
    """A file that would take far more memory or time to open than it is worth (a bomb)."""


def _zip_within_limits(data: bytes) -> None:
    """A DOCX (a zip) whose parts unpack to more than MAX_UNPACKED bytes, or many times their
    packed size, is not opened: python-docx would unpack them all into memory."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
    if len(infos) > 2000 or total > MAX_UNPACKED or total > 100 * packed + 10 * 1024 * 1024:
        raise Unsafe(f"zip of {len(infos)} parts unpacking to {total:,} bytes from {packed:,}")


PDF_STREAM_RE = re.compile(rb"stream\r?\n")


def _pdf_within_limits(data: bytes) -> None:
    """A PDF whose compressed streams unpack to more than MAX_UNPACKED bytes in all is not read
    (pdfminer unpacks each whole stream into memory); measured in bounded steps, never unpacked."""
    total = 0
    for m in PDF_STREAM_RE.finditer(data):
        end = data.find(b"endstream", m.end())
        chunk = data[m.end(): end if end >= 0 else len(data)]
        inflate = zlib.decompressobj()
        try:
            while chunk and total <= MAX_UNPACKED:
                out = inflate.decompress(chunk, 1024 * 1024)
                total += len(out)
                chunk = inflate.unconsumed_tail
                if not out:
                    break
        except zlib.error:
            continue  # not Flate, or broken: pdfplumber judges it
        if total > MAX_UNPACKED:
            raise Unsafe(f"PDF streams unpacking to more than {MAX_UNPACKED:,} bytes")


def attachment_document(att: Attachment, ocr: OcrSource | None = None) -> Document | None:
    """The readable document in an attachment, or None for other files or failures (and, with a
    deferred `ocr`, for scans whose text is not cached yet: `ocr.needed` lists those)."""
    if not att.data or len(att.data) > MAX_BYTES:
        return None
    name = (att.filename or "").lower()
    ctype = (att.content_type or "").lower()
    try:
        if ctype == "application/pdf" or name.endswith(".pdf") or att.data[:5] == b"%PDF-":
            _pdf_within_limits(att.data)
            return pdf_document(att.data, att.filename, ocr)
        if name.endswith(".docx") or "wordprocessingml" in ctype:
            return docx_document(att.data, att.filename)
        if ctype in IMAGE_TYPES or name.endswith((".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")):
            return image_document(att.data, att.filename, ocr)
    except Exception:
        log.warning("could not read attachment %s", att.filename, exc_info=True)
    return None


def run_ocr(msg: EmailMessage, parts: list[OcrPart], cache: OcrCache) -> dict[str, Any]:
    """OCR the message's `parts` not yet cached and cache their text (the job's slow work).

    Raises OcrUnreadable when a part is missing or cannot be decoded; any other error (Tesseract
    missing or timing out) is worth another try. Parts done before an error stay cached."""
    by_sha = {sha256_of(a.data): a for a in mime.attachments(msg) if a.data}
    done: dict[str, int] = {}
    for part in parts:
        cached = cache.get(part.sha256)
        if cached is not None:
            done[part.sha256] = len(cached)
            continue
        att = by_sha.get(part.sha256)
        if att is None:
            raise OcrUnreadable(f"attachment {part.filename!r} ({part.sha256[:12]}) is not in the message")
        text = ocr_pdf_text(att.data) if part.kind == "pdf" else ocr_image_bytes(att.data)
        cache.put(part.sha256, text)
        done[part.sha256] = len(text)
        log.info("OCR of %s: %d characters", part.filename, len(text))
    return {"chars": done}
