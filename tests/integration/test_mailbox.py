"""The mailbox worker against a real Dovecot: every message stored once, handled ones filed."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.config import Config
from daemon.core.models import Checkpoint, Inbound
from daemon.devservers.dovecot import Dovecot
from daemon.mail.mailbox import MailboxWorker

pytestmark = pytest.mark.integration

WAIT = 60.0


def mail(n: int, tag: str = "m", message_id: str | None = None) -> bytes:
    mid = message_id or f"<{tag}-{n}@dinas.bengkaliskab.go.id>"
    return (f"From: Bagian Umum <umum{n}@bengkaliskab.go.id>\r\n"
            f"To: liputan@bengkaliskab.go.id\r\n"
            f"Subject: Permohonan liputan nomor {n}\r\n"
            f"Message-ID: {mid}\r\n"
            f"Date: Thu, 26 Nov 2026 09:00:00 +0700\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Mohon diliput kegiatan nomor {n}.\r\n").encode()


def count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(Inbound)) or 0


def rows(factory: sessionmaker[Session]) -> list[Inbound]:
    with factory() as s:
        return list(s.scalars(select(Inbound).order_by(Inbound.id)))


def wait_for(cond: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def assert_stored_once(factory: sessionmaker[Session], expected: int) -> None:
    stored = rows(factory)
    assert len(stored) == expected
    assert len({r.message_id for r in stored}) == expected
    for r in stored:
        data = Path(r.raw_path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r.sha256 == Path(r.raw_path).stem
        assert r.size == len(data)


class Running:
    """MailboxWorker.run in a thread, as the service runs it."""

    def __init__(self, worker: MailboxWorker):
        self.worker, self.stop, self.wakes = worker, threading.Event(), 0
        self.thread = threading.Thread(target=worker.run, args=(self.stop, self._wake), daemon=True)

    def _wake(self) -> None:
        self.wakes += 1

    def __enter__(self) -> "Running":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        t0 = time.monotonic()
        self.stop.set()
        self.thread.join(15)
        assert not self.thread.is_alive(), "worker did not stop"
        self.stopped_in = time.monotonic() - t0


@pytest.fixture
def worker(config: Config, factory: sessionmaker[Session], tmp_path: Path) -> Iterator[MailboxWorker]:
    w = MailboxWorker(config, factory, tmp_path / "raw")
    yield w
    w.close()


def test_it_stores_200_messages_appended_while_running_exactly_once(
        worker: MailboxWorker, dovecot: Dovecot, config: Config, factory: sessionmaker[Session]) -> None:
    user = config.mailbox.username

    def deliver(part: int) -> None:
        dovecot.append_many(user, "INBOX", [mail(part * 50 + i) for i in range(50)])

    with Running(worker) as running:
        senders = [threading.Thread(target=deliver, args=(p,)) for p in range(4)]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        wait_for(lambda: count(factory) >= 200)
        time.sleep(1.5)  # a late duplicate would show up now
    assert running.stopped_in < config.mailbox.idle_seconds  # the stop ended the IDLE, not its timer
    assert running.wakes >= 1
    assert_stored_once(factory, 200)
    with factory() as s:
        cp = s.get(Checkpoint, "INBOX")
        assert cp is not None and cp.last_uid == 200


def test_it_picks_up_mail_that_arrived_while_stopped(
        worker: MailboxWorker, dovecot: Dovecot, config: Config, factory: sessionmaker[Session],
        tmp_path: Path) -> None:
    user = config.mailbox.username
    dovecot.append(user, "INBOX", mail(1))
    with Running(worker):
        wait_for(lambda: count(factory) == 1)
    dovecot.append(user, "INBOX", mail(2))
    with Running(MailboxWorker(config, factory, tmp_path / "raw")):
        wait_for(lambda: count(factory) == 2)
        time.sleep(0.5)
    assert_stored_once(factory, 2)


@pytest.fixture
def own_dovecot(server_dir: Path) -> Iterator[Dovecot]:
    """A Dovecot of this test's own, which it may restart."""
    server = Dovecot(server_dir, users={"liputan@bengkaliskab.go.id": "rahasia"})
    server.start()
    yield server
    server.stop()


def test_it_survives_a_dovecot_restart_mid_idle(
        own_dovecot: Dovecot, make_config: Callable[..., Config], factory: sessionmaker[Session],
        tmp_path: Path) -> None:
    cfg = make_config(imap_port=own_dovecot.port, imap_user="liputan@bengkaliskab.go.id")
    user = cfg.mailbox.username
    with Running(MailboxWorker(cfg, factory, tmp_path / "raw")) as running:
        own_dovecot.append_many(user, "INBOX", [mail(i) for i in range(5)])
        wait_for(lambda: count(factory) == 5)
        time.sleep(1)  # the worker is back in IDLE
        own_dovecot.append_many(user, "INBOX", [mail(i) for i in range(5, 8)])
        own_dovecot.stop()
        time.sleep(1)
        own_dovecot.start()
        own_dovecot.append_many(user, "INBOX", [mail(i) for i in range(8, 12)])
        wait_for(lambda: count(factory) == 12)
        own_dovecot.append(user, "INBOX", mail(12))  # and IDLE works again afterwards
        wait_for(lambda: count(factory) == 13)
        time.sleep(1)
        assert running.thread.is_alive()
    assert_stored_once(factory, 13)


def _recreate(dovecot: Dovecot, user: str, folder: str) -> None:
    imap = dovecot.client(user)
    try:
        imap.delete_folder(folder)
        imap.create_folder(folder)
    finally:
        imap.logout()


def test_it_does_not_store_twice_when_uidvalidity_changes(
        dovecot: Dovecot, make_config: Callable[..., Config], factory: sessionmaker[Session],
        tmp_path: Path) -> None:
    cfg = make_config(folder="Masuk")
    user = cfg.mailbox.username
    dovecot.append_many(user, "Masuk", [mail(i) for i in range(3)])
    worker = MailboxWorker(cfg, factory, tmp_path / "raw")
    assert worker.run_once() == 3
    old = worker.uidvalidity
    worker.close()
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    _recreate(dovecot, user, "Masuk")
    dovecot.append_many(user, "Masuk", [mail(2), mail(0), mail(1), mail(3)])
    assert worker.run_once() == 1
    assert worker.uidvalidity != old
    assert_stored_once(factory, 4)
    stored = rows(factory)
    assert {r.uidvalidity for r in stored} == {worker.uidvalidity}
    # the old rows now point at their new UIDs, so filing still finds them
    with factory() as s, s.begin():
        s.execute(update(Inbound).values(status="done"))
    worker.run_once()
    imap = dovecot.client(user)
    assert imap.select_folder("Masuk")[b"EXISTS"] == 0
    assert imap.select_folder("Liputan/Diproses")[b"EXISTS"] == 4
    imap.logout()
    worker.close()


NO_MESSAGE_ID = (b"From: someone@example.com\r\nSubject: tanpa id\r\n\r\nisi\r\n")
BROKEN = (b"From: =?x-unknown?Q?Bad=ZZ?= <bad@@example..com\r\n"
          b"Subject: =?utf-8?B?broken***?= \xff\xfe\r\n"
          b"Message-ID: <broken-1@example.com>\r\n"
          b"MIME-Version: 1.0\r\n"
          b"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n"
          b"--never-closed\r\n"
          b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n"
          b"!!!not base64!!!\xc3\x28\r\n")


def test_it_stores_mail_without_message_id_and_with_broken_mime(
        worker: MailboxWorker, dovecot: Dovecot, config: Config, factory: sessionmaker[Session]) -> None:
    dovecot.append_many(config.mailbox.username, "INBOX", [NO_MESSAGE_ID, BROKEN])
    assert worker.run_once() == 2
    no_id, broken = rows(factory)
    assert no_id.synthetic_id and no_id.message_id == f"<{no_id.sha256}@liputan.invalid>"
    assert no_id.subject == "tanpa id" and no_id.from_addr == "someone@example.com"
    assert not broken.synthetic_id and broken.message_id == "<broken-1@example.com>"
    assert isinstance(broken.subject, str) and isinstance(broken.from_addr, str)
    assert_stored_once(factory, 2)
    # the same bytes again (e.g. a resent copy) are not stored twice
    dovecot.append(config.mailbox.username, "INBOX", NO_MESSAGE_ID)
    assert worker.run_once() == 0
    assert count(factory) == 2
    # ... and the second copy leaves the INBOX for the "ignored" folder
    imap = dovecot.client(config.mailbox.username)
    try:
        imap.select_folder("Liputan/Diabaikan", readonly=True)
        assert len(imap.search()) == 1
    finally:
        imap.logout()


@pytest.mark.parametrize("move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_it_files_handled_mail_into_its_folder(
        worker: MailboxWorker, dovecot: Dovecot, config: Config, factory: sessionmaker[Session],
        move: bool) -> None:
    user = config.mailbox.username
    dovecot.append_many(user, "INBOX", [mail(i) for i in range(4)])
    assert worker.run_once() == 4
    if not move:
        real = worker.client.has_capability  # type: ignore[union-attr]
        worker.client.has_capability = lambda cap: cap != "MOVE" and real(cap)  # type: ignore
    statuses = ["done", "quarantined", "ignored", "new"]
    with factory() as s, s.begin():
        for row, status in zip(s.scalars(select(Inbound).order_by(Inbound.uid)), statuses):
            row.status = status
    assert worker.run_once() == 0
    imap = dovecot.client(user)
    try:
        expect = {"INBOX": 1, "Liputan/Diproses": 1, "Liputan/Karantina": 1, "Liputan/Diabaikan": 1}
        for folder, n in expect.items():
            assert imap.select_folder(folder)[b"EXISTS"] == n, folder
        imap.select_folder("Liputan/Diproses")
        [(_, data)] = imap.fetch(imap.search(), ["BODY.PEEK[]"]).items()
        assert b"<m-0@dinas.bengkaliskab.go.id>" in data[b"BODY[]"]
    finally:
        imap.logout()
    assert [r.filed for r in rows(factory)] == [True, True, True, False]
