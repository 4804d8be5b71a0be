"""Decide what kind of inbound message this is: bounce, auto-reply, list mail, reply, request or unknown."""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from functools import lru_cache

from daemon.core import guard
from daemon.core.lexicon import default_lexicon, pattern
from daemon.core.types import Classification
from daemon.mail import mime
from daemon.reading.decisions import read_text
from daemon.reading.quotes import own_text, strip_quotes

TAG_RE = re.compile(r"\bLPT-(\d{4})-(\d{3,6})\b", re.IGNORECASE)
REPLY_PREFIX_RE = re.compile(r"^\s*(re|bls|balas|aw|sv|antw|r)\s*(\[\d+\])?\s*:", re.IGNORECASE)
FORWARD_PREFIX_RE = re.compile(r"^\s*(fwd?|trs|tr|wg|terusan|diteruskan)\s*:", re.IGNORECASE)
FORWARD_BODY_RE = re.compile(
    r"^-{2,}\s*(forwarded message|pesan terusan|pesan yang diteruskan)\s*-{2,}"
    r"|^(begin forwarded message|awal pesan yang diteruskan)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
QUOTE_MARK_RE = re.compile(
    r"^\s*>|\b(menulis|wrote)\s*:\s*$|^-{3,}\s*(pesan asli|original message)|^\s*\*?(dari|from)\s*:\*?\s",
    re.IGNORECASE | re.MULTILINE,
)
AUTO_SUBJECT = r"^\s*({})"  # the lexicon's `auto_subjects`
# Body phrases of out-of-office notes, for autoresponders that set no header. Because people
# mention their leave in real answers, a phrase only counts when (1) the own text (quotes removed)
# is short, (2) it holds no strong decision word (setuju, tolak, revisi, ganti, ...; weak ones like
# "silakan hubungi" are normal in leave notes) and (3) nothing before the phrase reads as a
# decision. So "setuju, saya sedang dinas luar tapi lanjutkan" stays a reply, while "Saya sedang
# cuti sampai 7 Desember. Untuk keperluan mendesak silakan hubungi ..." is an auto-reply.
# the lexicon's `auto_bodies`, and the template sentence "akan membalas surel Bapak/Ibu sekembalinya"
AUTO_BODY = (r"\b({}|akan membalas (email|surel|pesan) (anda|bapak/ibu|bapak|ibu) (setelah|sekembalinya))")
STRONG_DECISION = r"\b({})"  # the lexicon's `strong_decisions` and `delegate`
# The shape of a leave template besides the phrase: when the author is back or whom to call instead.
# "Maaf saya sedang dinas luar, nanti saya cek dulu" has neither: a person wrote it.
AUTO_TEMPLATE_RE = re.compile(
    r"\b(sampai|hingga|s\.?\s?d\.?|s/d|kembali|sekembali\w*|terima\s*kasih\s+atas\s+(e-?mail|surel|pesan)|"
    r"(keperluan|urusan|hal)\s+(yang\s+)?(mendesak|penting|darurat)|silakan\s+hubungi|silahkan\s+hubungi|"
    r"dapat\s+menghubungi|akan\s+(saya\s+)?(balas|dibalas|membalas|tanggapi|ditanggapi|menanggapi)|"
    r"until|will\s+(reply|respond|be\s+back|return)|when\s+i\s+return|return\s+on|"
    r"thank\s+you\s+for\s+your\s+(e-?mail|message)|out\s+of\s+(the\s+)?office|on\s+(annual\s+)?leave)",
    re.IGNORECASE,
)
# Hedges that a leave template may well contain ("belum dapat membalas", "mohon tunggu").
AUTO_TEMPLATE_HEDGES = {"belum", "sebentar", "tunggu"}
AUTO_BODY_MAX_CHARS = 600
REQUEST_WORDS_RE = re.compile(
    r"\b(peliputan|liputan|meliput|diliput|undangan|acara|kegiatan|hari\s*/\s*tanggal|tanggal|tempat|"
    r"pukul|dokumentasi|agenda)\b",
    re.IGNORECASE,
)
DOCUMENT_TYPES = ("application/pdf", "application/msword", "application/vnd.openxmlformats")
BOUNCE_SENDER_RE = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mdaemon)@", re.IGNORECASE)
BOUNCE_SUBJECT_RE = re.compile(
    r"(undeliver|undelivered mail|delivery status notification|delivery failure|failure notice|"
    r"returned mail|mail delivery failed|tidak dapat (di)?terkirim|tidak terkirim|gagal terkirim|"
    r"tidak dapat diterima)",
    re.IGNORECASE,
)
MSGID_LINE_RE = re.compile(r"^message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
FAILED_ADDR_RE = re.compile(r"<([^<>\s@]+@[^<>\s]+)>\s*:", re.MULTILINE)


def classify(msg: EmailMessage, our_domain: str | None = None) -> Classification:
    """Classify an inbound message; never raises (a failure yields kind 'unknown' with the reason)."""
    try:
        return _classify(msg, (our_domain or "").lower().strip() or None)
    except Exception as exc:  # the dispatcher must always get an answer; the failure is recorded
        guard.failed("classify", exc)
        return Classification(kind="unknown", reason=f"classifier failed: {type(exc).__name__}: {exc}"[:300])


def _classify(msg: Message, our_domain: str | None) -> Classification:
    subject = mime.header(msg, "Subject")
    tag = find_tag(subject)
    refs = references(msg)
    found = machine(msg, subject)
    if found is not None:
        found.tag, found.references = tag, refs
        return found
    return _human(msg, subject, tag, refs, our_domain)


def machine(msg: Message, subject: str | None = None) -> Classification | None:
    """The bounce, auto-reply or list classification of machine-sent mail, else None."""
    subject = mime.header(msg, "Subject") if subject is None else subject
    for judge in (_bounce, _receipt, _auto_reply, _list):
        found = judge(msg, subject)
        if found is not None:
            return found
    return None


def find_tag(subject: str) -> str | None:
    """The request code (e.g. 'LPT-2026-0007') found anywhere in a subject, upper-cased."""
    match = TAG_RE.search(subject or "")
    return f"LPT-{match.group(1)}-{match.group(2)}" if match else None


def references(msg: Message) -> list[str]:
    """Message-IDs from In-Reply-To then References, without duplicates."""
    found: list[str] = []
    for name in ("In-Reply-To", "References"):
        for mid in mime.message_ids(mime.header(msg, name)):
            if mid not in found:
                found.append(mid)
    return found


# ---- bounces ----------------------------------------------------------------------------------
def _bounce(msg: Message, subject: str) -> Classification | None:
    reason = _bounce_reason(msg, subject)
    if reason is None:
        return None
    ids, rcpts = _bounce_details(msg)
    return Classification(kind="bounce", reason=reason, bounced_message_ids=ids, failed_recipients=rcpts)


def _bounce_reason(msg: Message, subject: str) -> str | None:
    # cheapest tests first: every header read re-parses it under the default policy
    if msg.get_content_type() == "multipart/report":
        if str(msg.get_param("report-type", "") or "").lower() == "delivery-status":
            return "multipart/report delivery-status"
    if msg.get("X-MS-Exchange-Message-Is-Ndr") is not None or msg.get("X-Failed-Recipients") is not None:
        return "NDR header"
    empty_return_path = mime.header(msg, "Return-Path").replace(" ", "") == "<>"
    sender = mime.address(msg, "From")[1]
    from_daemon = bool(BOUNCE_SENDER_RE.match(sender))
    if not (from_daemon or empty_return_path):
        return None
    if BOUNCE_SUBJECT_RE.search(subject) or _has_part(msg, "message/delivery-status"):
        return f"from {sender}" if from_daemon else "empty Return-Path with a delivery report"
    return None


def _has_part(msg: Message, ctype: str) -> bool:
    return any(part.get_content_type() == ctype for part in mime.walk_parts(msg))



def _bounce_details(msg: Message) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    rcpts: list[str] = []
    for part in mime.walk_parts(msg):
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            _add_all(rcpts, _dsn_recipients(part))
        elif ctype in ("message/rfc822", "message/global"):
            _add_all(ids, _attached_message_ids(part))
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header"):
            _add_all(ids, _header_text_ids(mime.decode_part(part)))
    if not ids:  # plain-text bounces (qmail, some Exchange) quote the headers in the body
        _add_all(ids, MSGID_LINE_RE.findall(mime.body_text(msg)))
    if not rcpts:
        _add_all(rcpts, [a.lower() for a in mime.addresses(msg, "X-Failed-Recipients")])
    if not rcpts:
        _add_all(rcpts, [a.lower() for a in FAILED_ADDR_RE.findall(mime.body_text(msg))])
    return ids, rcpts


def _add_all(target: list[str], items: list[str]) -> None:
    for item in items:
        if item and item not in target:
            target.append(item)


def _dsn_recipients(part: Message) -> list[str]:
    found: list[str] = []
    blocks = part.get_payload()
    if isinstance(blocks, str):  # undecoded: parse the field blocks ourselves
        blocks = [HeaderParser().parsestr(chunk) for chunk in re.split(r"\n\s*\n", blocks.replace("\r", ""))]
    for block in blocks if isinstance(blocks, list) else []:
        for name in ("Final-Recipient", "Original-Recipient"):
            value = mime.header(block, name)
            addr = value.split(";", 1)[-1].strip().strip("<>").lower()
            if "@" in addr and addr not in found:
                found.append(addr)
    return found


def _attached_message_ids(part: Message) -> list[str]:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        return mime.message_ids(mime.header(inner, "Message-ID"))[:1]
    return _header_text_ids(payload if isinstance(payload, str) else "")


def _header_text_ids(text: str) -> list[str]:
    headers = HeaderParser().parsestr(text.replace("\r", ""), headersonly=True)
    ids = mime.message_ids(mime.header(headers, "Message-ID"))[:1]
    return ids or MSGID_LINE_RE.findall(text)[:1]


# ---- read receipts --------------------------------------------------------------------------
def _receipt(msg: Message, subject: str) -> Classification | None:
    """A read receipt (RFC 8098 report, or a client's "Dibaca: ..." notice) says the mail was opened,
    never what the official decided: it is handled like an auto-reply."""
    match = _receipt_subject_re().match(subject or "")
    if match:
        return Classification(kind="auto_reply", reason=f"read receipt subject {match.group(1)!r}")
    ctype = msg.get_content_type()
    report = str(msg.get_param("report-type", "") or "").lower() if ctype == "multipart/report" else ""
    if report == "disposition-notification":
        return Classification(kind="auto_reply", reason="read receipt (multipart/report disposition-notification)")
    # every header read re-parses it: look for a report part only where a receipt can carry one
    if ctype in ("multipart/report", "multipart/mixed") and _has_part(msg, "message/disposition-notification"):
        return Classification(kind="auto_reply", reason="read receipt (message/disposition-notification part)")
    return None


@lru_cache(maxsize=4)
def _receipt_subject_re(words: tuple[str, ...] | None = None) -> re.Pattern[str]:
    words = words or tuple(default_lexicon()["receipts"])
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"^\s*({alternatives})\s*:", re.IGNORECASE)


# ---- auto-replies and list mail -------------------------------------------------------------
def _auto_reply(msg: Message, subject: str) -> Classification | None:
    auto_submitted = mime.header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return Classification(kind="auto_reply", reason=f"Auto-Submitted: {auto_submitted}")
    # Inbox-Rules-Loop marks mail an Exchange rule sent or forwarded: no person decided anything.
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply",
                 "X-MS-Exchange-Generated-Message-Source", "X-MS-Exchange-Inbox-Rules-Loop"):
        if msg.get(name) is not None:
            return Classification(kind="auto_reply", reason=f"{name} header")
    precedence = mime.header(msg, "Precedence").lower()
    is_list = bool(mime.header(msg, "List-Id") or mime.header(msg, "List-Unsubscribe"))
    # bulk/junk on list mail is the list's business; only auto_reply means an autoresponder there
    if precedence == "auto_reply" or (precedence in ("bulk", "junk") and not is_list):
        return Classification(kind="auto_reply", reason=f"Precedence: {precedence}")
    if pattern(AUTO_SUBJECT, "auto_subjects").match(subject):
        return Classification(kind="auto_reply", reason="auto-reply subject")
    return _auto_body(msg)


def _strong_decision(text: str) -> bool:
    return bool(pattern(STRONG_DECISION, "strong_decisions").search(text)
                or pattern(STRONG_DECISION, "delegate").search(text))


def _auto_body(msg: Message) -> Classification | None:
    text = own_text(msg).strip()
    if not text or len(text) > AUTO_BODY_MAX_CHARS:
        return None
    match = pattern(AUTO_BODY, "auto_bodies", end=False).search(text)
    if match is None or _strong_decision(text):
        return None
    lexicon = default_lexicon()
    if read_text(text[: match.start()], lexicon).decision is not None:
        return None  # a person wrote a decision before mentioning their leave
    if not AUTO_TEMPLATE_RE.search(text) or "?" in text or _hedges(text, lexicon):
        return None  # no return date, no stand-in, or a person deferring: a human wrote it
    return Classification(kind="auto_reply", reason=f"out-of-office text: {match.group(0)!r}")


def _hedges(text: str, lexicon: dict[str, list[str]]) -> bool:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return any(h in words for h in lexicon["hedges"] if h not in AUTO_TEMPLATE_HEDGES and " " not in h)


def _list(msg: Message, subject: str) -> Classification | None:
    for name in ("List-Id", "List-Unsubscribe", "List-Post", "X-Campaign-Id", "X-Mailchimp-Campaign"):
        if mime.header(msg, name):
            return Classification(kind="list", reason=f"{name} header")
    if mime.header(msg, "Precedence").lower() == "list":
        return Classification(kind="list", reason="Precedence: list")
    return None


# ---- people: replies and requests -----------------------------------------------------------
def _human(msg: Message, subject: str, tag: str | None, refs: list[str], our_domain: str | None) -> Classification:
    ours = [r for r in refs if our_domain and r.lower().rstrip(">").endswith(our_domain)]
    body = mime.body_text(msg)
    forwarded = bool(FORWARD_PREFIX_RE.match(subject)) or _starts_with_forward(body)
    if tag:
        return Classification(kind="reply", reason=f"subject tag {tag}", tag=tag, references=refs)
    if ours:
        return Classification(kind="reply", reason="references our message", tag=tag, references=refs)
    looks_request, why = _looks_like_request(msg, subject, body)
    if forwarded and looks_request:
        return Classification(kind="request", reason=f"forwarded letter ({why})", references=refs)
    if refs and not (our_domain and looks_request):
        return Classification(kind="reply", reason="In-Reply-To/References present", references=refs)
    quoted_reply = REPLY_PREFIX_RE.match(subject) and QUOTE_MARK_RE.search(body)
    if quoted_reply and not _looks_like_request(msg, subject, _own(body))[0]:
        return Classification(kind="reply", reason="reply subject with quoted text", references=refs)
    if looks_request:
        return Classification(kind="request", reason=why, references=refs)
    return Classification(kind="unknown", reason="no reply, request or automatic markers", references=refs)


def _own(body: str) -> str:
    return strip_quotes(body)


def _starts_with_forward(body: str) -> bool:
    match = FORWARD_BODY_RE.search(body)
    return match is not None and len(body[: match.start()].strip()) < 400


def _looks_like_request(msg: Message, subject: str, body: str) -> tuple[bool, str]:
    files = mime.attachments(msg)
    for att in files:
        if att.content_type.startswith(DOCUMENT_TYPES) or att.content_type.startswith("image/"):
            return True, f"attachment {att.filename}"
    names = " ".join(att.filename for att in files)
    for where, text in (("subject", subject), ("body", body[:20000]), ("attachment name", names)):
        match = REQUEST_WORDS_RE.search(text)
        if match:
            return True, f"{where} mentions {match.group(0).lower()!r}"
    return False, ""
