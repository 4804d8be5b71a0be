"""Why a message was quarantined: one table of reason codes, each with the English text recorded
for the log and the formal Indonesian text a person reads (`liputan quarantine`)."""

from __future__ import annotations

import re
import string
from functools import cache

# code: (the English reason as recorded, the Indonesian reason as shown); {fields} in both
REASONS: dict[str, tuple[str, str]] = {
    "no_sender": (
        "no sender address: nobody to acknowledge or ask",
        "Pesan tidak mencantumkan alamat pengirim, sehingga tidak ada pihak yang dapat diberi tanda "
        "terima atau dimintai kelengkapan."),
    "not_a_request": (
        "not understood as a coverage request ({kind}: {why}); no event title, date or place found",
        "Pesan tidak dapat dipahami sebagai permohonan peliputan karena tidak memuat judul kegiatan, "
        "tanggal, maupun tempat kegiatan."),
    "unknown_cancellation": (
        "a cancellation for an event we have no request for",
        "Pesan berisi pembatalan kegiatan yang tidak tercatat dalam permohonan peliputan mana pun."),
    "imitated_name": (
        "display name imitates {victim} from {sender}; refused",
        "Nama pengirim menyerupai {victim}, tetapi surel dikirim dari alamat {sender} yang tidak "
        "dikenal; balasan ini tidak diproses."),
    "role_only_name": (
        "display name is only the role {role} from unknown {sender}; refused",
        "Nama pengirim hanya berupa nama jabatan ({role}) dari alamat {sender} yang tidak dikenal; "
        "balasan ini tidak diproses."),
    "authentication_failed": (
        "authentication failed: {why}",
        "Surel tidak lolos pemeriksaan keaslian pengirim (DKIM/SPF), sehingga balasan ini tidak "
        "diproses. Keterangan teknis: {why}."),
    "message_too_large": (
        "over the reading budget: the message is {size} MB (limit {limit} MB)",
        "Ukuran pesan {size} MB melebihi batas {limit} MB, sehingga pesan tidak dibaca."),
    "text_too_long": (
        "over the reading budget: its text is {chars} characters (limit {limit})",
        "Teks pesan sepanjang {chars} karakter melebihi batas {limit} karakter, sehingga pesan tidak "
        "dibaca."),
    "too_many_parts": (
        "over the reading budget: more than {limit} MIME parts",
        "Pesan memuat lebih dari {limit} bagian (MIME), sehingga pesan tidak dibaca."),
    "nested_too_deep": (
        "over the reading budget: multiparts nested more than {limit} deep",
        "Bagian-bagian pesan bersarang lebih dari {limit} tingkat, sehingga pesan tidak dibaca."),
    "reading_too_slow": (
        "over the reading budget: reading took {seconds} s (limit {limit} s)",
        "Pembacaan pesan memerlukan waktu {seconds} detik, melebihi batas {limit} detik, sehingga "
        "pesan tidak diproses."),
    "reading_stopped": (
        "over the reading budget: reading took longer than {limit} s and was stopped",
        "Pembacaan pesan melebihi {limit} detik dan dihentikan, sehingga pesan tidak diproses."),
    "reader_ended": (
        "over the reading budget: the reading process ended while reading it",
        "Proses pembaca berhenti ketika membaca pesan ini, sehingga pesan tidak diproses."),
    "internal_error": (
        "internal error while handling: {detail}",
        "Terjadi galat sistem ketika pesan ini diproses; operator telah diberi tahu (keterangan "
        "teknis: {detail})."),
}
UNKNOWN = ("Pesan ini disisihkan oleh sistem dan memerlukan pemeriksaan operator (keterangan asli "
           "dalam bahasa Inggris: {detail}).")
NUMERIC = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")


def english(code: str, **fields: object) -> str:
    """The reason recorded for the log and the database (KeyError on an unknown code)."""
    return REASONS[code][0].format(**fields)


@cache
def pattern(code: str) -> re.Pattern[str]:
    """The recorded English text of a code as a regular expression, its fields as groups."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(REASONS[code][0]):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P<{field}>.*?)")
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def parse(recorded: str) -> tuple[str | None, dict[str, str]]:
    """(code, fields) of a recorded reason; (None, {}) when no code made it."""
    for code in REASONS:
        m = pattern(code).match(recorded)
        if m:
            return code, m.groupdict()
    return None, {}


def indonesian(recorded: str | None) -> str:
    """The formal Indonesian reason a person reads; an unknown one is said so, with its detail."""
    code, fields = parse(recorded or "")
    if code is None:
        return UNKNOWN.format(detail=(recorded or "-").strip())
    return REASONS[code][1].format(**{k: angka(v) for k, v in fields.items()})


def angka(value: str) -> str:
    """A number written the Indonesian way: 1,234.5 -> 1.234,5 (any other text unchanged)."""
    return value.translate(str.maketrans({",": ".", ".": ","})) if NUMERIC.fullmatch(value) else value
