"""Storing fetched IMAP messages: raw file on disk, one inbound row per Message-ID, the folder checkpoint."""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.durable import write_new
from daemon.core.models import Checkpoint, Inbound
from daemon.mail import mime

log = logging.getLogger("daemon.mail.inbound_store")

MAX_MESSAGE_ID = 998


class CheckpointMoved(Exception):
    """The folder's checkpoint changed under us (another UIDVALIDITY): the caller must reselect."""


@dataclass
class Fetched:
    """One message read from the server, already on disk."""

    uid: int
    raw: bytes
    sha256: str
    path: Path
    message_id: str
    synthetic: bool
    from_addr: str
    subject: str


_HEADERS = BytesHeaderParser(policy=email.policy.default)
_ID_HEADERS = BytesHeaderParser(policy=email.policy.compat32)


def message_id_of(raw: bytes, digest: str) -> tuple[str, bool, str, str]:
    """(Message-ID, synthetic?, from address, subject) of raw bytes; never raises."""
    try:
        # compat32 hands back the Message-ID as written (and 3x faster than the default policy);
        # the headers alone: the body (a letter, its scans) is no business of storing
        ids = mime.message_ids(str(_ID_HEADERS.parsebytes(raw).get("Message-ID") or ""))
    except Exception:  # a parser bug must not stop intake: the raw bytes are kept anyway
        ids = []
    try:
        headers = _HEADERS.parsebytes(raw)  # the body is not needed here
        from_addr, subject = mime.address(headers)[1][:320], mime.header(headers, "Subject")
    except Exception:
        from_addr, subject = "", ""
    if ids and len(ids[0]) <= MAX_MESSAGE_ID:
        return ids[0], False, from_addr, subject
    return f"<{digest}@liputan.invalid>", True, from_addr, subject


def raw_path(raw_dir: Path, digest: str, now: datetime) -> Path:
    """Where raw bytes are kept: raw_dir/yyyy/mm/<sha256>.eml (content-addressed)."""
    return raw_dir / f"{now:%Y}" / f"{now:%m}" / f"{digest}.eml"


def _kept(path: Path, raw: bytes) -> bool:
    return path.exists() and path.stat().st_size == len(raw)


def save_raw(data: dict, uids: list[int], raw_dir: Path, now: datetime) -> list[Fetched]:
    """Write the bodies of one FETCH (`data`, keyed by UID) to disk, durably and at once (one
    syncfs for a batch: durable.write_new); expunged UIDs are skipped."""
    fetched: list[Fetched] = []
    new: dict[Path, bytes] = {}
    for uid in uids:
        raw = data.get(uid, {}).get(b"BODY[]")
        if raw is None:
            continue  # expunged between SEARCH and FETCH
        digest = hashlib.sha256(raw).hexdigest()
        path = raw_path(raw_dir, digest, now)
        if path not in new and not _kept(path, raw):
            new[path] = raw
        fetched.append(Fetched(uid, raw, digest, path, *message_id_of(raw, digest)))
    write_new(list(new.items()))
    return fetched


def checkpoint(factory: sessionmaker[Session], folder: str, uidvalidity: int, shown: str) -> int:
    """The last UID of `folder` already stored; resets (and resyncs) when UIDVALIDITY changed.

    `shown` is the folder's name on the server, for the log."""
    try:
        return _checkpoint(factory, folder, uidvalidity, shown)
    except IntegrityError:  # another mailbox worker made the folder's row at the same moment
        return _checkpoint(factory, folder, uidvalidity, shown)


def _checkpoint(factory: sessionmaker[Session], folder: str, uidvalidity: int, shown: str) -> int:
    with factory() as session, session.begin():
        cp = session.get(Checkpoint, folder)
        if cp is None:
            session.add(Checkpoint(folder=folder, uidvalidity=uidvalidity, last_uid=0))
            return 0
        if cp.uidvalidity != uidvalidity:
            log.warning("UIDVALIDITY of %s changed from %s to %s: resyncing by Message-ID",
                        shown, cp.uidvalidity, uidvalidity)
            cp.uidvalidity, cp.last_uid = uidvalidity, 0
            return 0
        return cp.last_uid


def store_batch(factory: sessionmaker[Session], folder: str, uidvalidity: int, uids: list[int],
                fetched: list[Fetched], duplicates: list[int]) -> int:
    """Insert rows for one fetched batch and advance the checkpoint past `uids`; returns how many
    were new. UIDs of second copies of stored messages are appended to `duplicates`."""
    store = _Store(factory, folder, uidvalidity, duplicates)
    top = max(uids)
    try:
        return store.insert(fetched, top)
    except IntegrityError:
        # another holder stored some of these meanwhile: go one by one
        log.warning("conflict storing UIDs %s..%s; retrying one at a time", uids[0], top)
        return sum(store.insert([f], f.uid) for f in fetched) + store.advance(top)


@dataclass
class _Store:
    factory: sessionmaker[Session]
    folder: str
    uidvalidity: int
    duplicates: list[int]

    def insert(self, fetched: list[Fetched], top: int) -> int:
        """Insert rows and advance the checkpoint to `top` in one transaction."""
        stored = 0
        with self.factory() as session, session.begin():
            cp = session.get(Checkpoint, self.folder, with_for_update=True)
            if cp is None or cp.uidvalidity != self.uidvalidity:
                raise CheckpointMoved("checkpoint changed under us; reselecting")
            known = _known(session, [f.message_id for f in fetched])
            for f in fetched:
                if f.uid > cp.last_uid:
                    stored += self._add(session, f, known)
            cp.last_uid = max(cp.last_uid, top)
        return stored

    def advance(self, top: int) -> int:
        with self.factory() as session, session.begin():
            cp = session.get(Checkpoint, self.folder, with_for_update=True)
            if cp is not None and cp.uidvalidity == self.uidvalidity:
                cp.last_uid = max(cp.last_uid, top)
        return 0

    def _add(self, session: Session, f: Fetched, known: dict[str, Inbound]) -> int:
        existing = known.get(f.message_id)
        if existing is not None:
            self._relocate(existing, f.uid)
            return 0
        row = Inbound(
            message_id=f.message_id, synthetic_id=f.synthetic, folder=self.folder,
            uidvalidity=self.uidvalidity, uid=f.uid, raw_path=str(f.path), sha256=f.sha256,
            size=len(f.raw), from_addr=f.from_addr, subject=f.subject)
        session.add(row)
        known[f.message_id] = row  # a repeat within the batch is a duplicate too
        return 1

    def _relocate(self, row: Inbound, uid: int) -> None:
        """A known Message-ID: after a UIDVALIDITY change, point the row at its new UID."""
        if row.folder == self.folder and row.uidvalidity != self.uidvalidity:
            log.info("Message-ID %s now UID %s (UIDVALIDITY %s)", row.message_id, uid, self.uidvalidity)
            row.uidvalidity, row.uid = self.uidvalidity, uid
        else:
            log.info("UID %s: Message-ID %s already stored (inbound %s); filed as ignored",
                     uid, row.message_id, row.id)
            self.duplicates.append(uid)


def _known(session: Session, ids: list[str]) -> dict[str, Inbound]:
    found: dict[str, Inbound] = {}
    for chunk in range(0, len(ids), 500):
        rows = session.scalars(select(Inbound).where(Inbound.message_id.in_(ids[chunk:chunk + 500])))
        found.update((r.message_id, r) for r in rows)
    return found
