"""Validated config and rules kept between runs, keyed by their bytes and the code that validates them."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import pickle
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from daemon.core.template_cache import cache_path

log = logging.getLogger("daemon.core.validated_cache")
CORE = Path(__file__).resolve().parent  # daemon/core: every module that reads or checks the rules
KEEP = 32  # entries kept; older ones are removed when a new one is written
MAX_FILES, MAX_BYTES = 500, 64 << 20  # a folder beyond these is hashed no further (not cached)
_code_version: str | None = None
# what validates (pydantic with its email check, PyYAML) and what reads templates (docxtpl)
LIBRARIES = ("pydantic", "pydantic_core", "email_validator", "yaml", "docxtpl")


def code_version() -> str:
    """The validating code: daemon/core's sources, Python's version and the libraries' stamps."""
    global _code_version
    if _code_version is None:
        digest = hashlib.sha256(sys.version.encode())
        for name in LIBRARIES:
            digest.update(f"{name}={package_stamp(name)}\0".encode())
        for path in sorted(CORE.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _code_version = digest.hexdigest()
    return _code_version


def package_stamp(name: str) -> str:
    """A library's version without importing it (or its metadata): the hash of the file in the
    installed package that names its version ("absent" when it is not installed)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return "absent"
    root = Path(spec.origin).parent
    for candidate in ("version.py", "_version.py", "__version__.py", "__init__.py"):
        try:
            return hashlib.sha256((root / candidate).read_bytes()).hexdigest()[:16]
        except OSError:
            continue
    return "unknown"


def files_digest(folder: Path, digest: Any) -> None:
    """Every file under `folder` (name and bytes) into `digest`; a missing folder adds its absence.
    OSError for a folder too large to be a rules or templates folder (it is then not cached)."""
    folder = Path(folder)
    digest.update(f"folder {folder.resolve()}\0".encode())
    if not folder.is_dir():
        digest.update(b"missing\0")
        return
    files, size = sorted(p for p in folder.rglob("*") if p.is_file()), 0
    if len(files) > MAX_FILES:
        raise OSError(f"{folder}: more than {MAX_FILES} files")
    for path in files:
        data = path.read_bytes()
        size += len(data)
        if size > MAX_BYTES:
            raise OSError(f"{folder}: more than {MAX_BYTES} bytes")
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + data + b"\0")


def key(kind: str, folders: Iterable[Path], *extra: str) -> str | None:
    """The cache key of `kind` over these folders' files and `extra`; None when a file cannot be
    read (the caller then validates, and reports the unreadable file as it always did)."""
    digest = hashlib.sha256(f"{kind}\0{code_version()}\0".encode())
    try:
        for folder in folders:
            files_digest(folder, digest)
    except OSError:
        return None
    for item in extra:
        digest.update(item.encode() + b"\0")
    return digest.hexdigest()


def data_key(kind: str, data: Any) -> str | None:
    """The cache key of `kind` over plain data (e.g. a parsed TOML file); None if it has no JSON form."""
    try:
        text = json.dumps(data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(f"{kind}\0{code_version()}\0{text}".encode()).hexdigest()


def json_safe(data: Any) -> bool:
    """True when `data` comes back from JSON exactly as it is (no int keys, dates, tuples)."""
    try:
        return json.loads(json.dumps(data)) == data
    except (TypeError, ValueError):
        return False


def folder() -> Path:
    return cache_path().parent / "rules"


def load(name: str | None) -> Any | None:
    """A stored validated object, or None (a pickle: see `_read`)."""
    return _read(name, ".pickle", pickle.load)


def load_json(name: str | None) -> Any | None:
    """Stored plain data, or None."""
    return _read(name, ".json", json.load)


def store(name: str | None, value: Any) -> None:
    _write(name, ".pickle", lambda fh: pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL))


def store_json(name: str | None, value: Any) -> None:
    _write(name, ".json", lambda fh: fh.write(json.dumps(value).encode()))


def _read(name: str | None, suffix: str, read: Callable[[Any], Any]) -> Any | None:
    """Only a file this user owns and nobody else can write is read (a pickle runs code); a
    damaged or unreadable one is a miss."""
    if name is None:
        return None
    path = folder() / f"{name}{suffix}"
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                log.warning("cache file %s ignored: not owned by this user or writable by others", path)
                return None
            return read(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged or stale entry is only a miss
        log.debug("cache file %s not read: %s", path, exc)
        return None


def _write(name: str | None, suffix: str, write: Callable[[Any], Any]) -> None:
    """Best effort and atomic (mode 0600); a read-only cache only means validating next time too."""
    if name is None:
        return
    where = folder()
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = where / f".{name}.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, where / f"{name}{suffix}")
        prune(where)
    except (OSError, pickle.PicklingError, TypeError, ValueError, AttributeError) as exc:
        log.debug("cache not written: %s", exc)


def prune(where: Path) -> None:
    """Keep the KEEP newest entries."""
    entries = sorted((p for p in where.iterdir() if p.suffix in (".pickle", ".json")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
