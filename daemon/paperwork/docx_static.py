"""Templates rendered without re-reading the parts docxtpl never changes (styles: most of a letter's CPU)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from daemon.core.bounded import BoundedCache

# Parts a docxtpl render never touches (it renders the body, headers, footers, footnotes and core
# properties; inline images add their own parts). Word's styles are 780 KB of XML in our
# templates: python-docx parsed, re-serialized and re-compressed them for every letter (16 ms of
# its 29). They are opened as a stub and copied into each letter as they are in the template.
STATIC_PARTS = ("word/styles.xml", "word/stylesWithEffects.xml")
STUB = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
CACHE_SIZE = 16


@dataclass(frozen=True)
class Split:
    """A template split in two: what docxtpl opens, and the static parts as a finished zip."""

    slim: bytes  # the template with each static part replaced by STUB
    static: bytes  # a zip holding the static parts as they are in the template (compressed once)
    names: frozenset[str]


_cache: BoundedCache[bytes, Split] = BoundedCache(CACHE_SIZE)


def split(template: bytes) -> Split:
    """The template's Split (made once per distinct template, kept for CACHE_SIZE of them)."""
    found = _cache.get(template)
    if found is None:
        found = _split(template)
        _cache.put(template, found)
    return found


def _split(template: bytes) -> Split:
    slim, static = io.BytesIO(), io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(template)) as src, \
            zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as out, \
            zipfile.ZipFile(static, "w", zipfile.ZIP_DEFLATED) as keep:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in STATIC_PARTS:
                keep.writestr(_entry(info), data, compress_type=zipfile.ZIP_DEFLATED)
                names.add(info.filename)
                data = STUB
            out.writestr(_entry(info), data, compress_type=zipfile.ZIP_DEFLATED)
    return Split(slim.getvalue(), static.getvalue(), frozenset(names))


def _entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh entry named and dated as `info` (a ZipInfo records where one archive wrote it)."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.external_attr, entry.create_system = info.external_attr, info.create_system
    return entry


def join(parts: Split, rendered: bytes) -> bytes:
    """The finished .docx: the static parts (as compressed once) and every other part of the
    rendered slim document. A stub that is missing from the rendered one is an error."""
    out = io.BytesIO(parts.static)
    with zipfile.ZipFile(io.BytesIO(rendered)) as src, zipfile.ZipFile(out, "a") as dest:
        seen = set()
        for info in src.infolist():
            if info.filename in parts.names:
                seen.add(info.filename)
                continue
            dest.writestr(_entry(info), src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    if seen != parts.names:
        raise ValueError(f"the rendered letter lost its parts {sorted(parts.names - seen)}")
    return out.getvalue()
