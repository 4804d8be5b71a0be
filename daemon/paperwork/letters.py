"""Letter numbers and docxtpl rendering (and the optional PDF copy) of the disposition sheet, nota dinas and SPT."""

from __future__ import annotations

import functools
import io
import logging
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment

from daemon.core import resources
from daemon.core.bounded import BoundedCache
from daemon.core.durable import atomic_write
from daemon.core.errors import ConfigError
from daemon.core.indonesian import roman_month
from daemon.paperwork import docx_static, pdf

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

# docxtpl (with python-docx and lxml, ~7 MB) is imported where a letter is rendered: in the forked
# letter workers, not in the daemon's main process (tests/unit/test_memory_imports.py)

log = logging.getLogger(__name__)

TEMPLATE_DIR = resources.templates_dir("letters")
DISPOSISI_TEMPLATE = "lembar_disposisi.docx"
# what rendering a letter imports, kept out of the main process: a letter worker started ahead
# imports them at once (app/procpool.ProcessPool.prestart)
WORKER_IMPORTS = ("docxtpl", "docx.shared")
NOTA_DINAS_TEMPLATE = "nota_dinas.docx"
SPT_TEMPLATE = "spt.docx"
TEMPLATES = (DISPOSISI_TEMPLATE, NOTA_DINAS_TEMPLATE, SPT_TEMPLATE)

COMPILED_CACHE_SIZE = 64
LAMBANG_HEIGHT_MM = 24


class CachingEnvironment(Environment):
    """Jinja environment that reuses compiled templates for identical sources (docxtpl recompiles per render)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: BoundedCache[str, Any] = BoundedCache(COMPILED_CACHE_SIZE)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        """Compile once per distinct source string; other calls fall through to Jinja."""
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        template = self._compiled.get(source)
        if template is None:
            template = super().from_string(source)
            self._compiled.put(source, template)
        return template


_JINJA_ENV = CachingEnvironment(autoescape=True)

# docxtpl's patch_xml (a dozen regex passes over a part's whole XML, a quarter of a letter's CPU)
# is a pure function of the part's XML, which is the same for every letter of a template: each
# part is patched once per worker process. Keys are the parts' XML of the few templates in use.
PATCHED_CACHE_SIZE = 32
_patched: BoundedCache[str, str] = BoundedCache(PATCHED_CACHE_SIZE)


@functools.cache
def _template_class() -> type[DocxTemplate]:
    """DocxTemplate whose patch_xml is computed once per distinct part XML (made on first use:
    docxtpl is imported in the letter workers only)."""
    from docxtpl import DocxTemplate

    class CachedPatch(DocxTemplate):
        def patch_xml(self, src_xml: str) -> str:
            found = _patched.get(src_xml)
            if found is None:
                found = super().patch_xml(src_xml)
                _patched.put(src_xml, found)
            return found

    return CachedPatch


# --- numbering ---------------------------------------------------------------------------------

def format_number(pattern: str, seq: int, when: date) -> str:
    """Fill a numbering pattern: {seq} {year} {month} {roman_month}, format specs allowed ({seq:03d})."""
    if seq < 1:
        raise ValueError(f"letter sequence must start at 1, got {seq}")
    fields = {"seq": seq, "year": when.year, "month": when.month, "roman_month": roman_month(when.month)}
    try:
        return pattern.format(**fields)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"unknown field in numbering pattern {pattern!r}: {exc}") from exc


# --- rendering ---------------------------------------------------------------------------------

def template_path(template_name: str) -> Path:
    """Resolve a template name (in TEMPLATE_DIR) or an explicit path."""
    path = Path(template_name)
    return path if path.is_absolute() or path.parent != Path(".") else TEMPLATE_DIR / path


# Each template's bytes as first read (at start: preload). The letter contexts are the running
# code's; a .docx replaced on disk by an upgrade is used from the restart on, with its code.
_pinned: dict[str, bytes] = {}
_pinned_lock = threading.Lock()


def _template_bytes(path: Path) -> bytes:
    """The template as the daemon first read it (worker processes, forked, share the daemon's)."""
    key = str(path)
    with _pinned_lock:
        found = _pinned.get(key)
    if found is None:
        found = path.read_bytes()
        with _pinned_lock:
            found = _pinned.setdefault(key, found)
    return found


def preload(directory: Path | None = None, *, apart: bool = False) -> list[str]:
    """Read every .docx template of `directory` (TEMPLATE_DIR) now and check its tags parse; a
    broken one is a ConfigError naming the file. The names read. `apart`: one not in the cache
    is checked in a child process (template_cache.variables), not by docxtpl in this one."""
    from daemon.core import template_cache
    names = []
    for path in sorted(Path(directory or TEMPLATE_DIR).glob("*.docx")):
        data = _template_bytes(path)
        try:
            _, broken = template_cache.variables(path, data, apart=apart)
        except Exception as exc:  # noqa: BLE001 - not a .docx, a damaged zip: refuse it by name
            raise ConfigError(path, None, f"letter template cannot be read: {exc}") from None
        if broken:
            raise ConfigError(path, None, f"letter template: {broken}")
        names.append(path.name)
    return names


def forget() -> None:
    """Drop the templates read (tests; a restart does it for the daemon)."""
    with _pinned_lock:
        _pinned.clear()
    _patched.clear()


def with_lambang(doc: DocxTemplate, context: dict) -> dict:
    """The kop's lambang as an image (its path is kept in the stored context); none when unreadable."""
    kop = context.get("kop")
    path = Path(kop["lambang"]) if isinstance(kop, dict) and kop.get("lambang") else None
    if path is None:
        return context
    image: Any = ""
    if path.is_file():
        from docx.shared import Mm
        from docxtpl import InlineImage
        image = InlineImage(doc, str(path), height=Mm(LAMBANG_HEIGHT_MM))
    else:
        log.warning("kop lambang %s is not a file; the kop is printed without it", path)
    return {**context, "kop": {**kop, "lambang": image}}


def render(template_name: str, context: dict, out_path: Path) -> Path:
    """Render a .docx template with autoescaping and write it to out_path atomically and durably."""
    path = template_path(template_name)
    parts = docx_static.split(_template_bytes(path))
    doc = _template_class()(io.BytesIO(parts.slim))
    doc.render(with_lambang(doc, context), jinja_env=_JINJA_ENV, autoescape=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    return atomic_write(Path(out_path), docx_static.join(parts, buffer.getvalue()))


def office_binary() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return pdf.find_office()


def render_pdf(docx_path: Path) -> Path | None:
    """PDF copy of a .docx beside it through the shared long-lived LibreOffice; None when unavailable or failing."""
    if office_binary() is None:
        return None
    return pdf.default_converter().convert(Path(docx_path))
