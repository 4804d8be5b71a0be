"""A sample office for `liputan contoh`: the daemon's core on a throw-away SQLite database and a
clock it sets, fed with mail as people write it; nothing is sent."""

from __future__ import annotations

import email.policy
import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from sqlalchemy import select

from daemon.app import work
from daemon.app.dispatcher import Dispatcher
from daemon.core import db
from daemon.core.config import load_config
from daemon.core.context import Clock, Context
from daemon.core.models import Document, Inbound, Outbox, Request
from daemon.devservers import config as devconfig
from daemon.mail import mime

OFFICE_ADDRESS = f"Liputan Diskominfotik <{devconfig.OFFICE_MAILBOX}>"


class SampleOffice:
    """One request's whole life in a folder of its own: mail in, letters and mail out."""

    def __init__(self, folder: Path, rules: Path, now: datetime):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        database = f"sqlite:///{folder / 'contoh.db'}"
        self.clock = Clock(now)
        self.engine = db.make_engine(database)
        db.upgrade(self.engine)
        self.factory = db.sessions(self.engine)
        cfg_path = devconfig.write_config(
            folder / "liputan.toml", imap_port=143, smtp_port=25, database=database, rules=rules,
            paths={"state": str(folder / "state"), "dropbox": str(folder / "hasil-liputan"),
                   "archive": str(folder / "arsip")},
            extra={"publish.social": {"admin": f"admin.medsos@{devconfig.DOMAIN}",
                                      "hashtags": ["#BengkalisBermasa", "#Diskominfotik"]},
                   "publish.press": {"contact": "Nurul Hidayah (0812-7654-3210)"}})
        self.cfg = load_config(cfg_path)
        self.ctx = Context.load(self.cfg, now=self.clock)
        self.dispatcher = Dispatcher(self.ctx, self.factory)
        self.jobs = work.runner(self.ctx, self.factory, "contoh")
        self.uid = 0

    def close(self) -> None:
        self.engine.dispose()

    # ---- in -------------------------------------------------------------------------------
    def deliver(self, msg: EmailMessage) -> None:
        """Store a message as the mailbox would and let the daemon's core handle it."""
        raw = msg.as_bytes(policy=email.policy.SMTP)
        digest = hashlib.sha256(raw).hexdigest()
        path = self.folder / "raw" / f"{digest}.eml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        self.uid += 1
        parsed = mime.parse(raw)
        with db.transaction(self.factory) as s:
            s.add(Inbound(message_id=mime.header(parsed, "Message-ID") or f"<{digest}@liputan.invalid>",
                          folder="INBOX", uidvalidity=1, uid=self.uid, raw_path=str(path), sha256=digest,
                          size=len(raw), from_addr=mime.address(parsed)[1],
                          subject=mime.header(parsed, "Subject")))
        self.settle()

    def settle(self) -> None:
        """Handle every stored message and run every job that is due."""
        while self.dispatcher.run_once() + self.jobs.run_once():
            pass

    def drop(self, name: str, data: bytes) -> None:
        """A team member puts a file into the request's folder in the share."""
        from daemon.app.folder import FolderIntake

        code = self.request().code
        folder = next(Path(self.cfg.paths.dropbox).glob(f"*/{code} *"))
        (folder / name).write_bytes(data)
        FolderIntake(self.ctx, self.factory).ready(folder / name)
        self.settle()

    def quiet(self) -> None:
        """The delivery goes quiet: the settle timer fires."""
        self.clock.advance(seconds=self.cfg.delivery.settle_seconds + 1)
        self.settle()

    def answer(self, who: str, text: str) -> None:
        """`who` replies to the latest mail the office sent them."""
        self.deliver(self.reply_to(self.last_to(who), who, text))

    # ---- out ------------------------------------------------------------------------------
    def outbox(self) -> list[tuple[Outbox, EmailMessage]]:
        with self.factory() as s:
            rows = s.scalars(select(Outbox).where(Outbox.raw.is_not(None)).order_by(Outbox.id)).all()
        return [(r, mime.parse(r.raw)) for r in rows if r.raw]

    def last_to(self, address: str) -> EmailMessage:
        found = [m for _, m in self.outbox() if address in mime.addresses(m, "To")]
        if not found:
            raise LookupError(f"the sample office sent nothing to {address}")
        return found[-1]

    def documents(self) -> list[Document]:
        with self.factory() as s:
            return list(s.scalars(select(Document).order_by(Document.id)))

    def request(self) -> Request:
        with self.factory() as s:
            return s.scalars(select(Request).order_by(Request.id.desc())).first()

    # ---- mail as people write it ----------------------------------------------------------
    def letter(self, sender: str, display: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((display, sender))
        msg["To"] = OFFICE_ADDRESS
        msg["Subject"] = subject
        msg["Date"] = format_datetime(self.clock())
        msg["Message-ID"] = make_msgid(domain=sender.split("@")[1])
        msg.set_content(body)
        return msg

    def reply_to(self, to_msg: EmailMessage, sender: str, text: str) -> EmailMessage:
        """A reply as a mail client writes it: the answer on top, the message quoted below."""
        quoted = "\n".join("> " + ln for ln in mime.body_text(to_msg).splitlines())
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = mime.header(to_msg, "From")
        msg["Subject"] = "Re: " + mime.header(to_msg, "Subject")
        msg["Date"] = format_datetime(self.clock())
        msg["Message-ID"] = make_msgid(domain=sender.split("@")[1])
        msg["In-Reply-To"] = msg["References"] = mime.header(to_msg, "Message-ID")
        msg.set_content(f"{text}\n\nPada {format_datetime(self.clock())} {OFFICE_ADDRESS} menulis:\n{quoted}\n")
        return msg
