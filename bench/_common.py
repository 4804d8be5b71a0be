"""What several benchmarks share: the SMTP server around a black-box daemon (office mail into
Dovecot, the rest captured), the raw imapclient FETCH baseline, and the load average line."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from daemon.devservers import free_port
from daemon.devservers.config import OFFICE_MAILBOX
from daemon.devservers.dovecot import Dovecot


def loadavg(digits: int = 2) -> str:
    """The 1-, 5- and 15-minute load averages, "0.52/0.61/0.70"."""
    return "/".join(f"{x:.{digits}f}" for x in os.getloadavg())


def fetch_seconds(dovecot: Dovecot, user: str, expected: int | None = None) -> float:
    """The baseline of intake: seconds for one imapclient to SELECT, SEARCH and FETCH every body
    of the user's INBOX (`expected`: how many there must be; None: any, each with its body)."""
    client = dovecot.client(user)
    t0 = time.perf_counter()
    client.select_folder("INBOX", readonly=True)
    data = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
    elapsed = time.perf_counter() - t0
    client.logout()
    if expected is None:
        assert all(b"BODY[]" in v for v in data.values())
    else:
        assert len(data) == expected, (len(data), expected)
    return elapsed


class SmtpServer:
    """SMTP on 127.0.0.1 (aiosmtpd) around a daemon under test: what a subclass's `handle_DATA`
    finds addressed to the office mailbox it APPENDs to that Dovecot INBOX (`append`, one
    persistent IMAP connection, under `imap_lock`); what it keeps of the rest is its own."""

    def __init__(self, dovecot: Dovecot):
        self.dovecot = dovecot
        self.port = free_port()
        self.imap = dovecot.client(OFFICE_MAILBOX)
        self.imap_lock = threading.Lock()
        self.controller: Any = None

    def append(self, raw: bytes) -> None:
        self.append_many([raw])

    def append_many(self, raws: list[bytes]) -> None:
        with self.imap_lock:
            for raw in raws:
                self.imap.append("INBOX", raw)

    def start(self):  # noqa: ANN201 - the subclass's instance
        from aiosmtpd.controller import Controller
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10,
                                     data_size_limit=0)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
        try:
            self.imap.logout()
        except Exception:  # noqa: BLE001, S110 - the connection may be gone already
            pass
