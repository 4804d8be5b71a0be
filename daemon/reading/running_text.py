"""Running text of a request letter: the event named in a sentence, its date among all dates, its place."""

from __future__ import annotations

import re
from datetime import datetime

from daemon.core import indonesian
from daemon.reading.datetimes import DateHit, find_dates, find_times
from daemon.reading.extract_fields import Event, meaningful, unknown

_ABBREV_DOT = r"(?<!\bJl)(?<!\bJln)(?<!\bKec)(?<!\bKel)(?<!\bDs)(?<!\bNo)(?<!\bKab)(?<!\bSdr)(?<!\bHj)(?<!\bH)"
_WEEKDAY = r"(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)"
_END = (rf"(?={_ABBREV_DOT}\.(?:\s|$)|,\s*(?:pada|dengan|yang|untuk|dan|serta|bersama|kami|maka|sehubungan)\b"
        rf"|\s+pada\s+(?:hari|tanggal|tgl|pukul|{_WEEKDAY}\b|\d)|\n|$)")


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
    if not meaningful(title) or all(w.lower() in _POINTERS for w in words):
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

