"""Labelled fields of a request letter ('Tanggal : ...', 'Tempat : ...') and the events they describe."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from daemon.core.lexicon import default_lexicon
from daemon.reading.datetimes import TimeRange, find_dates, find_times, parse_date

LABELS: list[tuple[str, str]] = [
    ("contact", r"narahubung|nara\s+hubung|contact\s*person|c\.?\s?p\.?|kontak(?:\s+person)?"
                r"|no\.?\s*(?:hp|telp|wa)(?:\s*/\s*(?:wa|hp))?|nomor\s+(?:hp|telepon|kontak)"
                r"|hp\s*/\s*wa|wa\s*/\s*hp|telp(?:on)?\s*/\s*hp"),
    ("date", r"hari\s*(?:[/,&]|dan)?\s*(?:tanggal|tgl\.?)|tanggal(?:\s+(?:kegiatan|pelaksanaan|acara))?"
             r"|tgl\.?|hari|waktu\s+pelaksanaan|hari\s*/\s*tanggal\s*/\s*(?:waktu|pukul|jam)"),
    ("time", r"pukul|waktu|jam|pkl\.?"),
    ("title", r"(?:nama|jenis|judul)\s+(?:acara|kegiatan)|agenda(?:\s+kegiatan)?|acara|kegiatan"),
    ("place", r"(?:tempat|lokasi)(?:\s+(?:kegiatan|acara|pelaksanaan))?"),
    ("number", r"nomor(?:\s+surat)?|no\.?"),
    ("subject", r"perihal|hal"),
    ("requester", r"unit\s+pengirim|unit\s+kerja|pengirim|instansi|penyelenggara|pemohon"),
]
# possessive (*+): a line of 20,000 spaces is not tried 20,000² ways
_PREFIX = r"^[ \t>]*+(?:\(?\d{1,2}[.)]|\(?[a-e][.)]|[-•*▪])?[ \t]*+"
MAX_LABEL_LINE = 2000  # a longer line is no 'Label : value' line (and is not matched: linear time)
_SEP = r"[ \t.]*(?:[:;：]|\t)[ \t:;]*"
_DIGIT_SEP = r"[ ]+(?=\d)"  # "Pukul 09.00", "Tanggal 7 Desember 2026"


def _label_re(kind: str, rx: str, loose: bool = True) -> re.Pattern:
    sep = f"{_SEP}|{_DIGIT_SEP}" if loose and kind in ("date", "time") else _SEP
    return re.compile(_PREFIX + rf"(?:{rx})(?:{sep})(?P<value>.*)$", re.I)


_LABEL_RES = [(kind, _label_re(kind, rx)) for kind, rx in LABELS]
_STRICT_RES = [_label_re(kind, rx, loose=False) for kind, rx in LABELS]
_NUMBERED = re.compile(r"^[ \t]*\(?\d{1,2}[.)][ \t]+\S")


@dataclass
class Event:
    """One event's raw facts as read from a document."""

    title: str | None = None
    day: date | None = None
    end_day: date | None = None
    time: TimeRange | None = None
    location: str | None = None
    pos: int = 0

    def score(self) -> int:
        return 2 * bool(self.day) + bool(self.time) + bool(self.title) + bool(self.location)



@dataclass
class Labelled:
    kind: str
    value: str
    line: int
    numbered: bool = False
    extra: list[str] = field(default_factory=list)


def labelled_lines(text: str) -> list[Labelled]:
    """Every 'Label : value' line, the value taken from the next line when left empty."""
    lines = (text or "").splitlines()
    found: list[Labelled] = []
    for i, line in enumerate(lines):
        if len(line) > MAX_LABEL_LINE:
            continue
        for kind, rx in _LABEL_RES:
            m = rx.match(line)
            if not m:
                continue
            value = _clean_value(m.group("value"))
            if not value and i + 1 < len(lines) and not _is_label(lines[i + 1]):
                value = _clean_value(lines[i + 1])
            if _is_label(value):
                value = ""
            found.append(Labelled(kind, value, i, bool(_NUMBERED.match(line)),
                                  _continuation(lines, i, kind) if kind in ("title", "place") else []))
            break
    return found


def _clean_value(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("\t", " ")).strip(" :;-–")


def _is_label(line: str) -> bool:
    """A 'Label :' line (a value such as 'jam 2 siang' is not a label)."""
    return len(line or "") <= MAX_LABEL_LINE and any(rx.match(line or "") for rx in _STRICT_RES)


def _continuation(lines: list[str], i: int, kind: str = "place") -> list[str]:
    """Indented lines continuing a value (a long title or address), up to two; for a title also one
    line at the margin when it reads as the rest of a name ("Acara : Pelantikan ... Pengurus" /
    "Karang Taruna Kecamatan Mandau") and a label or a blank line follows it."""
    extra: list[str] = []
    for nxt in lines[i + 1:i + 3]:
        if not re.match(r"^(?:\t|\s{4,})\S", nxt) or _is_label(nxt) or _NUMBERED.match(nxt):
            break
        extra.append(_clean_value(nxt))
    if not extra and kind == "title" and i + 1 < len(lines) and _name_rest(lines[i], lines[i + 1]):
        after = lines[i + 2] if i + 2 < len(lines) else ""
        if not after.strip() or _is_label(after):
            extra.append(_clean_value(lines[i + 1]))
    return extra


_NAME_SMALL = {"dan", "di", "ke", "dari", "se", "untuk", "tingkat", "tahun", "ke-", "the", "of", "&", "serta", "bagi"}
_NOT_NAME_START = re.compile(r"^(?:demikian|atas|mohon|hormat|terima|kami|bersama|dengan|ketua|kepala|camat|"
                             r"sekretaris|direktur|plt|plh|a\.?n\.?|u\.?b\.?|catatan|ttd|nb)\b", re.I)


def _name_rest(line: str, nxt: str) -> bool:
    value = line.split(":", 1)[-1].strip()
    text = nxt.strip()
    if (not value or value.endswith((".", ",", ";", ":")) or not text or ":" in text or len(text) > 80
            or text.endswith(".") or _is_label(nxt) or _NUMBERED.match(nxt) or _NOT_NAME_START.match(text)):
        return False
    words = text.split()
    capital = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit() or w.lower() in _NAME_SMALL)
    return words[0][:1].isupper() and capital == len(words)


def events_from_labels(text: str, now: datetime) -> list[Event]:
    """Events from labelled blocks; a repeated label or a new numbered item starts the next event."""
    events: list[Event] = []
    current = Event()
    for item in labelled_lines(text):
        if item.kind not in ("date", "time", "title", "place"):
            continue
        filled = _apply(Event(), item, now)
        if not filled.score():
            continue
        clash = any(getattr(current, f) and getattr(filled, f) for f in ("day", "time", "title", "location"))
        if clash or (item.numbered and current.score() >= 2):
            events.append(current)
            current = Event(pos=item.line)
        if not current.score():
            current.pos = item.line
        _merge(current, filled)
    events.append(current)
    return [e for e in events if e.score()]


def _apply(event: Event, item: Labelled, now: datetime) -> Event:
    value = " ".join([item.value, *item.extra]).strip()
    if item.kind in ("date", "time"):
        hits = find_dates(value, now)
        if hits:
            event.day, event.end_day = hits[0].value, hits[0].end_value
        times = find_times(value)
        if times:
            event.time = times[0]
        elif item.kind == "date" and not hits:
            event.day = parse_date(value, now)
    elif item.kind == "title" and meaningful(value) and not unknown(value):
        event.title = value.rstrip(".,")
    elif item.kind == "place" and value and not unknown(value):
        event.location = value.rstrip(".,")
    return event


def unknown(value: str | None) -> bool:
    """Whether a field's value says the fact is not known yet ("akan diinformasikan kemudian",
    "(menyusul)", "Tempat belum ditentukan")."""
    return bool(value) and bool(_unknown_re().fullmatch(value.strip()))


@lru_cache(maxsize=1)
def _unknown_re() -> re.Pattern[str]:
    phrases = sorted(default_lexicon()["unknowns"], key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
    return re.compile(rf"[\W_]*(?:(?:tempat|lokasi|acara|kegiatan|waktu|jam|pukul)(?:nya)?\s+(?:acara\s+|kegiatan\s+)?)?"
                      rf"(?:(?:yang|masih|sedang|nanti)\s+)?(?:{alternatives})[\W_]*", re.I)


def _merge(into: Event, other: Event) -> None:
    for f in ("title", "day", "end_day", "time", "location"):
        if getattr(into, f) is None and getattr(other, f) is not None:
            setattr(into, f, getattr(other, f))



def meaningful(value: str) -> bool:
    """Whether a value has a word in it (three letters or more) and is not a mere fragment."""
    return bool(re.search(r"[A-Za-z]{3,}", value or "")) and len(value) >= 5
