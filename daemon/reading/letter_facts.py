"""The facts a request letter states once for all its events: requester, contact, number, date, perihal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from daemon.reading.datetimes import MONTHS, parse_date
from daemon.reading.extract_fields import labelled_lines
from daemon.reading.running_text import flatten

PHONE = re.compile(r"(?<![\d+])(?:\+62|62|0)[\s.-]?8\d{1,2}(?:[\s.-]?\d{2,5}){2,3}(?!\d)")
_OFFICE_WORDS = re.compile(r"komunikasi,?\s+informatika|diskominfo", re.I)
_UNIT_START = (r"DINAS|BADAN|SEKRETARIAT|KECAMATAN|RUMAH\s+SAKIT|RSUD|DEWAN|BAGIAN|KANTOR|INSPEKTORAT"
               r"|SATUAN|UPT|PUSKESMAS|DESA|KELURAHAN")
_ADDRESS = re.compile(r"^(?:JALAN|JL\b|JLN\b|TELP|TELEPON|FAX|FAKS|E-?MAIL|LAMAN|WEBSITE|KODE\s+POS|ALAMAT)|@|\bKODE\s+POS\b", re.I)


@dataclass
class Common:
    """Facts shared by every event of a letter."""

    requester: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    letter_number: str | None = None
    letter_date: date | None = None
    subject: str | None = None



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