"""Delivered files as DeliveryFile rows (hashed, classified, deduplicated) and refused files quarantined."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daemon.core import quarantine_reasons as reasons
from daemon.core.config_work import DeliveryCfg
from daemon.core.durable import atomic_write, make_dirs
from daemon.core.indonesian import format_datetime, zone
from daemon.core.models import DeliveryFile, Request
from daemon.delivery.folders import QUARANTINE_DIR, request_code_of, safe_name
from daemon.delivery.sniff import (
    Verdict,
    classify,
    classify_open,
    open_nofollow,
    unreadable_reason,
)

log = logging.getLogger("daemon.delivery")
CHUNK = 1024 * 1024
MAIL_DIR = "deliveries"

ALASAN_TEXT = """\
Berkas ini dipindahkan ke karantina oleh sistem Liputan.

Nama semula : {original}
Waktu       : {when}
Alasan      : {reason}

Berkas tersebut tidak diproses. Mohon perbaiki berkasnya, lalu salin kembali ke folder
permintaan liputan yang sesuai. Apabila ada pertanyaan, mohon hubungi operator sistem.
"""


def _sha256(fh: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


def _relpath(root: Path, path: Path) -> str:
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()


def _limit(max_file_mb: int | None) -> int:
    return (max_file_mb or DeliveryCfg().max_file_mb) * 1024 * 1024


def _find(session: Session, source: str, relpath: str, sha256: str) -> DeliveryFile | None:
    query = select(DeliveryFile).where(DeliveryFile.source == source, DeliveryFile.relpath == relpath,
                                       DeliveryFile.sha256 == sha256)
    return session.execute(query).scalar_one_or_none()


def _insert(session: Session, row: DeliveryFile) -> DeliveryFile:
    """Add the row, or return the one a concurrent writer added for the same (source, relpath, sha256)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = _find(session, row.source, row.relpath, row.sha256)
        if existing is None:
            raise
        return existing
    return row


def _inspect(path: Path, limit: int) -> tuple[os.stat_result | None, str, Verdict]:
    """(stat, sha256, verdict) of a file read once through one descriptor, never through a symlink."""
    try:
        with open_nofollow(path) as fh:
            st = os.fstat(fh.fileno())
            verdict = classify_open(fh, path.name, limit)
            return st, ("" if st.st_size > limit else _sha256(fh)), verdict
    except OSError as exc:
        return None, "", Verdict(None, unreadable_reason(exc))


def record_file(session: Session, root: Path, path: Path, request_id_for_code: Callable[[str], int | None],
                *, max_file_mb: int | None = None) -> DeliveryFile:
    """The row of a file in the shared folder: the same content again returns the same row; new
    content under the same name marks the older rows `replaced`. A refused file gets a row with
    status `quarantined` and the reason; moving it away is the caller's (quarantine())."""
    relpath = _relpath(root, path)
    st, digest, verdict = _inspect(Path(path), _limit(max_file_mb))
    existing = _find(session, "folder", relpath, digest)
    if existing is not None:
        return existing
    code = request_code_of(relpath)
    row = DeliveryFile(
        request_id=request_id_for_code(code) if code else None, source="folder", relpath=relpath,
        name=Path(path).name, size=st.st_size if st else 0, sha256=digest,
        mtime=st.st_mtime if st else None, kind=verdict.kind or "other",
        status="accepted" if verdict.accepted else "quarantined", reason=verdict.reason)
    session.execute(update(DeliveryFile)
                    .where(DeliveryFile.source == "folder", DeliveryFile.relpath == relpath,
                           DeliveryFile.status != "replaced", DeliveryFile.sha256 != digest)
                    .values(status="replaced"))
    row = _insert(session, row)
    log.info("%s: %s %r (%s)", code or "-", row.status, relpath, row.kind)
    return row


def _free_path(folder: Path, name: str, sidecar: str = "") -> Path:
    """folder/name, or 'name (2).ext', 'name (3).ext'... when taken (a symlink counts as taken)."""
    stem, suffix = os.path.splitext(name)
    n = 1
    while True:
        candidate = folder / (name if n == 1 else f"{stem} ({n}){suffix}")
        if not os.path.lexists(candidate) and not (sidecar and os.path.lexists(f"{candidate}{sidecar}")):
            return candidate
        n += 1


def _check_no_symlink_above(root: Path, path: Path) -> None:
    """Refuse to move a path reached through a symlinked folder (the move would act on its target)."""
    rel = Path(_relpath(root, path))
    current = Path(os.path.abspath(root))
    for part in rel.parts[:-1]:
        current = current / part
        if stat.S_ISLNK(os.lstat(current).st_mode):
            raise ValueError(f"{path} lies under the symlink {current}; quarantine the link instead")


def quarantine(root: Path, path: Path, reason: str, *, now: datetime | None = None) -> Path:
    """Move a refused file (a symlink itself, never its target) to <root>/_KARANTINA/<date>/ and
    write <name>.alasan.txt beside it with the reason; returns where it now lies."""
    root, path = Path(root), Path(path)
    _check_no_symlink_above(root, path)
    now = now or datetime.now(timezone.utc)
    folder = root / QUARANTINE_DIR / now.astimezone(zone()).strftime("%Y-%m-%d")
    make_dirs(folder)
    dest = _free_path(folder, safe_name(path.name, 120) or "berkas", ".alasan.txt")
    os.rename(path, dest)  # rename does not follow a symlink: the link itself moves
    note = ALASAN_TEXT.format(original="/".join(safe_name(part) for part in _relpath(root, path).split("/")),
                              when=format_datetime(now), reason=reason)
    atomic_write(Path(f"{dest}.alasan.txt"), note.replace("\n", "\r\n").encode("utf-8"))
    log.warning("quarantined %r as %r: %s", _relpath(root, path), _relpath(root, dest),
                reasons.for_log(reason))
    return dest


def record_refused(session: Session, root: Path, relpath: str, reason: str, *,
                   request_id: int | None = None, original: str | None = None) -> DeliveryFile:
    """The `quarantined` row of a refused file. relpath is where it lies now (under _KARANTINA), so
    each refusal is its own row; `original` is where the team had put it: an accepted row there is
    `replaced`, since what now came under that name was refused and moved away."""
    existing = _find(session, "folder", relpath, "")
    if existing is not None:
        return existing
    try:
        st = os.lstat(Path(root) / relpath)
        size, mtime = (st.st_size if stat.S_ISREG(st.st_mode) else 0), st.st_mtime
    except OSError:
        size, mtime = 0, None
    if original:
        session.execute(update(DeliveryFile)
                        .where(DeliveryFile.source == "folder", DeliveryFile.relpath == original,
                               DeliveryFile.status == "accepted")
                        .values(status="replaced"))
    row = DeliveryFile(request_id=request_id, source="folder", relpath=relpath,
                       name=Path(original or relpath).name, size=size, sha256="", mtime=mtime,
                       kind="other", status="quarantined", reason=reason)
    return _insert(session, row)


def refuse(session: Session, root: Path, path: Path, reason: str,
           request_id_for_code: Callable[[str], int | None]) -> DeliveryFile:
    """What the watcher's on_refused does: quarantine the file, then keep its `quarantined` row."""
    original = _relpath(root, path)
    dest = quarantine(root, path, reason)
    code = request_code_of(original)
    return record_refused(session, root, _relpath(root, dest), reason, original=original,
                          request_id=request_id_for_code(code) if code else None)


def record_attachment(session: Session, state_dir: Path, request_id: int, filename: str, data: bytes,
                      sender: str | None, message_id: str | None, *,
                      max_file_mb: int | None = None) -> DeliveryFile:
    """A file delivered by mail, saved under <state>/deliveries/<code>/ and checked like a folder
    file; a refused one goes to <state>/deliveries/_KARANTINA/ with its reason."""
    request = session.get(Request, request_id)
    if request is None:
        raise ValueError(f"no request {request_id}")
    name = safe_name(filename.replace("\\", "/").rsplit("/", 1)[-1], 120) or "lampiran"
    digest = hashlib.sha256(data).hexdigest()
    query = select(DeliveryFile).where(DeliveryFile.source == "mail", DeliveryFile.message_id == message_id,
                                       DeliveryFile.name == name, DeliveryFile.sha256 == digest)
    existing = session.execute(query).scalars().first()
    if existing is not None:
        return existing
    state_dir = Path(state_dir)
    dest = _free_path(state_dir / MAIL_DIR / request.code, name)
    atomic_write(dest, data)
    verdict = classify(dest, _limit(max_file_mb))
    if not verdict.accepted:
        dest = quarantine(state_dir / MAIL_DIR, dest, verdict.reason or "")
    row = DeliveryFile(request_id=request_id, source="mail", relpath=_relpath(state_dir, dest), name=name,
                       size=len(data), sha256=digest, mtime=os.lstat(dest).st_mtime,
                       kind=verdict.kind or "other", status="accepted" if verdict.accepted else "quarantined",
                       reason=verdict.reason, sender=sender, message_id=message_id)
    log.info("%s: mail delivery %s %s (%s)", request.code, row.status, row.relpath, row.kind)
    return _insert(session, row)
