"""Outgoing mail as rows: a message built once (fixed Message-ID) and written to the outbox table."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import re
import secrets
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import db, indonesian
from daemon.core.models import Outbox, utcnow

log = logging.getLogger("daemon.outbox")
OUTBOX = Outbox.__table__
Attachment = tuple[str, str, bytes]


class _Headers(HeaderRegistry):
    """The standard header registry, each header's class made once: the stock one makes a new
    class for every header it parses or prints (a third of the CPU of building a message)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}
        self._made: dict[tuple[str, str], object] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls

    def __call__(self, name: str, value: str):  # noqa: ANN204 - a header instance
        """The header parsed from `value`; the ones every message repeats (MIME types and
        encodings, our sender and markers) parsed once: a header is an immutable str whose
        folding depends only on its text and the policy."""
        if name.lower() not in SAME_EVERY_TIME:
            return self[name](name, value)
        key = (name, value)
        header = self._made.get(key)
        if header is None:
            if len(self._made) >= SAME_MAX:
                self._made.clear()
            header = self._made[key] = _folded_once(self[name](name, value))
        return header


def _folded_once(header):  # noqa: ANN001, ANN202 - a header instance
    """`header` folding its text once per kind of policy (what folding reads of it)."""
    fold, folded = header.fold, {}

    def once(*, policy):  # noqa: ANN001, ANN202
        key = (policy.max_line_length, policy.linesep, policy.utf8)
        out = folded.get(key)
        if out is None:
            out = folded[key] = fold(policy=policy)
        return out

    header.fold = once
    return header


SAME_EVERY_TIME = frozenset({"mime-version", "content-type", "content-transfer-encoding",
                             "content-disposition", "from", "auto-submitted",
                             "x-auto-response-suppress", "x-liputan-kind"})
SAME_MAX = 512  # (a file name's disposition is one per letter: the cache is cleared when full)


POLICY = email.policy.SMTP.clone(cte_type="7bit", max_line_length=998, header_factory=_Headers())


def make_message_id(domain: str, hint: str) -> str:
    """A globally unique Message-ID: <hint.random@domain>."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", hint).strip(".-") or "liputan"
    return f"<{clean}.{secrets.token_hex(8)}@{domain}>"


def _split_type(mime_type: str) -> tuple[str, str, dict[str, str]]:
    head, *params = [p.strip() for p in mime_type.split(";")]
    maintype, _, subtype = head.lower().partition("/")
    extra = dict(p.split("=", 1) for p in params if "=" in p)
    return maintype or "application", subtype or "octet-stream", {k.strip().lower(): v.strip().strip('"')
                                                                    for k, v in extra.items()}


def _alternative_part(msg: EmailMessage) -> EmailMessage | None:
    if msg.get_content_type() == "multipart/alternative":
        return msg
    if msg.is_multipart():
        for part in msg.iter_parts():
            if part.get_content_type() == "multipart/alternative":
                return part  # type: ignore[return-value]
    return None


def _add_calendar(msg: EmailMessage, filename: str, mime_type: str, data: bytes) -> None:
    """An invitation: inline text/calendar (what Outlook acts on) plus the .ics as a file, typed
    text/calendar; blocks published alongside (METHOD:PUBLISH) go as files only."""
    _, _, params = _split_type(mime_type)
    method = params.get("method", "REQUEST").upper()
    text = data.decode("utf-8", "replace")
    body = _alternative_part(msg)
    if body is not None and method != "PUBLISH" and not any(
            p.get_content_type() == "text/calendar" for p in body.iter_parts()):
        body.add_alternative(text, subtype="calendar", params={"method": method})
    msg.add_attachment(data, maintype="text", subtype="calendar", filename=filename,
                       params={"method": method})


def build_message(*, sender: str, to: Sequence[str], subject: str, text: str, html: str | None,
                  attachments: Sequence[Attachment], cc: Sequence[str], message_id: str,
                  in_reply_to: str | None, references: Sequence[str], reply_to: str | None,
                  kind: str, extra_headers: dict[str, str]) -> EmailMessage:
    """The message as it will be sent, headers fixed now (a resend is byte-identical)."""
    msg = EmailMessage(policy=POLICY)
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(indonesian.to_zone(utcnow()))  # the office's zone
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    # keep vacation responders and Exchange's out-of-office from answering us
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Liputan-Kind"] = kind
    for name, value in extra_headers.items():
        msg[name] = value
    msg.set_content(text)
    calendars = [a for a in attachments if _split_type(a[1])[:2] == ("text", "calendar")]
    if html is not None or calendars:
        if html is not None:
            msg.add_alternative(html, subtype="html")
        else:
            msg.make_alternative()
    for filename, mime_type, data in attachments:
        if (filename, mime_type, data) in calendars:
            _add_calendar(msg, filename, mime_type, data)
            continue
        maintype, subtype, params = _split_type(mime_type)
        if (maintype, subtype) == ("message", "rfc822"):  # a mail forwarded whole, readable inline
            _add_forwarded(msg, filename, data)
            continue
        html_part = _html_part(msg) if "cid" in params else None
        if html_part is not None:  # an image the HTML shows (<img src="cid:...">)
            html_part.add_related(data, maintype=maintype, subtype=subtype, cid=f"<{params['cid']}>",
                                  filename=filename, disposition="inline")
            continue
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def _add_forwarded(msg: EmailMessage, filename: str, data: bytes) -> None:
    """A mail attached whole (message/rfc822). One SMTP carries as it is (7-bit, lines of at most
    998 characters, no NUL) goes byte for byte as it came, its line ends made CRLF: no parse and
    no re-serialization (a third of building a task mail's CPU), and the official reads the letter
    exactly as the unit sent it. Any other is parsed and re-encoded to 7 bit, as before."""
    raw = _as_smtp_text(data)
    if raw is None:
        msg.add_attachment(email.message_from_bytes(data, policy=email.policy.default),
                           filename=filename)
        return
    msg.add_attachment(EmailMessage(policy=email.policy.default), filename=filename, cte="7bit")
    part = msg.get_payload()[-1]
    part.set_payload(raw)  # a str payload: the generator writes it out unchanged


def _as_smtp_text(data: bytes) -> str | None:
    """`data` with CRLF line ends, when it is 7-bit text SMTP carries unchanged; else None."""
    if not data.isascii() or b"\0" in data:
        return None
    flat = data.replace(b"\r\n", b"\n")
    if b"\r" in flat:  # a bare CR (one CRLF-less)
        return None
    lines = flat.split(b"\n")
    if max(map(len, lines)) > 998:
        return None
    while lines and not lines[-1]:
        lines.pop()
    return "\r\n".join(line.decode("ascii") for line in lines) + "\r\n" if lines else None


def _html_part(msg: EmailMessage) -> EmailMessage | None:
    """The text/html part (or its multipart/related wrapper) that inline images join."""
    for part in msg.walk():
        if part.get_content_type() == "multipart/related":
            return part  # type: ignore[return-value]
        if part.get_content_type() == "text/html":
            return part  # type: ignore[return-value]
    return None


FRESH_IDS = "fresh_message_ids"  # session.info: Message-IDs made (random) in this session


def fresh(session: Session, message_id: str) -> str:
    """Note a Message-ID just made with a random part (a task's): no outbox row can hold it
    yet, so `enqueue` does not look it up. Returns it."""
    session.info.setdefault(FRESH_IDS, set()).add(message_id)
    return message_id


def enqueue(session: Session, *, kind: str, sender: str, to: list[str], subject: str, text: str,
            html: str | None = None, attachments: Sequence[Attachment] = (),
            cc: Sequence[str] = (), request_id: int | None = None, in_reply_to: str | None = None,
            references: Sequence[str] = (), message_id: str | None = None,
            reply_to: str | None = None, extra_headers: dict[str, str] | None = None,
            waits_on: Sequence[int] = (), pending: Sequence[dict] = (), flush: bool = True,
            defer: bool = False) -> Outbox | None:
    """Queue one message in the caller's transaction (no commit); idempotent by message_id.

    With `waits_on` (job ids) the message is kept unbuilt, status "waiting", with `pending`
    (references to attachments still being made); `release()` builds and queues it later.
    `flush=False`: the row is written with the caller's next flush (its id unset until then;
    rows keep the order they were queued in). `defer`: written as a plain row by the caller's
    `db.write_deferred` (no ORM object; None is returned).
    """
    if message_id is None:
        domain = parseaddr(sender)[1].rpartition("@")[2] or "liputan.invalid"
        message_id = make_message_id(domain, kind)
    elif message_id not in session.info.get(FRESH_IDS, ()):
        existing = session.scalar(select(Outbox).where(Outbox.message_id == message_id))
        if existing is not None:
            return existing
        if any(r["message_id"] == message_id for r in db.deferred(session, OUTBOX)):
            return None  # queued in this transaction, not written yet
    parts = dict(sender=sender, to=list(to), subject=subject, text=text, html=html, cc=list(cc),
                 message_id=message_id, in_reply_to=in_reply_to, references=list(references),
                 reply_to=reply_to, kind=kind, extra_headers=extra_headers or {})
    recipients = [parseaddr(a)[1] for a in [*to, *cc] if parseaddr(a)[1]]
    if defer:
        values = dict(message_id=message_id, request_id=request_id, kind=kind, recipients=recipients,
                      subject=subject, body_text=text, status="queued", attempts=0,
                      next_attempt_at=utcnow(), waits_on=list(waits_on))
        if waits_on:  # (a queued one has no parts: NULL, as the ORM leaves it)
            values.update(status="waiting", raw=b"",
                          parts={**parts, "items": [*map(inline, attachments), *pending]})
        else:
            values["raw"] = build_message(attachments=attachments, **parts).as_bytes()
        db.defer(session, OUTBOX, values)
        log.debug("queued %s %s to %s", kind, message_id, ", ".join(recipients))
        return None
    row = Outbox(message_id=message_id, request_id=request_id, kind=kind, recipients=recipients,
                 subject=subject, body_text=text, raw=b"", status="queued", attempts=0,
                 next_attempt_at=utcnow(), waits_on=list(waits_on))
    if waits_on:
        row.status, row.parts = "waiting", {**parts, "items": [*map(inline, attachments), *pending]}
    else:
        row.raw = build_message(attachments=attachments, **parts).as_bytes()
    session.add(row)
    if flush:
        session.flush()
    log.debug("queued %s %s to %s", kind, message_id, ", ".join(recipients))
    return row



def inline(attachment: Attachment) -> dict:
    """An attachment already made, kept inside a waiting message (small: .ics, a letter)."""
    name, mime_type, data = attachment
    return {"name": name, "type": mime_type, "b64": base64.b64encode(data).decode("ascii")}


def expand(items: Sequence[dict], resolve: Callable[[dict], list[Attachment]]) -> list[Attachment]:
    """The files of attachment items, in order: inline ones decoded, references resolved."""
    files: list[Attachment] = []
    for item in items:
        if "data" in item:  # raw bytes, handed to a worker process (never stored)
            files.append((item["name"], item["type"], item["data"]))
        elif "b64" in item:
            files.append((item["name"], item["type"], base64.b64decode(item["b64"])))
        else:
            files += resolve(item)
    return files


def release(session: Session, row: Outbox, resolve: Callable[[dict], list[Attachment]]) -> None:
    """Build a waiting message now that its attachments exist, and queue it for sending.

    `resolve` turns each pending reference (e.g. {"document": 7}) into its files, in order.
    """
    release_built(session, row, build_waiting(row.parts or {}, resolve))


def release_built(session: Session, row: Outbox, raw: bytes) -> None:
    """Queue a waiting message built elsewhere from this row's own parts (see release); written
    with the caller's next flush (or its commit)."""
    row.raw, row.status, row.parts, row.next_attempt_at = raw, "queued", None, utcnow()


def build_waiting(parts: dict, resolve: Callable[[dict], list[Attachment]]) -> bytes:
    """The bytes `release` would queue for a waiting message's `parts` (anywhere: no session)."""
    parts = dict(parts)
    return build_message(attachments=expand(parts.pop("items", []), resolve), **parts).as_bytes()
