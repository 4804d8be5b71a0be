"""Read coverage requests (one per event) from a request e-mail: forwarded letters, attachments, bodies."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import parseaddr

from daemon.core import guard
from daemon.core.places import Places
from daemon.core.types import RequestFacts
from daemon.mail import mime
from daemon.reading.agenda import agenda_events, events_from_tables
from daemon.reading.datetimes import combine, find_dates, find_times
from daemon.reading.documents import (
    Document,
    attachment_document,
    html_document,
    newlines,
)
from daemon.reading.extract_fields import Event, events_from_labels, labelled_lines
from daemon.reading.letter_facts import Common, common_facts
from daemon.reading.ocr import OcrSource
from daemon.reading.quotes import strip_quotes
from daemon.reading.running_text import best_date, event_from_text, title_ok

log = logging.getLogger(__name__)

_FORWARD_MARK = re.compile(
    r"^[ \t>]*(?:-{5,}\s*(?:Forwarded message|Pesan terusan|Pesan yang diteruskan)\s*-{5,}"
    r"|-{3,}\s*(?:Pesan Asli|Original Message)\s*-{3,}|_{10,})[ \t]*$", re.I | re.M)
_FWD_HEADER = re.compile(r"^[ \t>]*(?P<k>Dari|From|Tanggal|Date|Dikirim|Sent|Subjek|Subject|Perihal"
                         r"|Kepada|To|Cc|Bcc)\s*:\s*(?P<v>.*)$", re.I)
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|trs|bls|tr|aw|wg)\s*:\s*)+", re.I)
_BOILERPLATE = re.compile(
    r"^(?:surat\s+)?(?:permohonan|permintaan|mohon|undangan)\s*(?:untuk\s+)?"
    r"(?:(?:peliputan|liputan|publikasi|dokumentasi|meliput)(?:\s+(?:dan|&)\s+(?:publikasi|dokumentasi|peliputan))*)?"
    r"\s*(?:kegiatan|acara)?\s*[:\-–]?\s*", re.I)
_UNIT_ABBREV = {
    "disdik": "Dinas Pendidikan", "dinkes": "Dinas Kesehatan", "dispar": "Dinas Pariwisata",
    "disparbudpora": "Dinas Pariwisata, Kebudayaan, Kepemudaan dan Olahraga",
    "protokol": "Bagian Protokol", "prokopim": "Bagian Protokol dan Komunikasi Pimpinan",
    "rsud": "RSUD Bengkalis", "dprd": "Sekretariat DPRD", "setwan": "Sekretariat DPRD",
    "dinsos": "Dinas Sosial", "bappeda": "Bappeda", "satpolpp": "Satuan Polisi Pamong Praja",
}
_ORG_WORDS = re.compile(r"\b(?:Dinas|Badan|Bagian|Kecamatan|Camat|RSUD|DPRD|Sekretariat|Setda|Kantor|Desa"
                        r"|Kelurahan|Puskesmas|Satpol|Inspektorat|Protokol|Prokopim|Bappeda)\b", re.I)


@dataclasses.dataclass
class _Reading:
    doc: Document
    events: list[Event]
    common: Common

    def score(self) -> int:
        return sum(e.score() for e in self.events[:1]) + 2 * (len(self.events) > 1)


def extract_requests(msg: EmailMessage, places: Places, now: datetime,
                     ocr: OcrSource | None = None) -> list[RequestFacts]:
    """One RequestFacts per event found in the message; never raises.

    Scans and photos are read by Tesseract at once when `ocr` is None. A deferred `ocr` (see
    reading/ocr.py) takes their text from its cache only; what the cache lacks is read as
    nothing and listed in `ocr.needed`, so the caller can OCR it later and read again."""
    try:
        return _extract(msg, places, now, ocr)
    except Exception as exc:
        guard.failed("request extraction", exc)
        facts = RequestFacts()
        facts.compute_missing()
        return [facts]


def _extract(msg: EmailMessage, places: Places, now: datetime,
             ocr: OcrSource | None = None) -> list[RequestFacts]:
    subject = mime.header(msg, "Subject")
    display, sender = mime.address(msg, "From")
    docs, fwd = _documents(msg, ocr)
    if fwd:
        subject = fwd.get("subject") or subject
        display, sender = parseaddr(fwd.get("from", ""))
    readings = [_read(doc, now) for doc in docs]
    primary = _primary(readings)
    common = _common([primary] + [r for r in readings if r is not primary], display, sender)
    events = primary.events if primary else []
    if len(events) <= 1:
        events = [_fill_single(events[0] if events else Event(), readings, subject)]
    source = primary.doc.source if primary else "body"
    fwd_from = parseaddr(fwd.get("from", ""))[1].lower() or None if fwd else None
    return [_facts(ev, common, source, fwd_from, places) for ev in events]


def _documents(msg: EmailMessage, ocr: OcrSource | None = None) -> tuple[list[Document], dict[str, str]]:
    """Candidate documents in order of trust: forwarded letter, attachments, HTML, plain text."""
    plain, html = mime.text_parts(msg)
    plain = newlines(plain) if plain else plain
    html_doc = html_document(html) if html else None
    body = plain if plain and plain.strip() else (html_doc.text if html_doc else "")
    docs: list[Document] = []
    fwd: dict[str, str] = {}
    split = split_forwarded(body)
    inner = None if split else _attached_message(msg)
    if split:
        fwd, fwd_body = split
        docs.append(Document(fwd_body, "forwarded", html_doc.tables if html_doc else []))
    elif inner is not None:  # the letter forwarded as an attachment ("Fw:" with the .eml attached)
        inner_docs, inner_fwd = _documents(inner, ocr)
        docs += [dataclasses.replace(d, source="forwarded") for d in inner_docs]
        fwd = inner_fwd or {"from": mime.header(inner, "From"), "subject": mime.header(inner, "Subject"),
                            "date": mime.header(inner, "Date")}
    elif _is_reply(msg) and (own := strip_quotes(body)) and len(own) < len(body.strip()):
        docs.append(Document(own, "body"))  # a reply's own words ("diundur menjadi ...") before the quote
    for att in mime.attachments(msg):
        doc = attachment_document(att, ocr)
        if doc is not None:
            docs.append(doc)
    if html_doc:
        docs.append(html_doc)
    if plain and plain.strip():
        docs.append(Document(plain, "body"))
    return docs, fwd


def _attached_message(msg: Message) -> EmailMessage | None:
    """The first message attached whole (message/rfc822), if any."""
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                return inner  # type: ignore[return-value]
    return None


def _is_reply(msg: EmailMessage) -> bool:
    return bool(mime.header(msg, "In-Reply-To") or mime.header(msg, "References"))


def split_forwarded(body: str) -> tuple[dict[str, str], str] | None:
    """({'from','subject','date'}, forwarded text) when the body carries a forwarded message."""
    body = newlines(body)
    m = _FORWARD_MARK.search(body)
    if not m:
        return None
    lines = body[m.end():].lstrip("\n").splitlines()
    headers: dict[str, str] = {}
    i = 0
    while i < len(lines) and (not lines[i].strip() and not headers or (h := _FWD_HEADER.match(lines[i]))):
        if lines[i].strip():
            key = {"dari": "from", "tanggal": "date", "dikirim": "date", "sent": "date",
                   "subjek": "subject", "perihal": "subject"}.get(h.group("k").lower(), h.group("k").lower())
            headers.setdefault(key, h.group("v").strip())
        i += 1
    if "from" not in headers:
        return None
    text = "\n".join(re.sub(r"^> ?", "", ln) for ln in lines[i:])
    return headers, text


def _read(doc: Document, now: datetime) -> _Reading:
    events = events_from_tables(doc.tables, now) or events_from_labels(doc.text, now)
    if len(events) <= 1:  # an agenda without labels or table headers, one event per line or row
        listed = agenda_events(doc.tables, doc.text, now)
        if len(listed) >= 2 or (listed and not events):
            events = listed
    if len(events) > 1:
        events = _agenda(events, doc.text, now)
    common = common_facts(doc.text, now)
    if len(events) <= 1:
        ev = events[0] if events else Event()
        hal = title_from_subject(common.subject or "")
        if ev.title is None and hal and title_ok(hal):
            ev.title = hal  # the letter's Hal/Perihal names the event when no Acara field does
        told = event_from_text(_body_part(doc.text), now)
        ev.title = fuller(ev.title, [hal, told.title])
        _fill(ev, told)
        events = [ev] if ev.score() else []
    return _Reading(doc, events, common)


def fuller(title: str | None, others: list[str | None]) -> str | None:
    """The event's full name: a title cut short ("Pelantikan ... Pengurus") is replaced by another
    source's longer name that starts with it ("... Pengurus Karang Taruna Kecamatan Mandau")."""
    if not title:
        return title
    for other in others:
        if (other and len(other) > len(title) and other.lower().startswith(title.lower())
                and not other[len(title)].isalnum()):
            title = other
    return title


def _agenda(events: list[Event], text: str, now: datetime) -> list[Event]:
    """Keep real agenda items; items without a date take the previous item's or the heading's date."""
    kept = [e for e in events if (e.day or e.time) and (e.title or e.location)]
    if len(kept) <= 1:
        merged = Event()
        for e in events:
            _fill(merged, e)
        return [merged]
    heading = [h for h in find_dates(text, now) if h.weekday]
    last = heading[0].value if heading else None
    for e in kept:
        e.day = e.day or last
        last = e.day
    return kept


def _body_part(text: str) -> str:
    """The letter from 'Dengan hormat' on, when it says so (skips the kop and address block)."""
    m = re.search(r"dengan\s+hormat", text or "", re.I)
    return text[m.start():] if m else text


def _fill(into: Event, other: Event) -> None:
    for f in ("title", "day", "end_day", "time", "location"):
        if getattr(into, f) is None and getattr(other, f) is not None:
            setattr(into, f, getattr(other, f))


def _primary(readings: list[_Reading]) -> _Reading | None:
    for r in readings:
        if r.score() >= 4 or (r.events and r.events[0].day and r.score() >= 3):
            return r
    return max(readings, key=lambda r: r.score(), default=None)


def _fill_single(ev: Event, readings: list[_Reading], subject: str) -> Event:
    for r in readings:
        if len(r.events) == 1 and (ev.day is None or r.events[0].day in (None, ev.day)):
            _fill(ev, r.events[0])
    if ev.title is None:
        ev.title = title_from_subject(subject)
    else:
        ev.title = fuller(ev.title, [title_from_subject(subject)])
    return ev


def title_from_subject(subject: str) -> str | None:
    """The subject without 'Fwd:'/'Permohonan Peliputan' boilerplate, when something meaningful is left."""
    text = _BOILERPLATE.sub("", _SUBJECT_PREFIX.sub("", subject or "")).strip(" -–:")
    words = [w for w in re.findall(r"[A-Za-z]{3,}", text)
             if w.lower() not in ("kegiatan", "acara", "surat", "lampiran", "dinas", "peliputan", "liputan")]
    return text if len(words) >= 2 else None


def _common(readings: list[_Reading | None], display: str, sender: str) -> Common:
    out = Common()
    for r in readings:
        if r is None:
            continue
        for f in dataclasses.fields(Common):
            if getattr(out, f.name) is None and getattr(r.common, f.name):
                setattr(out, f.name, getattr(r.common, f.name))
    out.requester = out.requester or unit_from_sender(display, sender)
    return out


def unit_from_sender(display: str, sender: str) -> str | None:
    """The organisation in a sender's display name, or a known unit abbreviation in it or the address."""
    if display and _ORG_WORDS.search(display):
        return display.strip()
    tokens = re.findall(r"[a-z]+", f"{display} {sender.split('@')[0]}".lower())
    for token in tokens:
        if token in _UNIT_ABBREV:
            return _UNIT_ABBREV[token]
    return None


def _facts(ev: Event, common: Common, source: str, fwd_from: str | None, places: Places) -> RequestFacts:
    start, end, until_done = combine(ev.day, ev.time, ev.end_day)
    where = places.resolve(ev.location)
    facts = RequestFacts(
        title=ev.title, start=start, end=end, until_done=until_done, location=ev.location,
        requester=common.requester, contact_name=common.contact_name, contact_phone=common.contact_phone,
        letter_number=common.letter_number, letter_date=common.letter_date,
        letter_subject=common.subject, kecamatan=where.kecamatan,
        island=where.island, outside_island=where.outside_island, source=source,
        forwarded_from=fwd_from, event_date=ev.day)
    facts.compute_missing()
    return facts


# ---- asking for and reading the missing fields ------------------------------------------------
_FIELD_NAMES = {"title": "nama acara", "start": "hari/tanggal dan waktu pelaksanaan",
                "location": "tempat pelaksanaan", "requester": "unit kerja pengirim"}
_FIELD_LINES = {"title": ["Acara: ..."], "start": ["Hari/Tanggal: ...", "Pukul: ..."],
                "location": ["Tempat: ..."], "requester": ["Unit Pengirim: ..."]}


def missing_fields_text(facts: RequestFacts) -> str:
    """A formal Indonesian paragraph naming what is missing and how to complete it by reply."""
    missing = facts.missing or facts.compute_missing()
    if not missing:
        return ""
    names = [_FIELD_NAMES[f] for f in missing]
    lines = [ln for f in missing for ln in _FIELD_LINES[f]]
    if "start" in missing and facts.event_date is not None:
        names[missing.index("start")] = "waktu (pukul) pelaksanaan"
        lines = [ln for ln in lines if not ln.startswith("Hari/Tanggal")]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", serta " + names[-1]
    which = f" untuk kegiatan \u201c{facts.title}\u201d" if facts.title else ""
    return (f"Permohonan peliputan Bapak/Ibu{which} telah kami terima. Namun demikian, "
            f"surat tersebut belum memuat keterangan mengenai {listed}. Untuk melengkapinya, "
            "mohon kiranya Bapak/Ibu membalas surel ini dengan menuliskan keterangan tersebut "
            "pada baris tersendiri dengan format sebagai berikut:\n\n" + "\n".join(lines) +
            "\n\nPermohonan akan kami proses segera setelah keterangan tersebut kami terima. "
            "Atas perhatian dan kerja sama Bapak/Ibu, kami ucapkan terima kasih.")


_QUOTE_START = re.compile(r"^(?:>|\s*Pada\s.+menulis:|\s*On\s.+wrote:|-{3,}|_{10,}|\s*(?:Dari|From)\s*:)", re.I)


def complete_from_reply(facts: RequestFacts, reply_text: str, places: Places, now: datetime) -> RequestFacts:
    """A copy of facts with missing fields filled from 'Acara: / Hari/Tanggal: / Pukul: / Tempat:' lines."""
    try:
        return _complete_from_reply(facts, reply_text, places, now)
    except Exception as exc:
        guard.failed("completing from a reply", exc)
        return dataclasses.replace(facts, missing=list(facts.missing))


def _complete_from_reply(facts: RequestFacts, reply_text: str, places: Places, now: datetime) -> RequestFacts:
    own: list[str] = []
    for line in newlines(reply_text).splitlines():
        if _QUOTE_START.match(line):
            break
        own.append(line)
    text = "\n".join(own)
    ev = events_from_labels(text, now)
    got = ev[0] if ev else Event()
    if got.day is None and got.time is None:
        hit = best_date(text, now)
        times = find_times(text, need_prefix=True)
        got.day, got.time = (hit.value if hit else None), (times[0] if times else None)
    if got.location is None:
        got.location = event_from_text(text, now).location
    new = dataclasses.replace(facts, missing=list(facts.missing))
    _complete(new, got, text, places)
    new.compute_missing()
    return new


def _complete(new: RequestFacts, got: Event, text: str, places: Places) -> None:
    if not new.title and got.title:
        new.title = got.title
    if new.start is None:
        day = got.day or new.event_date
        start, end, until_done = combine(day, got.time, got.end_day)
        if start is not None:
            new.start, new.end, new.until_done, new.event_date = start, end, until_done, day
        elif day is not None:
            new.event_date = day
    if not new.location and got.location:
        where = places.resolve(got.location)
        new.location, new.kecamatan, new.island = got.location, where.kecamatan, where.island
        new.outside_island = where.outside_island
    if not new.requester:
        found = [i.value for i in labelled_lines(text) if i.kind == "requester" and i.value]
        new.requester = found[0] if found else None
