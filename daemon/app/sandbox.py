"""`liputan sandbox`: the whole office on this machine — a private Dovecot holding everyone's
mailbox, a local SMTP server that delivers into it, and the daemon working the office mailbox."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import tempfile
import threading
from email.utils import getaddresses
from pathlib import Path

from aiosmtpd.controller import Controller

from daemon.core.config import load_config
from daemon.devservers import free_port
from daemon.devservers.config import OFFICE_MAILBOX, PASSWORD, write_config
from daemon.devservers.dovecot import Dovecot

log = logging.getLogger("daemon.app.sandbox")
ROOT = Path(__file__).resolve().parents[2]



class Delivery:
    """An SMTP handler that files each message into every recipient's Dovecot INBOX."""

    def __init__(self, dovecot: Dovecot, copies: Path):
        self.dovecot, self.copies = dovecot, copies
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        raw = envelope.original_content or envelope.content
        await asyncio.to_thread(self.deliver, list(envelope.rcpt_tos), raw)
        return "250 OK delivered"

    def deliver(self, rcpts: list[str], raw: bytes) -> None:
        with self.lock:
            self.count += 1
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            to = ", ".join(a for _, a in getaddresses([str(msg.get("To", ""))]))
            name = f"{self.count:04d}.eml"
            (self.copies / name).write_bytes(raw)
            for rcpt in rcpts:
                user = rcpt.lower()
                if user not in self.dovecot.users:
                    self.dovecot.add_user(user, PASSWORD)
                self.dovecot.append(user, "INBOX", raw)
            log.info("mail %s to %s: %s", name, to, msg.get("Subject", ""))
            print(f"mail {name} to {to}: {msg.get('Subject', '')}", flush=True)  # what it shows


def dovecot_dir(base: Path) -> Path:
    """Dovecot's folder; unix socket paths are limited to 108 bytes, so a deep folder moves to /tmp."""
    wanted = base / "dovecot"
    if len(str(wanted / "run" / "anvil-auth-penalty")) < 100:
        return wanted
    return Path(tempfile.mkdtemp(prefix="liputan-dovecot-"))


def main(folder: str = "sandbox") -> int:
    base = Path(folder).resolve()
    base.mkdir(parents=True, exist_ok=True)
    (base / "mail").mkdir(exist_ok=True)
    from daemon.app import logs
    logs.to_file(base / "daemon.log")  # the daemon's whole log; the terminal shows its warnings
    from daemon.core.rules_check import load_rules
    rules = load_rules(ROOT / "rules")
    users = {OFFICE_MAILBOX: PASSWORD, "operator.liputan@bengkaliskab.go.id": PASSWORD}
    for role in rules.office.roles.values():
        users[role.email] = PASSWORD
        users.update({a.email: PASSWORD for a in role.acting})
    users.update({p.email: PASSWORD for p in rules.office.staff})
    dovecot = Dovecot(dovecot_dir(base), port=int(os.environ.get("LIPUTAN_SANDBOX_IMAP", 0)) or free_port(),
                      users=users).start()
    handler = Delivery(dovecot, base / "mail")
    smtp_port = int(os.environ.get("LIPUTAN_SANDBOX_SMTP", 0)) or free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    config = write_config(base / "liputan.toml", imap_port=dovecot.port, smtp_port=smtp_port,
                          database="sqlite:///liputan.db", rules=ROOT / "rules",
                          mailbox={"poll_seconds": 2})
    print(banner(base, config, smtp_port, dovecot.port), flush=True)
    from daemon.app.service import Service
    try:
        asyncio.run(Service(load_config(config)).run())
    finally:
        smtp.stop()
        dovecot.stop()
    return 0


def banner(base: Path, config: Path, smtp_port: int, imap_port: int) -> str:
    """What the sandbox prints at start: where to send, read, drop files and look, as absolute
    paths (the command may be run from any folder)."""
    samples = ROOT / "tests" / "data" / "requests"
    example = (f"{samples}/01_disdik_labelled_qp.eml" if samples.is_dir()
               else "a request letter saved as .eml")
    return f"""
Liputan sandbox is running (Ctrl-C stops everything).

  Send a coverage request: SMTP 127.0.0.1:{smtp_port}, to {OFFICE_MAILBOX}, e.g.
      python -m daemon.app.sandbox_send --port {smtp_port} {example}
  or with swaks / any mail client (no login needed).
  Read and answer mail as any official: IMAP 127.0.0.1:{imap_port}, user = the address in
      {ROOT / 'rules' / 'office.yaml'} (e.g. kadis@bengkaliskab.go.id), password "{PASSWORD}";
      replies go out through the same SMTP server.
  The team's shared folder (drop the news and photos into the request's folder once assigned):
      {base / 'hasil-liputan'}
  Every message sent is also copied to {base / 'mail'}/NNNN.eml
  The daemon's log: {base / 'daemon.log'} (here only its warnings; `liputan -v sandbox`: all)
  Status: liputan requests -c {config}   and   liputan show LPT-YYYY-NNNN -c {config}
"""
