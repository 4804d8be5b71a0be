"""Filing handled mail: move each done, ignored or quarantined message into its IMAP folder."""

from __future__ import annotations

import logging
from typing import Callable

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.models import Inbound

log = logging.getLogger("daemon.mail.filing")

FILED_STATUSES = ("done", "ignored", "quarantined")


def pending(factory: sessionmaker[Session], folder: str) -> list[tuple[int, str, int, int, str]]:
    """(id, status, uidvalidity, uid, Message-ID) of up to 500 handled rows of `folder` not yet filed."""
    with factory() as session:
        rows = session.execute(
            select(Inbound.id, Inbound.status, Inbound.uidvalidity, Inbound.uid, Inbound.message_id)
            .where(Inbound.status.in_(FILED_STATUSES), Inbound.filed.is_(False),
                   Inbound.folder == folder)
            .order_by(Inbound.id).limit(500)).all()
    return [tuple(r) for r in rows]


def file_pending(client: IMAPClient, factory: sessionmaker[Session], folder: str, uidvalidity: int | None,
                 destination: Callable[[str], str]) -> int:
    """Move handled messages to `destination(status)`; returns how many rows were marked filed."""
    rows = pending(factory, folder)
    if not rows:
        return 0
    by_dest: dict[str, list[tuple[int, int]]] = {}
    for row_id, status, row_uidvalidity, uid, msgid in rows:
        if row_uidvalidity != uidvalidity:
            found = client.search(["HEADER", "Message-ID", msgid]) if not msgid.endswith(
                "@liputan.invalid>") else []
            uid = found[0] if found else 0
        by_dest.setdefault(destination(status), []).append((row_id, uid))
    for dest, items in by_dest.items():
        move(client, [uid for _, uid in items if uid], dest)
        mark_filed(factory, [row_id for row_id, _ in items])
    return len(rows)


def move(client: IMAPClient, uids: list[int], dest: str) -> None:
    """Move those of `uids` still in the selected folder to `dest` (MOVE, else COPY + expunge).

    Another instance filing the same messages may expunge some between our SEARCH and MOVE
    (the server then refuses with EXPUNGEISSUED): look again and move what is left."""
    for attempt in range(3):
        try:
            return _move(client, uids, dest)
        except IMAPClientError as exc:
            if "EXPUNGEISSUED" not in str(exc).upper() or attempt == 2:
                raise
            log.info("some of UIDs %s were moved by someone else; trying again", uids[:10])
            client.noop()  # take in the expunges


def _move(client: IMAPClient, uids: list[int], dest: str) -> None:
    if not uids:
        return
    present = client.search(["UID", ",".join(map(str, uids))]) if uids else []
    present = [u for u in present if u in set(uids)]
    if not present:
        return
    if client.has_capability("MOVE"):
        client.move(present, dest)
    else:
        client.copy(present, dest)
        client.add_flags(present, [b"\\Deleted"])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(present)
        else:
            client.expunge()
    log.info("filed %d message(s) into %s", len(present), dest)


def mark_filed(factory: sessionmaker[Session], ids: list[int]) -> None:
    with factory() as session, session.begin():
        for row in session.scalars(select(Inbound).where(Inbound.id.in_(ids))):
            row.filed = True
