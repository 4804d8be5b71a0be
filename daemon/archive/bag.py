"""One request's record written as a BagIt bag (RFC 8493): copied and hashed in one pass, fsynced, verified, renamed into place."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import logging
import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import bagit

from daemon.core.durable import fsync_dir, make_dirs

log = logging.getLogger("daemon.archive")

CHUNK = 4 << 20  # bytes per read: 1-8 MiB measured alike here; 4 MiB keeps syscalls few
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")
SAFE = re.compile(r"[^A-Za-z0-9._-]+")
TAG_NAME = re.compile(r"[^A-Za-z0-9-]+")
MAX_PART = 120  # characters per path component


class ArchiveError(Exception):
    """A bag that is missing, incomplete or does not match its manifest."""


@dataclass(frozen=True)
class Item:
    """One payload file: its name inside data/ and where its bytes come from."""

    arcname: str
    source: Path | bytes


@dataclass(frozen=True)
class _Entry:
    arcname: str  # sanitized and unique
    source: Path | bytes


def bag_path(archive_root: Path, code: str, when: date) -> Path:
    """Where a request's bag is filed: <archive>/YYYY/MM/<code>."""
    return Path(archive_root) / f"{when.year:04d}" / f"{when.month:02d}" / safe_part(code)


def write_bag(archive_root: Path, code: str, when: date, items: list[Item], info: dict[str, str],
              verify: bool = True) -> Path:
    """Write the bag for `code` (or reuse a complete, valid one) and return its final path.

    The bag is built in a hidden sibling folder and renamed into place only once it is whole and
    fsynced (and, with `verify`, validated), so the final place holds an old bag, the new one or
    nothing, never a part; a bag already there that fails validation or lacks an item is replaced,
    and one of the same code under another month (the date moved) is removed afterwards.
    """
    final = bag_path(archive_root, code, when)
    entries = plan(items)
    make_dirs(final.parent)
    _remove_leftovers(final)
    if final.exists() and _reusable(final, entries):
        log.info("%s: archive bag already complete at %s", code, final)
        return final
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        _build(tmp, code, entries, info)
        if verify:
            verify_bag(tmp)
        _put_in_place(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_elsewhere(Path(archive_root), final)
    log.info("%s: archived %d files in %s", code, len(entries), final)
    return final


def verify_bag(path: Path) -> None:
    """Full validation (structure, Payload-Oxum, every checksum); raises ArchiveError on any fault."""
    try:
        bagit.Bag(str(path)).validate(processes=1)
    except (bagit.BagError, OSError) as exc:
        details = "; ".join(str(d) for d in getattr(exc, "details", None) or [])
        raise ArchiveError(f"archive bag {path} is not valid: {exc}{': ' + details if details else ''}") from exc


# ---- names -------------------------------------------------------------------------------------


def safe_part(name: str) -> str:
    """One path component in safe ASCII: accents dropped, other characters to '_', no leading dot."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    part = SAFE.sub("_", ascii_name).lstrip(".") or "_"
    if len(part) > MAX_PART:
        stem, dot, ext = part.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        part = part[:MAX_PART - len(ext) - 1].rstrip(".") + ("." + ext if ext else "")
    return part


def safe_arcname(arcname: str) -> str:
    """A relative path with no traversal: empty, '.' and '..' components dropped, each made safe."""
    parts = [p for p in re.split(r"[\\/]+", arcname) if p not in ("", ".", "..")]
    return "/".join(safe_part(p) for p in parts) or "_"


def plan(items: list[Item]) -> list[_Entry]:
    """Sanitized arcnames, unique even on a case-insensitive filesystem (a clash gets '-2', '-3')."""
    files: set[str] = set()
    dirs: set[str] = set()
    out = []
    for item in items:
        name = safe_arcname(item.arcname)
        parents = _parents(name)
        if any(p.casefold() in files for p in parents):
            name = name.replace("/", "_")  # a parent folder would be a file: flatten it
            parents = []
        name = _unique(name, files | dirs)
        files.add(name.casefold())
        dirs.update(p.casefold() for p in _parents(name))
        out.append(_Entry(name, item.source))
    return out


def _parents(name: str) -> list[str]:
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _unique(name: str, taken: set[str]) -> str:
    if name.casefold() not in taken:
        return name
    folder, slash, leaf = name.rpartition("/")
    stem, dot, ext = leaf.rpartition(".")
    if not (dot and stem):
        stem, ext = leaf, ""
    n = 2
    while True:
        candidate = f"{folder}{slash}{stem}-{n}{'.' + ext if ext else ''}"
        if candidate.casefold() not in taken:
            return candidate
        n += 1


# ---- building ----------------------------------------------------------------------------------


def _build(tmp: Path, code: str, entries: list[_Entry], info: dict[str, str]) -> None:
    """Payload copied and hashed, then the tag files; everything fsynced."""
    data = tmp / "data"
    data.mkdir(parents=True)
    manifest = []
    total = 0
    for entry in entries:
        target = data / entry.arcname
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = copy_hashed(entry.source, target)
        manifest.append((digest, f"data/{entry.arcname}"))
        total += size
    for folder in _folders(data, entries):
        fsync_dir(folder)
    _write_tag(tmp, "bagit.txt", BAGIT_TXT)
    _write_tag(tmp, "manifest-sha256.txt", _manifest_text(manifest))
    tags = bag_info(code, info, total, len(entries))
    _write_tag(tmp, "bag-info.txt", tags.encode("utf-8"))
    tag_digests = [(_sha256_file(tmp / name), name) for name in TAG_FILES]
    _write_tag(tmp, "tagmanifest-sha256.txt", _manifest_text(tag_digests))
    fsync_dir(tmp)


def _folders(data: Path, entries: list[_Entry]) -> list[Path]:
    """data/ and every folder made under it, deepest first (each holds a new entry to flush)."""
    found = {data}
    for entry in entries:
        found.update((data / entry.arcname).parents[:entry.arcname.count("/")])
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def copy_hashed(source: Path | bytes, target: Path) -> tuple[str, int]:
    """Copy `source` to a new file `target`, hashing the same bytes on the way; fsynced.

    Memory stays at one buffer of CHUNK bytes whatever the file's size."""
    h = hashlib.sha256()
    size = 0
    with open(target, "xb") as out:
        if isinstance(source, (bytes, bytearray, memoryview)):
            h.update(source)
            out.write(source)
            size = len(source)
        else:
            buf = bytearray(CHUNK)
            view = memoryview(buf)
            with open(source, "rb", buffering=0) as src:
                while n := src.readinto(buf):
                    h.update(view[:n])
                    out.write(view[:n])
                    size += n
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest(), size


def bag_info(code: str, info: dict[str, str], octets: int, streams: int) -> str:
    """bag-info.txt: the request's facts plus the reserved tags; ASCII tag names, one line each."""
    tags = {_tag_name(k): _tag_value(v) for k, v in info.items() if _tag_name(k)}
    tags.update({
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
        "Payload-Oxum": f"{octets}.{streams}",
        "Bag-Size": human_size(octets),
        "External-Identifier": code,
    })
    return "".join(f"{k}: {v}\n" for k, v in tags.items())


def _tag_name(name: str) -> str:
    return TAG_NAME.sub("-", unicodedata.normalize("NFKD", str(name))).strip("-")


def _tag_value(value: object) -> str:
    return " ".join(str(value).split())  # newlines (and runs of blanks) become one space


def human_size(octets: int) -> str:
    size = float(octets)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _manifest_text(lines: list[tuple[str, str]]) -> bytes:
    return "".join(f"{digest}  {name}\n" for digest, name in lines).encode("utf-8")


def _write_tag(folder: Path, name: str, data: bytes) -> None:
    with open(folder / name, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# ---- reuse and replacement ---------------------------------------------------------------------


def _reusable(final: Path, entries: list[_Entry]) -> bool:
    """A bag already in place is kept when it validates and holds exactly these files: same names,
    the same bytes for in-memory items (mail, history) and the same sizes for files on disk (their
    hashes would mean reading every video again)."""
    try:
        verify_bag(final)
    except ArchiveError as exc:
        log.warning("replacing the archive bag at %s: %s", final, exc)
        return False
    have = bagit.Bag(str(final)).payload_entries()
    if set(have) != {f"data/{e.arcname}" for e in entries} or not all(
            _same(final, e, have[f"data/{e.arcname}"]["sha256"]) for e in entries):
        log.warning("replacing the archive bag at %s: its files differ from the request's", final)
        return False
    return True


def _same(final: Path, entry: _Entry, digest: str) -> bool:
    if isinstance(entry.source, (bytes, bytearray, memoryview)):
        return hashlib.sha256(entry.source).hexdigest() == digest
    return os.stat(entry.source).st_size == (final / "data" / entry.arcname).stat().st_size


def _remove_leftovers(final: Path) -> None:
    """Temporary folders of an attempt that crashed (same code): they would only fill the disk."""
    for old in final.parent.glob(f".{final.name}.*.tmp"):
        log.info("removing the leftover of an interrupted archive attempt: %s", old)
        shutil.rmtree(old, ignore_errors=True)


def _remove_elsewhere(archive_root: Path, final: Path) -> None:
    """A bag of the same request under another month (its date moved since): one bag per request."""
    for other in archive_root.glob(f"[0-9][0-9][0-9][0-9]/[0-9][0-9]/{final.name}"):
        if other != final:
            log.warning("removing the older archive bag at %s (now filed at %s)", other, final)
            aside = other.with_name(f".{other.name}.{uuid.uuid4().hex[:12]}.tmp")
            os.rename(other, aside)  # gone from its place in one step, then deleted
            fsync_dir(other.parent)
            shutil.rmtree(aside, ignore_errors=True)


def _put_in_place(tmp: Path, final: Path) -> None:
    """Rename `tmp` to `final`; an old bag there is swapped out atomically (Linux) and removed."""
    if not final.exists():
        os.rename(tmp, final)
    elif not _exchange(tmp, final):
        # no atomic swap here: move the old bag aside first; a crash between the two renames
        # leaves no bag in place (the next attempt writes it), never a mix of two
        aside = final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.tmp")
        os.rename(final, aside)
        os.rename(tmp, final)
        tmp = aside
    fsync_dir(final.parent)
    shutil.rmtree(tmp, ignore_errors=True)  # the old bag, when there was one


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    rc = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the filesystem cannot swap
        return False
    raise OSError(err, os.strerror(err), str(b))
