"""Reading a request letter's text: labelled fields, agendas, running text, letterhead and contacts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from daemon.core import indonesian
from daemon.core.lexicon import default_lexicon
from daemon.reading.datetimes import (
    MONTHS,
    DateHit,
    TimeRange,
    find_dates,
    find_times,
    parse_date,
)

Table = list[list[str]]

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
_ABBREV_DOT = r"(?<!\bJl)(?<!\bJln)(?<!\bKec)(?<!\bKel)(?<!\bDs)(?<!\bNo)(?<!\bKab)(?<!\bSdr)(?<!\bHj)(?<!\bH)"
_WEEKDAY = r"(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)"
_END = (rf"(?={_ABBREV_DOT}\.(?:\s|$)|,\s*(?:pada|dengan|yang|untuk|dan|serta|bersama|kami|maka|sehubungan)\b"
        rf"|\s+pada\s+(?:hari|tanggal|tgl|pukul|{_WEEKDAY}\b|\d)|\n|$)")
PHONE = re.compile(r"(?<![\d+])(?:\+62|62|0)[\s.-]?8\d{1,2}(?:[\s.-]?\d{2,5}){2,3}(?!\d)")
_OFFICE_WORDS = re.compile(r"komunikasi,?\s+informatika|diskominfo", re.I)
_UNIT_START = (r"DINAS|BADAN|SEKRETARIAT|KECAMATAN|RUMAH\s+SAKIT|RSUD|DEWAN|BAGIAN|KANTOR|INSPEKTORAT"
               r"|SATUAN|UPT|PUSKESMAS|DESA|KELURAHAN")
_ADDRESS = re.compile(r"^(?:JALAN|JL\b|JLN\b|TELP|TELEPON|FAX|FAKS|E-?MAIL|LAMAN|WEBSITE|KODE\s+POS|ALAMAT)|@|\bKODE\s+POS\b", re.I)


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
class Common:
    """Facts shared by every event of a letter."""

    requester: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    letter_number: str | None = None
    letter_date: date | None = None
    subject: str | None = None


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
    elif item.kind == "title" and _meaningful(value) and not unknown(value):
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


def _meaningful(value: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z]{3,}", value or "")]
    return len(words) >= 1 and len(value) >= 5


# ---- agenda tables -------------------------------------------------------------------------
_COLUMNS = {"date": r"hari|tanggal|tgl", "time": r"pukul|waktu|jam", "title": r"acara|kegiatan|agenda|uraian",
            "place": r"tempat|lokasi"}


def events_from_tables(tables: list[Table], now: datetime) -> list[Event]:
    """Events from tables with a header row (one event per row), as in a Bupati's agenda."""
    events: list[Event] = []
    for table in tables:
        for h, header in enumerate(table[:3]):
            cols = _columns(header)
            if len(cols) >= 3 and "title" in cols:
                events += _table_rows(table[h + 1:], cols, now)
                break
    return events


def _columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, cell in enumerate(header):
        for kind, rx in _COLUMNS.items():
            if re.search(rf"\b(?:{rx})", cell or "", re.I) and kind not in cols and len(cell) < 40:
                cols[kind] = i
                if kind == "date" and re.search(r"waktu|pukul|jam", cell, re.I):
                    cols.setdefault("time", i)
                break
    return cols


def _table_rows(rows: Table, cols: dict[str, int], now: datetime) -> list[Event]:
    events: list[Event] = []
    last_day: date | None = None
    for i, row in enumerate(rows):
        cell = lambda k: row[cols[k]] if k in cols and cols[k] < len(row) else ""  # noqa: E731
        when = f"{cell('date')} {cell('time')}"
        hits = find_dates(when, now)
        times = find_times(cell("time")) or find_times(when)
        day = hits[0].value if hits else last_day
        ev = Event(cell("title").strip() or None, day, None, times[0] if times else None,
                   cell("place").strip() or None, i)
        if ev.title and (ev.day or ev.time):
            events.append(ev)
            last_day = day
    return events


# ---- running text --------------------------------------------------------------------------
def flatten(text: str) -> str:
    """Paragraph text with single line breaks joined, for sentence-level patterns."""
    paras = re.split(r"\n\s*\n", text or "")
    return "\n\n".join(re.sub(r"\s*\n\s*", " ", p).strip() for p in paras)


_TITLE_PATTERNS = [
    rf"(?:meliput|diliput|liputan|peliputan)(?:\s+dan\s+(?:mendokumentasikan|dokumentasi))?\s+"
    rf"(?:kegiatan|acara)\s+(?P<t>.+?){_END}",
    rf"(?:menyelenggarakan|mengadakan|melaksanakan|menggelar)\s+(?:kegiatan\s+|acara\s+)?(?P<t>.+?){_END}",
    # "Sehubungan dengan akan dilaksanakannya Pelantikan Pengurus ..., bersama ini ..."
    rf"\b(?:dilaksanakannya|diselenggarakannya|diadakannya|digelarnya)\s+(?:kegiatan\s+|acara\s+)?"
    rf"(?P<t>(?-i:[A-Z0-9]).+?){_END}",
    # "RSUD Bengkalis akan meresmikan Gedung Rawat Inap ..." names the event by its verb: "Peresmian Gedung ..."
    rf"\b(?P<v>meresmikan|melantik|mengukuhkan|membuka|menutup|meluncurkan|mencanangkan|memperingati)\s+"
    rf"(?P<t>(?-i:[A-Z0-9]).+?){_END}",
    rf"dalam\s+rangka\s+(?P<t>.+?){_END}",
    # "Mohon peliputan Rapat Paripurna DPRD hari Senin ...": a capitalised name right after the request
    rf"\b(?:mohon|memohon)\s+(?:bantuan\s+|kiranya\s+)?(?:untuk\s+)?(?:di)?(?:liput|liputan|peliputan|meliput)"
    rf"\s+(?P<t>(?-i:[A-Z0-9]).+?){_END}",
    # "... bahwa kegiatan Musrenbang X yang sedianya dilaksanakan ..." (cancellations, new dates)
    rf"\b(?:kegiatan|acara)\s+(?P<t>(?-i:[A-Z0-9]).+?){_END}",
]
_TITLE_STOP = re.compile(r"\s+(?:yang\s+(?:akan|insya|sedianya|semula|rencananya|direncanakan)|pada\s+hari"
                         # "mohon kiranya kegiatan X dapat diliput, ...": the request, not the name
                         r"|(?:dapat|bisa|agar|untuk)\s+(?:kiranya\s+)?(?:di)?liput\w*"
                         r"|pada\s+tanggal|bertempat|di\s+(?:aula|gedung|kantor|lapangan|taman)"
                         rf"|(?:pada\s+)?(?:hari\s+)?{_WEEKDAY}\b(?=,?\s*(?:tanggal\s+|tgl\.?\s+)?\d)"
                         r"|(?:pada\s+)?(?:tanggal|tgl\.?)\s+\d+|(?:pada\s+)?(?:pukul|jam|pkl\.?)\s+\d+)\b.*$", re.I)
_PLACE_PATTERNS = [
    rf"\b(?:bertempat|berlokasi|lokasi(?:nya)?)\s+(?:di\s+)?(?P<p>[A-Z].+?){_END}",
    rf"\bdi\s+(?P<p>(?:Aula|Gedung|Kantor|Lapangan|Masjid|Balai|Desa|Kelurahan|Kecamatan|Pantai|Hotel|Ruang"
    rf"|Wisma|Pendopo|Halaman|Rumah|Stadion|Puskesmas|RSUD|Pelabuhan|Jalan|Jl\.|Taman|Arena|Gelanggang|GOR"
    rf"|Alun-alun|Sekolah|SDN?|SMPN?|SMAN?|SMKN?|MAN|MTsN?|Kampus|Politeknik|Universitas|Pondok|Dermaga"
    rf"|Islamic\s+Center|Mushola|Musholla|Surau|Tugu)\b.+?){_END}",
]


# The event named by its verb: "akan meresmikan Gedung X" is the event "Peresmian Gedung X".
_VERB_NOUNS = {"meresmikan": "Peresmian", "melantik": "Pelantikan", "mengukuhkan": "Pengukuhan",
               "membuka": "Pembukaan", "menutup": "Penutupan", "meluncurkan": "Peluncuran",
               "mencanangkan": "Pencanangan", "memperingati": "Peringatan"}
# Words that point at an event named elsewhere ("kegiatan dimaksud", "acara tersebut"): never a title.
_POINTERS = {"dimaksud", "tersebut", "tsb", "ini", "itu", "diatas", "atas", "berikut", "sebagai", "sebagaimana",
             "yang", "kami", "kita", "tadi", "bapak", "ibu", "hal", "perihal", "diatas", "dibawah", "bawah"}
# A clause, not a name: "peningkatan mutu pelayanan kesehatan, RSUD Bengkalis akan meresmikan ..."
_CLAUSE = re.compile(r"\b(?:akan|bersama\s+ini|kami|mohon|sehubungan|bahwa)\b", re.I)


def title_ok(title: str) -> bool:
    """Whether a title read from running text names an event (not "dimaksud", not a clause)."""
    words = re.findall(r"[A-Za-z]+", title or "")
    if not _meaningful(title) or all(w.lower() in _POINTERS for w in words):
        return False
    return not _CLAUSE.search(title)


def event_from_text(text: str, now: datetime) -> Event:
    """One event from running text ('... meliput kegiatan X pada hari Senin, ... bertempat di ...')."""
    flat = flatten(text)
    ev = Event()
    for rx in _TITLE_PATTERNS:
        for m in re.finditer(rx, flat, re.I | re.S):
            title = _TITLE_STOP.sub("", m.group("t")).strip(" ,.")
            verb = m.groupdict().get("v")
            if verb:
                title = f"{_VERB_NOUNS[verb.lower()]} {title}"
            if title_ok(title):
                ev.title = title[:160]
                break
        if ev.title:
            break
    hit = best_date(flat, now)
    if hit:
        ev.day, ev.end_day = hit.value, hit.end_value
    times = find_times(flat, need_prefix=True)
    if times:
        after = [t for t in times if hit and t.pos >= hit.start - 5]
        ev.time = (after or times)[0]
    for rx in _PLACE_PATTERNS:
        m = re.search(rx, flat, re.S)
        place = _TITLE_STOP.sub("", m.group("p")).strip(" ,.")[:160] if m else ""
        if place and not unknown(place):
            ev.location = place
            break
    return ev


def _place_date_line(prefix: str) -> bool:
    """"Bengkalis, " before a date: the letter's own place and date line; not "... hari Rabu, "
    (a weekday: the event's date, "Acara diundur ke hari Rabu, 9 Desember 2026")."""
    m = re.fullmatch(r"\s*([A-Z][A-Za-z ]{2,30}),\s*", prefix)
    return bool(m) and m.group(1).split()[-1].capitalize() not in indonesian.DAY_NAMES


def best_date(flat: str, now: datetime) -> DateHit | None:
    """The event's date among all dates: weekday-named and 'dilaksanakan pada' dates win; letter dates lose."""
    scored: list[tuple[int, int, DateHit]] = []
    for hit in find_dates(flat, now):
        before = flat[max(0, hit.start - 60):hit.start].lower()
        line_start = flat.rfind("\n", 0, hit.start) + 1
        if _place_date_line(flat[line_start:hit.start]):
            continue  # "Bengkalis, 1 Desember 2026": the letter's own date
        score = 2 * hit.weekday
        score += bool(re.search(r"dilaksanakan|diselenggarakan|diadakan|pada\s+(?:hari|tanggal)|\bpada\s*$", before))
        score -= 3 * bool(re.search(r"surat|nomor|tanggal\s*$", before) and not hit.weekday)
        scored.append((score, -hit.start, hit))
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


# ---- shared facts --------------------------------------------------------------------------
def common_facts(text: str, now: datetime) -> Common:
    """Requester, contact, letter number and date, perihal."""
    c = Common()
    items = labelled_lines(text)
    for item in items:
        if item.kind == "number" and c.letter_number is None and re.search(r"\d", item.value) and "/" in item.value:
            c.letter_number = item.value
        elif item.kind == "subject" and c.subject is None and item.value:
            c.subject = item.value
        elif item.kind == "contact" and c.contact_phone is None:
            c.contact_name, c.contact_phone = split_contact(item.value)
        elif item.kind == "requester" and c.requester is None and item.value:
            c.requester = item.value
    c.requester = c.requester or letterhead(text) or signature_unit(text) or unit_in_text(text)
    if c.contact_phone is None:
        c.contact_name, c.contact_phone = contact_in_text(text)
    c.letter_date = letter_date(text, now)
    return c


def phone_as_written(raw: str) -> str:
    """The number as the person wrote it ("0812-7654-3210", "+62 812 7654 3210"): only runs of
    spaces (a line break inside it) become one space; letters and mail quote it unchanged."""
    return re.sub(r"\s+", " ", raw).strip(" .-")


def split_contact(value: str) -> tuple[str | None, str | None]:
    m = PHONE.search(value or "")
    phone = phone_as_written(m.group(0)) if m else None
    name = PHONE.sub(" ", value or "")
    name = re.sub(r"\b(?:HP|WA|Telp|Telepon|No|Nomor)\b\.?|[()/:]", " ", name, flags=re.I)
    name = re.sub(r"\s+", " ", name).strip(" -–,.")
    return (name or None), phone


def contact_in_text(text: str) -> tuple[str | None, str | None]:
    """A mobile number anywhere in the letter, with the name of whom to call when stated."""
    flat = flatten(text)
    m = PHONE.search(flat)
    if not m:
        return None, None
    before = flat[max(0, m.start() - 80):m.start()]
    who = re.search(r"(?:menghubungi|hubungi|narahubung|kontak)\s+(?:kami\s+)?(?:an\.?\s+)?"
                    r"(?P<n>(?:(?:Sdr|Sdri|Bapak|Ibu|Bpk|Saudara|Saudari)\.?\s+)?[A-Z][\w.' ]{1,40}?)"
                    r"\s*(?:\(|,|-|–|di|pada|melalui|nomor|no\.?|hp|wa|telp|$)", before, re.I)
    name = who.group("n").strip() if who else None
    if name and name.lower() in ("saya", "kami", "panitia", "sekretariat"):
        name = None
    return name, phone_as_written(m.group(0))


def letterhead(text: str) -> str | None:
    """The unit named in the kop surat, e.g. 'DINAS PENDIDIKAN' or 'KECAMATAN BANTAN'."""
    lines = [ln.strip() for ln in (text or "").splitlines()[:25] if ln.strip()]
    for i, line in enumerate(lines):
        if re.fullmatch(r"PEMERINTAH\s+KABUPATEN\s+BENGKALIS\.?", line, re.I):
            unit = [ln for ln in _upper_run(lines[i + 1:i + 5])]
            if unit:
                return " ".join(sorted(unit, key=lambda u: not u.upper().startswith("BAGIAN")))
    for line in lines[:6]:
        if re.match(rf"(?:{_UNIT_START})\b", line) and _is_upper(line):
            return " ".join(_upper_run([line]))
    return None


def _upper_run(lines: list[str]) -> list[str]:
    run: list[str] = []
    for line in lines:
        if _ADDRESS.search(line) or not _is_upper(line) or re.fullmatch(r"(?:B\s?E\s?N\s?G\s?K\s?A\s?L\s?I\s?S)", line):
            break
        run.append(line.strip(" .,"))
    return run[:3]


def _is_upper(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) / len(letters) > 0.85


_SIGNER = re.compile(r"^\s*(?:(?:Plt|Plh|Pj|a\.?\s?n)\.?\s+)?(?P<role>Kepala|Camat|Direktur|Sekretaris|Ketua|Lurah)"
                     r"\s+(?P<unit>[A-Z].{2,80}?)[,.]?\s*$", re.M)


def signature_unit(text: str) -> str | None:
    """The unit from the signature block: 'Kepala Dinas Kesehatan' -> 'Dinas Kesehatan'."""
    start = max((text or "").rfind("Demikian"), len(text or "") // 3)
    for m in _SIGNER.finditer(text or "", start):
        if _OFFICE_WORDS.search(m.group(0)) or re.match(r"\s*(?:Yth|Kepada)", m.group(0)):
            continue
        role, unit = m.group("role").lower(), m.group("unit").strip()
        unit = re.sub(r"\s+Kabupaten\s+Bengkalis$", "", unit, flags=re.I)
        if role == "camat":
            return f"Kecamatan {unit}"
        if role == "lurah":
            return f"Kelurahan {unit}"
        if role == "direktur":
            return re.sub(r"^(?:Rumah\s+Sakit\s+Umum\s+Daerah|RSUD)", "RSUD", unit)
        if role == "sekretaris" and unit.upper().startswith("DPRD"):
            return f"Sekretariat {unit}"
        return unit
    return None


def unit_in_text(text: str) -> str | None:
    """'kami dari Kantor Camat Siak Kecil mohon ...' -> 'Kantor Camat Siak Kecil'."""
    m = re.search(r"\bkami\s+dari\s+(?P<u>(?:Kantor\s+)?(?:Camat|Kecamatan|Dinas|Badan|Bagian|Kelurahan|Desa"
                  r"|Puskesmas|RSUD|UPT|Sekretariat|Baznas|KPU|Bawaslu|Polres|Polsek|Kodim|Koramil|TP\s+PKK|PKK"
                  r"|Dharma\s+Wanita|Lembaga|LAMR?|SMA|SMK|SMP|SD|MAN|MTs|Politeknik|Universitas|Sekolah"
                  r"|Karang\s+Taruna|Yayasan|Pengadilan|Kejaksaan|Kementerian)\s[^,.\n]{2,60}?)"
                  r"(?=\s+(?:mohon|ingin|bermaksud|akan"
                  r"|mengundang|hendak)\b|[,.\n])", flatten(text), re.I)
    return m.group("u").strip() if m else None


def letter_date(text: str, now: datetime) -> date | None:
    """The letter's own date ('Bengkalis, 1 Desember 2026')."""
    months = "|".join(MONTHS)
    m = re.search(rf"^\s*[A-Z][A-Za-z ]{{2,30}},\s*(\d{{1,2}}\s+(?:{months})\s+\d{{4}})", text or "", re.M | re.I)
    if not m:
        return None
    d = parse_date(m.group(1), now)
    return d or None
