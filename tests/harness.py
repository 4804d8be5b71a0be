"""A whole office on one machine, without servers: mail goes into the inbound table and comes
out of the outbox, so workflow tests read like the SOP. Integration tests add real IMAP/SMTP."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import select

from daemon.app import work
from daemon.app.dispatcher import Dispatcher
from daemon.app.folder import FolderIntake
from daemon.core import db
from daemon.core.config import load_config
from daemon.core.context import Clock, Context
from daemon.core.models import Inbound, Outbox, Request
from daemon.devservers import config as devconfig
from daemon.mail import mime

ROOT = Path(__file__).resolve().parents[1]
WIB = ZoneInfo("Asia/Jakarta")
KADIS = "kadis@bengkaliskab.go.id"
SEKDIS = "sekdis@bengkaliskab.go.id"
KABID = "kabid.ikp@bengkaliskab.go.id"
KASI = "kasi.liputan@bengkaliskab.go.id"
OPERATOR = "operator.liputan@bengkaliskab.go.id"
CAMAT = "camat.bantan@bengkaliskab.go.id"



def write_config(folder: Path, database: str, imap_port: int = 143, smtp_port: int = 25,
                 authserv_id: str | None = None, rules: Path | None = None) -> Path:
    return devconfig.write_config(folder / "liputan.toml", imap_port=imap_port, smtp_port=smtp_port,
                                  database=database, rules=rules or ROOT / "rules",
                                  office={"authserv_id": authserv_id},
                                  mailbox={"idle_seconds": 60, "poll_seconds": 1, "timeout": 10},
                                  smtp={"timeout": 10})


class Office:
    """Drives the daemon's core with .eml messages and reads what it would send."""

    def __init__(self, folder: Path, database: str | None = None, now: datetime | None = None,
                 authserv_id: str | None = None, rules: Path | None = None):
        self.folder = folder
        self.database = database or f"sqlite:///{folder / 'liputan.db'}"
        self.authserv_id = authserv_id
        self.clock = Clock(now or datetime(2026, 11, 30, 8, 0, tzinfo=WIB))
        self.engine = db.make_engine(self.database)
        db.upgrade(self.engine)
        self.factory = db.sessions(self.engine)
        self.load(rules)
        self.uid = 0
        self.seen_outbox = 0

    def load(self, rules: Path | None = None) -> None:
        """(Re)start the core on a rules folder, as a restart after editing rules/ would."""
        self.cfg = load_config(write_config(self.folder, self.database, authserv_id=self.authserv_id,
                                            rules=rules))
        self.ctx = Context.load(self.cfg, now=self.clock)
        self.dispatcher = Dispatcher(self.ctx, self.factory)
        self.jobs = work.runner(self.ctx, self.factory, "harness")

    # ---- in -------------------------------------------------------------------------------
    def deliver(self, raw: bytes | EmailMessage) -> Inbound:
        """Store a message as the mailbox would, then let the dispatcher handle it."""
        row_id = self.store(raw)
        self.settle()
        with self.factory() as s:
            return s.get(Inbound, row_id)

    def store(self, raw: bytes | EmailMessage) -> int:
        """Store a message as the mailbox would (nothing handles it yet); returns its row id."""
        if isinstance(raw, EmailMessage):
            raw = raw.as_bytes(policy=email.policy.SMTP)
        msg = mime.parse(raw)
        digest = hashlib.sha256(raw).hexdigest()
        path = self.folder / "raw" / f"{digest}.eml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        self.uid += 1
        mid = mime.header(msg, "Message-ID") or f"<{digest}@liputan.invalid>"
        with db.transaction(self.factory) as s:
            row = Inbound(message_id=mid, folder="INBOX", uidvalidity=1, uid=self.uid,
                          raw_path=str(path), sha256=digest, size=len(raw),
                          from_addr=mime.address(msg)[1], subject=mime.header(msg, "Subject"))
            s.add(row)
        return row.id

    def settle(self) -> None:
        """Handle every stored message and run every job that is due, as the daemon would."""
        while self.dispatcher.run_once() + self.jobs.run_once():
            pass

    # ---- out ------------------------------------------------------------------------------
    def outbox(self) -> list[EmailMessage]:
        with self.factory() as s:
            rows = s.scalars(select(Outbox).order_by(Outbox.id)).all()
        return [mime.parse(r.raw) for r in rows]

    def new_mail(self) -> list[EmailMessage]:
        """Mail written since the last call."""
        out = self.outbox()
        fresh, self.seen_outbox = out[self.seen_outbox:], len(out)
        return fresh

    def mail_to(self, address: str, mails: list[EmailMessage] | None = None) -> list[EmailMessage]:
        mails = self.outbox() if mails is None else mails
        return [m for m in mails if address in mime.addresses(m, "To")]

    def last_to(self, address: str) -> EmailMessage:
        found = self.mail_to(address)
        assert found, f"no mail to {address}"
        return found[-1]

    def document_text(self, kind: str) -> str:
        """The text of the latest version of a letter, read from its .docx (mail may carry the PDF)."""
        from daemon.core.models import Document
        with self.factory() as s:
            doc = s.scalars(select(Document).where(Document.kind == kind)
                            .order_by(Document.id.desc())).first()
            assert doc is not None, f"no {kind} letter"
            return docx_text(Path(doc.path).read_bytes())

    def request(self, code: str | None = None) -> Request:
        with self.factory() as s:
            q = select(Request).order_by(Request.id)
            if code:
                q = q.where(Request.code == code)
            rows = s.scalars(q).all()
            assert rows, "no request"
            return rows[-1]

    def events(self, code: str) -> list[tuple]:
        from daemon.core.models import Event
        with self.factory() as s:
            req = s.scalars(select(Request).where(Request.code == code)).one()
            return [(e.step, e.kind, e.decision, e.actor, e.note) for e in
                    s.scalars(select(Event).where(Event.request_id == req.id).order_by(Event.id))]


# ---- mail as people write it ------------------------------------------------------------------
def letter(sender: str, subject: str, body: str, *, display: str = "", attachments=(),
           date: datetime | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((display, sender)) if display else sender
    msg["To"] = "Liputan Diskominfotik <liputan@bengkaliskab.go.id>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 30, 7, 30, tzinfo=WIB))
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    msg.set_content(body)
    for name, ctype, data in attachments:
        main, sub = ctype.split("/", 1)
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg


QUOTE_HEADERS = {
    "gmail": "Pada Sen, 30 Nov 2026 pukul 08.05 Liputan Diskominfotik <liputan@bengkaliskab.go.id> menulis:",
    "outlook": ("________________________________\nDari: Liputan Diskominfotik <liputan@bengkaliskab.go.id>\n"
                "Dikirim: Senin, 30 November 2026 08.05\nKepada: {to}\nSubjek: {subject}"),
    "iphone": "Pada 30 Nov 2026, pukul 08.05, Liputan Diskominfotik <liputan@bengkaliskab.go.id> menulis:",
}
SIGNATURES = {"gmail": "", "outlook": "\n\nSalam,\n{name}", "iphone": "\n\nDikirim dari iPhone saya"}


def reply(to_msg: EmailMessage, sender: str, text: str, *, style: str = "gmail",
          display: str = "", subject_prefix: str = "Re: ") -> EmailMessage:
    """A reply as a mail client writes it: own text on top, the whole message quoted below."""
    original = mime.body_text(to_msg)
    head = QUOTE_HEADERS[style].format(to=sender, subject=mime.header(to_msg, "Subject"))
    quoted = "\n".join(("> " + ln) if style != "outlook" else ln for ln in original.splitlines())
    body = text + SIGNATURES[style].format(name=display or sender) + "\n\n" + head + "\n" + quoted + "\n"
    msg = EmailMessage()
    msg["From"] = formataddr((display, sender)) if display else sender
    msg["To"] = mime.header(to_msg, "From")
    msg["Subject"] = subject_prefix + mime.header(to_msg, "Subject")
    msg["Date"] = format_datetime(datetime(2026, 11, 30, 9, 0, tzinfo=WIB))
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    msg["In-Reply-To"] = mime.header(to_msg, "Message-ID")
    msg["References"] = mime.header(to_msg, "Message-ID")
    msg.set_content(body)
    return msg


def docx_text(data: bytes) -> str:
    """All text of a .docx: paragraphs and table cells, nested tables too (the SPT's paraf box);
    of a PDF, where only the PDF is mailed."""
    import io

    import docx

    if data.startswith(b"%PDF"):
        import pypdf

        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)

    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]

    def walk(tables) -> None:
        for t in tables:
            for row in t.rows:
                for c in row.cells:
                    parts.append(c.text)
                    walk(c.tables)

    walk(d.tables)
    return "\n".join(parts)


def attachments_of(msg: EmailMessage) -> dict[str, bytes]:
    return {a.filename: a.data for a in mime.attachments(msg)}


# ---- after the event (SOP steps 10-15) -------------------------------------------------------
NEWS = ("Musrenbang Kecamatan Bantan Tetapkan 42 Usulan Prioritas\n\n"
        "BANTAN - Musyawarah Perencanaan Pembangunan Kecamatan Bantan menetapkan 42 usulan prioritas "
        "untuk tahun 2027.\n\nCamat Bantan meminta seluruh desa mengawal usulan tersebut hingga "
        "tahap kabupaten.\n")


def jpeg(color=(200, 30, 30), size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def to_coverage(office: Office):
    """A request for the Musrenbang in Bantan, approved up to the coverage (step 10)."""
    from test_workflow_bodies import BANTAN  # the letter of the workflow tests

    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    for who in (KADIS, KABID, KASI, KABID):
        office.deliver(reply(office.last_to(who), who, "Setuju"))
    req = office.request()
    assert req.step == 10
    return req


def folder_of(office: Office, req) -> Path:
    found = list((Path(office.cfg.paths.dropbox) / "2026").glob(f"{req.code} *"))
    assert len(found) == 1, found
    return found[0]


def drop(office: Office, req, name: str, data: bytes) -> Path:
    path = folder_of(office, req) / name
    path.write_bytes(data)
    FolderIntake(office.ctx, office.factory).ready(path)  # what the watcher reports
    return path


def quiet(office: Office) -> None:
    """The delivery goes quiet: the settle timer fires."""
    office.clock.advance(seconds=office.cfg.delivery.settle_seconds + 1)
    office.settle()


def wait_for(predicate, timeout: float = 60.0, what: str = "condition", every: float = 0.3):
    """The predicate's first true value, asked every `every` seconds for up to `timeout` (a daemon
    or a watcher working in another process or thread); AssertionError after that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not met in {timeout} s")
