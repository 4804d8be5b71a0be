"""Requesting units named as Tata Naskah Dinas names them: proper case, acronyms kept, by their head's office."""

from __future__ import annotations

import re

from daemon.core.indonesian import ACRONYMS, LOWER_WORDS

# Long names shortened to the acronym an office uses in running text.
SHORT_NAMES = ((r"rumah\s+sakit\s+umum\s+daerah", "RSUD"),
               (r"badan\s+penanggulangan\s+bencana\s+daerah", "BPBD"),
               (r"unit\s+pelaksana\s+teknis(?:\s+daerah)?", "UPT"))
# (pattern on the unit's name, the office of its head); {unit} is the name, {rest} the part after the
# leading word, {regency} "Kabupaten Bengkalis" for a regency office.
HEADS = (
    (r"^Kepala\s+(?:Pelaksana\s+)?(?:Dinas|Badan|Satuan|BPBD)\b.*", "{unit} {regency}"),
    (r"^(?:Kepala|Direktur|Camat|Lurah|Sekretaris|Inspektur)\s+.+", "{unit}"),
    (r"^BPBD\b", "Kepala Pelaksana {unit} {regency}"),
    (r"^(?:Kantor\s+)?(?:Kecamatan|Camat)\s+(?P<rest>.+)$", "Camat {rest}"),
    (r"^(?:Kantor\s+)?(?:Kelurahan|Lurah)\s+(?P<rest>.+)$", "Lurah {rest}"),
    (r"^(?:Kantor\s+|Pemerintah\s+)?Desa\s+(?P<rest>.+)$", "Kepala Desa {rest}"),
    (r"^RSUD\b", "Direktur {unit}"),
    (r"^Sekretariat\s+DPRD\b", "Sekretaris DPRD {regency}"),
    (r"^Sekretariat\s+Daerah\b", "Sekretaris Daerah {regency}"),
    (r"^Inspektorat\b", "Inspektur {regency}"),
    (r"^(?P<rest>Bagian\s+.+?)(?:\s+(?:Setda|Sekretariat\s+Daerah))?$", "Kepala {rest} Sekretariat Daerah {regency}"),
    (r"^(?:Dinas|Badan|Satuan|Kantor)\s+.+", "Kepala {unit} {regency}"),
    (r"^(?:UPT|UPTD|Puskesmas|Bidang|Seksi|Sub\s*bagian)\b.*", "Kepala {unit}"),
    (r"^(?:SDN?|SMPN?|SMAN?|SMKN?|TK|MTs|MAN|MIN|Sekolah)\b.*", "Kepala {unit}"),
)


def _word(word: str, first: bool, as_written: bool) -> str:
    """One word in proper case: acronyms in capitals, conjunctions lower-case, else capitalised;
    `as_written` keeps the capitals of a name written in mixed case ("Dinas PU & PR")."""
    bare = re.sub(r"[^A-Za-z]", "", word)
    if bare.upper() in ACRONYMS:
        return word.upper()
    if as_written and word[:1].isupper():
        return word
    if not first and word.lower() in LOWER_WORDS:
        return word.lower()
    if any(c.isupper() for c in word[1:]) and not word.isupper():  # MTs, DPMPTSP-like mixed case
        return word
    return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-"))


def unit_name(raw: str | None) -> str:
    """"BADAN PENANGGULANGAN BENCANA DAERAH" -> "BPBD"; "rsud mandau" -> "RSUD Mandau"."""
    name = " ".join((raw or "").split())
    for pattern, short in SHORT_NAMES:
        name = re.sub(pattern, short, name, flags=re.IGNORECASE)
    name = re.sub(r"\s+Kabupaten\s+Bengkalis$", "", name, flags=re.IGNORECASE)
    as_written = not (name.isupper() or name.islower())
    return " ".join(_word(w, i == 0, as_written) for i, w in enumerate(name.split(" "))) if name else ""


def head_office(raw: str | None, regency: str = "Bengkalis") -> str:
    """The office of a unit's head, as a letter cites it: "Kepala Pelaksana BPBD Kabupaten Bengkalis"."""
    unit = unit_name(raw)
    if not unit:
        return ""
    for pattern, head in HEADS:
        m = re.match(pattern, unit, flags=re.IGNORECASE)
        if m:
            rest = m.groupdict().get("rest") or ""
            return head.format(unit=unit, rest=rest, regency=f"Kabupaten {regency}").strip()
    return unit
