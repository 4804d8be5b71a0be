"""Request folders in the shared folder: their names, their BACA-SAYA.txt, and how the team opens them."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit

from daemon.core.durable import atomic_write, make_dirs
from daemon.delivery import share

log = logging.getLogger("daemon.delivery")

CODE_RE = re.compile(r"^LPT-\d{4}-\d{4}$")
FOLDER_RE = re.compile(r"^(LPT-\d{4}-\d{4})(?: |$)")
YEAR_RE = re.compile(r"^\d{4}$")
README_NAME = "BACA-SAYA.txt"
QUARANTINE_DIR = "_KARANTINA"
TITLE_MAX = 60
_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

README_TEXT = """\
BACA SAYA - Folder Hasil Liputan {code}

Kegiatan: {title}

Mohon simpan hasil liputan kegiatan tersebut di dalam folder ini:

1. Naskah berita dalam bentuk .docx, .txt, atau .md. Baris pertama naskah
   berisi judul berita, diikuti isi berita pada baris berikutnya.
2. Foto dalam format .jpg atau .png.
3. Video dalam format umum (misalnya .mp4 atau .mov).

Berkas akan diambil secara otomatis oleh sistem setelah selesai disalin
seluruhnya; Saudara tidak perlu mengirimkannya melalui surel. Berkas yang
tidak dapat diterima dipindahkan ke folder _KARANTINA beserta keterangan
alasannya.

Sebelum berita dipublikasikan, Kepala Seksi akan menerima pratinjau untuk
diperiksa dan disetujui terlebih dahulu.

Berkas ini dibuat oleh sistem Liputan; mohon tidak dihapus.
"""


def safe_name(text: str, limit: int | None = None) -> str:
    """A file or folder name that Windows/SMB and Linux both accept (may be empty)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = _FORBIDDEN.sub(" ", text)
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        cut = text[:limit]
        text = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut
    return text.strip(" .")


def folder_relpath(code: str, title: str, year: int) -> str:
    """'2026/LPT-2026-0007 Peresmian Gedung Sekolah': the request's folder under the share root."""
    if not CODE_RE.match(code):
        raise ValueError(f"not a request code: {code!r}")
    name = f"{code} {safe_name(title, TITLE_MAX)}".strip()
    return f"{int(year):04d}/{name}"


def _existing_folder(year_dir: Path, code: str) -> Path | None:
    """A real (not symlinked) folder of this request, whatever title it was created with."""
    if not year_dir.is_dir():
        return None
    for entry in sorted(year_dir.iterdir()):
        match = FOLDER_RE.match(entry.name)
        if match and match.group(1) == code and entry.is_dir() and not entry.is_symlink():
            return entry
    return None


def create_request_folder(root: Path, code: str, title: str, year: int, require_mount: bool = False) -> Path:
    """The request's folder with its BACA-SAYA.txt; an existing folder of the same code is reused.
    FileNotFoundError when the share is unmounted: nothing is written in its place."""
    share.check(root, require_mount)
    relpath = folder_relpath(code, title, year)
    year_dir = Path(root) / relpath.split("/", 1)[0]
    folder = _existing_folder(year_dir, code) or Path(root) / relpath
    make_dirs(folder)
    readme = folder / README_NAME
    if not readme.exists() and not readme.is_symlink():
        text = README_TEXT.format(code=code, title=safe_name(title) or "-")
        atomic_write(readme, text.replace("\n", "\r\n").encode("utf-8"))
        log.info("%s: request folder ready at %s", code, relpath)
    return folder


def _relative(relpath: str, server_root: Path) -> str:
    """relpath with '/' separators, relative to the share root, even if given as a server path."""
    path = Path(relpath)
    if path.is_absolute():
        path = path.relative_to(server_root)  # ValueError: not under the share
    parts = [p for p in PurePosixPath(path.as_posix()).parts if p not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"relpath leaves the share: {relpath!r}")
    return "/".join(parts)


def public_path(public_root: str | None, relpath: str, server_root: Path) -> str:
    """How the team opens a folder of the share; the server's own path is never shown.

    - UNC root (``\\\\fileserver\\hasil-liputan``) or a mapped drive (``Z:\\Liputan``): joined with backslashes.
    - URL root (``smb://``, ``https://``): joined with ``/``, each segment percent-encoded.
      A link that cannot address a subfolder by path (a Google Drive folder link, or any link
      with a query or fragment) is kept whole and followed by the folders as a breadcrumb:
      ``https://drive.google.com/drive/folders/ID > 2026 > LPT-2026-0007 Judul``.
    - No public root: the path relative to the share, with ``/`` (``2026/LPT-2026-0007 Judul``),
      for a mail to say "di folder bersama: ...".
    """
    rel = _relative(relpath, server_root)
    if not public_root:
        return rel
    root = public_root.strip()
    if root.startswith("\\\\") or re.match(r"^[A-Za-z]:[\\/]", root):  # UNC, or a mapped drive Z:\\
        return root.rstrip("\\/") + ("\\" + rel.replace("/", "\\") if rel else "")
    if _URL_RE.match(root):
        parts = urlsplit(root)
        if parts.query or parts.fragment or parts.netloc.endswith("drive.google.com"):
            return " > ".join([root, *rel.split("/")]) if rel else root
        segments = "/".join(quote(seg, safe="") for seg in rel.split("/"))
        return root.rstrip("/") + ("/" + segments if rel else "")
    return root.rstrip("/\\") + ("/" + rel if rel else "")


def request_code_of(relpath: str) -> str | None:
    """The request code of the request folder (``YYYY/LPT-...``) a path under the root sits in."""
    parts = [p for p in re.split(r"[/\\]", relpath) if p not in ("", ".")]
    if len(parts) < 2 or not YEAR_RE.match(parts[0]):
        return None
    match = FOLDER_RE.match(parts[1])
    return match.group(1) if match else None
