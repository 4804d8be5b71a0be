"""What a delivered file really is, judged by its content (never by its name alone)."""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from daemon.core import quarantine_reasons as reasons
from daemon.core.config_work import DeliveryCfg

HEADER_BYTES = 1024  # enough for every magic below; MPEG-TS needs five packets
TS_PACKETS = 5
MAX_TEXT_BYTES = 2 * 1024 * 1024  # a news text longer than this is not a news text
MAX_DOCX_XML = 50 * 1024 * 1024  # word/document.xml uncompressed: guards against zip bombs
# Pillow's own bound (2 x Image.MAX_IMAGE_PIXELS, its default 89,478,485): Pillow itself is
# imported when a picture is checked, not in the daemon's main process at start
PHOTO_MAX_PIXELS = 2 * 89_478_485
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ""}
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".3gp", ".3g2", ".mkv", ".webm", ".avi", ".ts", ".mts",
                  ".m2ts", ".mpg", ".mpeg", ".vob"}
FTYP_VIDEO = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
              b"qt  ", b"M4V ", b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"3g2b",
              b"3ge6", b"3gs7", b"dash", b"MSNV", b"mmp4", b"XAVC", b"f4v ", b"crx "}
QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"pnot"}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif"}
# an OSError's cause by its errno (its strerror is English); another by its errno name
UNREADABLE = {errno.ENOENT: "file_gone", errno.EIO: "file_read_error", errno.ESTALE: "share_disconnected",
              errno.ETIMEDOUT: "share_timed_out", errno.EBUSY: "file_busy",
              errno.ENAMETOOLONG: "file_name_too_long"}

IGNORED_NAMES = {"baca-saya.txt", "thumbs.db", ".ds_store", "desktop.ini", "ehthumbs.db", ".directory"}
IGNORED_PATTERNS = ("~$*", "*.part", "*.crdownload", "*.partial", "*.download", ".~lock.*#", "._*",
                    "*.tmp", ".*.swp", ".goutputstream-*", ".smbdelete*")


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # news | photo | video, None when refused
    reason: str | None = None  # why it was refused, in Indonesian (quarantine_reasons.shown)

    @property
    def accepted(self) -> bool:
        return self.kind is not None


def is_ignored(name: str) -> bool:
    """Our own BACA-SAYA.txt and the junk that copiers and editors leave behind: skipped silently."""
    low = name.lower()
    return low in IGNORED_NAMES or any(fnmatch.fnmatch(low, p.lower()) for p in IGNORED_PATTERNS)


def open_nofollow(path: Path) -> BinaryIO:
    """Open a regular file for reading without following a symlink or blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(f"not a regular file: {path}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def decode_text(data: bytes) -> str | None:
    """Text of a UTF-8 (BOM or not), UTF-16 (with BOM) or cp1252 file; None when it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text) or "\x7f" in text:
            return None
        return text
    return None


def refused(code: str, **fields: object) -> Verdict:
    """A refusal with its reason from the table (daemon/core/quarantine_reasons.py)."""
    return Verdict(None, reasons.shown(code, **fields))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f}"  # 1,234.5: shown() writes it 1.234,5


def classify(path: Path, max_bytes: int | None = None) -> Verdict:
    """news | photo | video by content, or None with the reason it is refused."""
    try:
        with open_nofollow(Path(path)) as fh:
            return classify_open(fh, Path(path).name, max_bytes)
    except OSError as exc:
        return Verdict(None, unreadable_reason(exc))


def classify_open(fh: BinaryIO, name: str, max_bytes: int | None = None) -> Verdict:
    """classify() on a file already open (reads the header, seeks back to the start)."""
    limit = max_bytes if max_bytes is not None else DeliveryCfg().max_file_mb * 1024 * 1024
    try:
        return _classify_open(Path(name), fh, os.fstat(fh.fileno()).st_size, limit)
    except OSError as exc:
        return Verdict(None, unreadable_reason(exc))
    finally:
        fh.seek(0)


def unreadable_reason(exc: OSError) -> str:
    """Why a file that could not be opened or read is refused, as a person reads it."""
    if isinstance(exc, IsADirectoryError) or exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return reasons.shown("file_not_regular")
    if isinstance(exc, PermissionError):
        return reasons.shown("file_no_permission")
    if exc.errno in UNREADABLE:
        return reasons.shown(UNREADABLE[exc.errno])
    return reasons.shown("file_unreadable",
                         error=errno.errorcode.get(exc.errno or 0, exc.__class__.__name__))


def _classify_open(path: Path, fh: BinaryIO, size: int, limit: int) -> Verdict:
    if size == 0:
        return refused("file_empty")
    if size > limit:
        return refused("file_too_large", size=_megabytes(size), limit=_megabytes(limit))
    head = fh.read(HEADER_BYTES)
    suffix = path.suffix.lower()
    fh.seek(0)
    if _is_video(head, size):
        return Verdict("video")
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return refused("file_heif")
    if head.startswith(b"PK\x03\x04"):
        return _docx(fh)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return refused("file_legacy_doc")
    if head.startswith(b"%PDF"):
        return refused("file_pdf")
    photo = _photo(fh, suffix)
    if photo is not None:
        return photo
    fh.seek(0)
    return _text_or_unknown(fh, size, suffix)


def _is_video(head: bytes, size: int) -> bool:
    box = head[4:8]
    if box == b"ftyp":
        return head[8:12] in FTYP_VIDEO
    if box in QUICKTIME_ATOMS and 8 <= int.from_bytes(head[:4], "big") <= size:  # QuickTime without ftyp
        return True
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska / WebM
        return True
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return True
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):  # MPEG program stream / video
        return True
    return _sync_bytes(head, 0, 188) or _sync_bytes(head, 4, 192)  # MPEG-TS, or M2TS (AVCHD)


def _sync_bytes(head: bytes, first: int, packet: int) -> bool:
    """An MPEG transport stream: the sync byte 0x47 at the start of each of the first packets."""
    offsets = [first + n * packet for n in range(TS_PACKETS)]
    return len(head) > offsets[-1] and all(head[i] == 0x47 for i in offsets)


def _photo(fh: BinaryIO, suffix: str) -> Verdict | None:
    """A verified JPEG/PNG, a refusal for another or broken picture, or None when it is no picture."""
    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fh) as im:
                fmt, pixels = im.format, im.width * im.height
                im.verify()
    except Image.DecompressionBombError:
        return refused("file_picture_too_many_pixels")
    except UnidentifiedImageError:
        if suffix in PHOTO_SUFFIXES:
            return refused("file_not_a_picture", suffix=suffix)
        return None
    except Exception:  # Pillow meets hostile input with many exception types; any means a broken picture
        return refused("file_picture_broken")
    if pixels > PHOTO_MAX_PIXELS:
        return refused("file_picture_too_many_pixels")
    if fmt not in PHOTO_FORMATS:
        return refused("file_picture_format", format=fmt)
    return Verdict("photo")


def _docx(fh: BinaryIO) -> Verdict:
    try:
        with zipfile.ZipFile(fh) as zf:
            info = zf.getinfo("word/document.xml")
    except KeyError:
        return refused("file_archive")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return refused("file_docx_broken")
    if info.file_size > MAX_DOCX_XML:
        return refused("file_docx_too_large")
    return Verdict("news")


def _text_or_unknown(fh: BinaryIO, size: int, suffix: str) -> Verdict:
    if suffix in VIDEO_SUFFIXES:
        unknown = refused("file_not_a_video", suffix=suffix)
    else:
        unknown = refused("file_unknown_type")
    if size > MAX_TEXT_BYTES:
        return unknown
    if decode_text(fh.read(MAX_TEXT_BYTES + 1)) is None:
        return unknown
    if suffix not in TEXT_SUFFIXES:
        return refused("file_text_misnamed", suffix=suffix)
    return Verdict("news")
