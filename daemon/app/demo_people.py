"""The people of `liputan demo`: officials and team members who read their own mailbox over IMAP
and answer as people do (a reply quoting the mail, files dropped into the shared folder)."""

from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, localtime, make_msgid
from pathlib import Path

from imapclient import IMAPClient

from daemon.devservers.config import OFFICE_MAILBOX, PASSWORD

log = logging.getLogger("daemon.app.demo")
Say = Callable[[str], None]


@dataclass
class Person:
    """One scripted person: an address, a name, and what they answer to each kind of mail."""

    email: str
    name: str
    answers: dict[str, Callable[[EmailMessage], str | None]] = field(default_factory=dict)
    imap: IMAPClient | None = None


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    return part.get_content() if part is not None else ""


def reply_to(msg: EmailMessage, person: Person, text: str) -> EmailMessage:
    """A reply as a mail client writes it: own text on top, the message quoted below."""
    out = EmailMessage()
    out["From"] = formataddr((person.name, person.email))
    out["To"] = OFFICE_MAILBOX
    subject = str(msg["Subject"])
    out["Subject"] = subject if subject.lower().startswith("re:") else "Re: " + subject
    out["Date"] = format_datetime(localtime())
    out["Message-ID"] = make_msgid(domain=person.email.split("@")[1])
    out["In-Reply-To"] = str(msg["Message-ID"])
    out["References"] = " ".join(filter(None, [str(msg.get("References", "")), str(msg["Message-ID"])]))
    quoted = "\n".join("> " + line for line in body_text(msg).splitlines())
    out.set_content(f"{text}\n\nSalam,\n{person.name}\n\nPada {format_datetime(localtime())}, "
                    f"{msg['From']} menulis:\n{quoted}\n")
    return out


def team_task(msg: EmailMessage, name: str) -> str:
    """The member's own task in the assignment ("2. Rina Marlina (NIP ...) - Dokumentasi foto")."""
    for line in body_text(msg).splitlines():
        if name in line and " - " in line:
            return line.rsplit(" - ", 1)[1].strip().lower()
    return ""


def shared_folder(msg: EmailMessage, share: Path) -> Path | None:
    """The folder the assignment names, in the share as this member has it mounted."""
    lines = body_text(msg).splitlines()
    for n, line in enumerate(lines):
        if "folder bersama" in line and n + 1 < len(lines) and (share / lines[n + 1].strip()).is_dir():
            return share / lines[n + 1].strip()
    return None


class People(threading.Thread):
    """Reads every scripted person's INBOX every half second and acts on what is new."""

    def __init__(self, imap_port: int, smtp_port: int, people: list[Person], say: Say):
        super().__init__(name="demo-people", daemon=True)
        self.imap_port, self.smtp_port, self.people, self.say = imap_port, smtp_port, people, say
        self.stop = threading.Event()
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for person in self.people:
                try:
                    for msg in self.new_mail(person):
                        self.handle(person, msg)
                except Exception as exc:  # noqa: BLE001 - a person who fails is reported, the demo goes on
                    self.errors.append(f"{person.email}: {type(exc).__name__}: {exc}")
                    log.exception("%s could not read or answer mail", person.email)
                    person.imap = None
            self.stop.wait(0.5)
        for person in self.people:
            if person.imap is not None:
                try:
                    person.imap.logout()
                except Exception as exc:  # noqa: BLE001 - closing anyway
                    log.debug("%s: logout: %s", person.email, exc)

    def new_mail(self, person: Person) -> list[EmailMessage]:
        if person.imap is None:
            person.imap = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=10)
            person.imap.login(person.email, PASSWORD)
            person.imap.select_folder("INBOX")
        uids = person.imap.search(["UNSEEN"])
        if not uids:
            return []
        data = person.imap.fetch(uids, ["RFC822"])  # fetching marks them seen
        return [email.message_from_bytes(data[u][b"RFC822"], policy=email.policy.default) for u in sorted(data)]

    def handle(self, person: Person, msg: EmailMessage) -> None:
        kind = str(msg.get("X-Liputan-Kind", ""))
        to = [a.lower() for a in re.findall(r"[\w.+-]+@[\w.-]+", str(msg.get("To", "")))]
        answer = person.answers.get(kind)
        if answer is None or person.email.lower() not in to:
            return  # a copy, an acknowledgement, a notice: read and left
        text = answer(msg)
        if text:
            self.send(reply_to(msg, person, text))

    def send(self, msg: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as smtp:
            smtp.send_message(msg, to_addrs=[OFFICE_MAILBOX])


# ---- what the team hands in ---------------------------------------------------------------------
def news_docx(title: str, paragraphs: list[str]) -> bytes:
    from docx import Document  # python-docx, as the writer's word processor
    doc = Document()
    doc.add_paragraph(title)
    for p in paragraphs:
        doc.add_paragraph(p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def photo_jpeg(seed: int, size: tuple[int, int] = (2400, 1600)) -> bytes:
    """A camera-sized picture (sky, land and a stage) so every channel has real pixels to shrink."""
    from PIL import Image, ImageDraw
    im = Image.new("RGB", size, (90 + seed * 40 % 120, 150, 210))
    draw = ImageDraw.Draw(im)
    w, h = size
    draw.rectangle([0, h * 2 // 3, w, h], fill=(60, 120 + seed * 25 % 80, 60))
    draw.rectangle([w // 4, h // 3, w * 3 // 4, h * 2 // 3], fill=(170, 40 + seed * 30 % 150, 40))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return out.getvalue()


def drop(folder: Path, name: str, data: bytes) -> None:
    """Copy a file into the share as a file manager does: written under a hidden name, then renamed."""
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    tmp.rename(folder / name)


def hand_in(person: Person, share: Path, news: dict[str, tuple[str, list[str]]],
            say: Say) -> Callable[[EmailMessage], None]:
    """A team member's answer to the assignment: the writer drops the news, the photographer photos."""
    def act(msg: EmailMessage) -> None:
        task, folder = team_task(msg, person.name), shared_folder(msg, share)
        if folder is None:
            say(f"{person.name}: the assignment names no folder found in {share}")
            return
        code = folder.name.split(" ")[0]
        time.sleep(0.3)  # opening the folder
        if "berita" in task:
            title, paragraphs = next((v for k, v in news.items() if k in str(msg["Subject"])),
                                     next(iter(news.values())))
            drop(folder, "Berita.docx", news_docx(title, paragraphs))
            say(f"{code}: {person.name} drops Berita.docx into the shared folder")
        if "foto" in task:
            for n in (1, 2):
                drop(folder, f"DSC_000{n}.JPG", photo_jpeg(n + len(code)))
            say(f"{code}: {person.name} drops DSC_0001.JPG and DSC_0002.JPG into the shared folder")
    return act
