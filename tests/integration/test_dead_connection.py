"""A network cut without FIN or RST (a blackholed route): the workers notice, recover, lose nothing.

The Dovecot-restart test covers a peer that closes its sockets; here the sockets stay open and
silently stop carrying bytes, and new connections are accepted but never answered.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from blackhole import BlackholeProxy
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_mailbox import Running, assert_stored_once, count, mail, wait_for
from test_outbox import make_due, queue, row

from daemon.core.config import Config
from daemon.core.models import Outbox
from daemon.devservers.dovecot import Dovecot
from daemon.devservers.smtp import SmtpCapture
from daemon.mail.mailbox import MailboxWorker
from daemon.mail.outbox import OutboxWorker

pytestmark = pytest.mark.integration

TIMEOUT = 2  # the socket timeout the workers get here (seconds)
IDLE = 10  # the shortest IDLE period the config allows
WAIT = 60.0


@pytest.fixture
def imap_proxy(dovecot: Dovecot) -> Iterator[BlackholeProxy]:
    with BlackholeProxy(dovecot.port) as proxy:
        yield proxy


@pytest.fixture
def smtp_proxy(smtp: SmtpCapture) -> Iterator[BlackholeProxy]:
    with BlackholeProxy(smtp.port) as proxy:
        yield proxy


def test_the_proxy_forwards_blackholes_and_heals(imap_proxy: BlackholeProxy) -> None:
    def greeting(sock: socket.socket) -> bytes:
        data = b""
        while not data.endswith(b"\r\n"):
            data += sock.recv(4096)
        return data

    live = socket.create_connection(("127.0.0.1", imap_proxy.port), timeout=2)
    assert greeting(live).startswith(b"* OK")
    live.settimeout(0.5)
    imap_proxy.cut()
    live.sendall(b"a1 NOOP\r\n")
    with pytest.raises(socket.timeout):
        live.recv(100)  # no answer, and no FIN or RST either
    hanging = socket.create_connection(("127.0.0.1", imap_proxy.port), timeout=0.5)
    with pytest.raises(socket.timeout):
        hanging.recv(100)
    imap_proxy.heal()
    fresh = socket.create_connection(("127.0.0.1", imap_proxy.port), timeout=2)
    assert greeting(fresh).startswith(b"* OK")
    live.sendall(b"a2 NOOP\r\n")
    with pytest.raises(socket.timeout):
        live.recv(100)  # a connection cut stays dead
    for s in (live, hanging, fresh):
        s.close()
    assert imap_proxy.hung == 1 and imap_proxy.dropped > 0


def test_mailbox_survives_a_blackholed_connection_and_stops_while_cut(
        imap_proxy: BlackholeProxy, dovecot: Dovecot, make_config: Callable[..., Config],
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    cfg = make_config(imap_port=imap_proxy.port, timeout=TIMEOUT, idle_seconds=IDLE)
    user = cfg.mailbox.username
    with Running(MailboxWorker(cfg, factory, tmp_path / "raw")) as running:
        dovecot.append(user, "INBOX", mail(0, "cut"))
        wait_for(lambda: count(factory) == 1)
        time.sleep(0.5)  # back in IDLE on the proxied connection

        t_cut = time.monotonic()
        imap_proxy.cut()
        dovecot.append_many(user, "INBOX", [mail(i, "cut") for i in range(1, 4)])
        # the worker must notice the dead connection by itself and try again: its new
        # connection hangs too (accepted, never answered)
        wait_for(lambda: imap_proxy.hung >= 1, timeout=IDLE + 3 * TIMEOUT + 5)
        noticed = time.monotonic() - t_cut
        assert count(factory) == 1  # nothing got through the cut
        imap_proxy.heal()
        t_heal = time.monotonic()
        wait_for(lambda: count(factory) == 4, timeout=WAIT)
        recovered = time.monotonic() - t_heal
        time.sleep(1)  # a late duplicate would show up now
        assert running.thread.is_alive()

        # and it stops promptly when asked while its connection is blackholed
        imap_proxy.cut()
        time.sleep(0.2)
    print(f"\ncut noticed after {noticed:.1f} s, stored {recovered:.1f} s after heal, "
          f"stopped in {running.stopped_in:.1f} s while cut")
    assert running.stopped_in < TIMEOUT + 3
    assert_stored_once(factory, 4)


def _outbox_cfg(make_config: Callable[..., Config], proxy: BlackholeProxy) -> Config:
    return make_config(smtp_port=proxy.port, timeout=TIMEOUT)


def _delivered(smtp: SmtpCapture, message_id: str) -> int:
    return sum(1 for m in smtp.messages if f"Message-ID: {message_id}".encode() in m.data)


def _timed_out(error: str | None) -> bool:
    text = (error or "").lower()
    return "timed out" in text or "timeout" in text


def _timed_run(worker: OutboxWorker) -> tuple[int, float]:
    t0 = time.monotonic()
    sent = worker.run_once()
    return sent, time.monotonic() - t0


def test_outbox_does_not_hang_on_a_blackholed_server_and_delivers_once_after(
        smtp_proxy: BlackholeProxy, smtp: SmtpCapture, make_config: Callable[..., Config],
        factory: sessionmaker[Session]) -> None:
    worker = OutboxWorker(_outbox_cfg(make_config, smtp_proxy), factory)
    queued = queue(factory, 1)
    smtp_proxy.cut()
    sent, took = _timed_run(worker)
    assert sent == 0 and took < TIMEOUT + 2, f"run_once took {took:.1f} s"
    assert smtp_proxy.hung >= 1
    failed = row(factory, queued.id)
    assert failed.status == "queued" and failed.attempts == 1 and failed.sent_at is None
    assert _timed_out(failed.last_error)
    smtp_proxy.heal()
    assert worker.run_once() == 0  # not due yet
    make_due(factory)
    assert worker.run_once() == 1
    assert row(factory, queued.id).status == "sent"
    assert _delivered(smtp, queued.message_id) == 1
    assert len(smtp.messages) == 1


def test_outbox_survives_a_cut_in_the_middle_of_a_transaction(
        smtp_proxy: BlackholeProxy, smtp: SmtpCapture, make_config: Callable[..., Config],
        factory: sessionmaker[Session]) -> None:
    worker = OutboxWorker(_outbox_cfg(make_config, smtp_proxy), factory)
    queued = queue(factory, 2)
    # the route dies as the client says DATA: greeting, EHLO, MAIL and RCPT went through
    smtp_proxy.cut_when = lambda direction, chunk: direction == "up" and chunk.upper().startswith(b"DATA")
    sent, took = _timed_run(worker)
    assert sent == 0 and took < TIMEOUT + 2, f"run_once took {took:.1f} s"
    assert smtp_proxy.is_cut and smtp_proxy.hung == 0
    failed = row(factory, queued.id)
    assert failed.status == "queued" and failed.attempts == 1 and _timed_out(failed.last_error)
    assert not smtp.messages
    smtp_proxy.heal()
    make_due(factory)
    assert worker.run_once() == 1
    with factory() as s:
        statuses = list(s.scalars(select(Outbox.status)))
    assert statuses == ["sent"]  # no alert either
    assert _delivered(smtp, queued.message_id) == 1
    assert len(smtp.messages) == 1


def test_the_daemon_stops_within_5_s_while_its_imap_connection_is_blackholed(
        imap_proxy: BlackholeProxy, make_config: Callable[..., Config]) -> None:
    import signal
    import subprocess
    import sys
    cfg = make_config(imap_port=imap_proxy.port, timeout=300)  # a read that waits would take 300 s
    proc = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c", str(cfg.source)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while imap_proxy.accepted < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # connected, folders made, idling
        imap_proxy.cut()
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0  # a generous cap, far below the read timeout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
