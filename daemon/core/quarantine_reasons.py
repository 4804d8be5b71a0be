"""Why a message or a file was quarantined: one table of reason codes, each with its English text
for the log and the formal Indonesian text a person reads (`liputan quarantine`, the team's mail)."""

from __future__ import annotations

import re
import string
from functools import cache

# what the team may hand in, named in the refusals of anything else
ACCEPTED = ("naskah berita (.docx, .txt, .md), foto (.jpg, .png) atau video (.mp4, .mov, .mkv, dan "
            "sejenisnya)")

# code: (the English reason, the Indonesian reason as shown); {fields} in both. A message's reason
# is recorded in English and shown through indonesian(); a refused file's (sniff, safety, news) is
# recorded as shown(), in Indonesian, for the team reads it as it is, and logged through for_log().
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
    # a file the team handed in (the shared folder or a mail's attachment): daemon/delivery/sniff.py
    "file_not_regular": (
        "not a regular file (a symlink, folder or device); refused",
        "Bukan berkas biasa (misalnya tautan/symlink, folder, atau perangkat), sehingga tidak "
        "diproses. Mohon salin berkas aslinya ke folder permintaan."),
    "file_no_permission": (
        "the file cannot be read: permission denied",
        "Berkas tidak dapat dibaca oleh sistem karena hak akses; mohon periksa izin berkas atau "
        "salin ulang berkasnya."),
    "file_gone": (
        "the file cannot be read: it is gone",
        "Berkas tidak dapat dibaca oleh sistem (berkas tidak ditemukan lagi). Mohon salin ulang "
        "berkasnya."),
    "file_read_error": (
        "the file cannot be read: an I/O error on the storage",
        "Berkas tidak dapat dibaca oleh sistem (galat baca pada media penyimpanan). Mohon salin ulang "
        "berkasnya; bila terulang, hubungi operator."),
    "share_disconnected": (
        "the file cannot be read: the shared folder's connection is stale",
        "Berkas tidak dapat dibaca oleh sistem (sambungan ke folder bersama terputus). Mohon salin "
        "ulang berkasnya setelah folder bersama tersambung kembali."),
    "share_timed_out": (
        "the file cannot be read: the shared folder timed out",
        "Berkas tidak dapat dibaca oleh sistem (waktu akses ke folder bersama habis). Mohon salin "
        "ulang berkasnya setelah folder bersama tersambung kembali."),
    "file_busy": (
        "the file cannot be read: it is busy",
        "Berkas tidak dapat dibaca oleh sistem (berkas sedang digunakan). Mohon tutup aplikasi yang "
        "membukanya, lalu salin ulang berkasnya."),
    "file_name_too_long": (
        "the file cannot be read: its name is too long",
        "Berkas tidak dapat dibaca oleh sistem (nama berkas terlalu panjang). Mohon perpendek nama "
        "berkasnya, lalu salin ulang."),
    "file_unreadable": (
        "the file cannot be read: error {error}",
        "Berkas tidak dapat dibaca oleh sistem (kode galat {error}). Mohon salin ulang berkasnya; bila "
        "terulang, hubungi operator."),
    "file_empty": (
        "the file is empty (0 bytes)",
        "Berkas kosong (0 bita); kemungkinan penyalinan gagal. Mohon salin ulang berkasnya."),
    "file_too_large": (
        "the file is {size} MB (limit {limit} MB)",
        "Ukuran berkas {size} MB melebihi batas {limit} MB. Mohon perkecil ukurannya atau hubungi "
        "operator."),
    "file_heif": (
        "a HEIC/HEIF picture; refused",
        "Foto berformat HEIC/HEIF tidak diterima; mohon kirim foto dalam format JPG atau PNG."),
    "file_legacy_doc": (
        "an old Word document (.doc); refused",
        "Dokumen Word lama (.doc) tidak diterima; mohon simpan ulang sebagai .docx."),
    "file_pdf": (
        "a PDF; refused",
        f"Berkas PDF tidak diterima. Berkas yang diterima hanya {ACCEPTED}."),
    "file_archive": (
        "a ZIP or other archive; refused",
        f"Berkas ZIP/arsip tidak diterima. Berkas yang diterima hanya {ACCEPTED}; mohon kirim "
        "berkasnya satu per satu."),
    "file_docx_broken": (
        "a broken or truncated .docx",
        "Dokumen .docx rusak atau tidak lengkap; mohon simpan ulang."),
    "file_docx_too_large": (
        "the .docx's text is too large for a news text",
        "Isi dokumen .docx terlalu besar untuk sebuah naskah berita. Mohon periksa isinya dan kirim "
        "naskah beritanya saja."),
    "file_not_a_picture": (
        "named {suffix} but not a picture",
        "Nama berkas berakhiran {suffix} tetapi isinya bukan gambar. Mohon kirim foto aslinya dalam "
        "format JPG atau PNG."),
    "file_picture_broken": (
        "a broken or truncated picture",
        "Berkas gambar rusak atau tidak lengkap; mohon salin ulang."),
    "file_picture_too_many_pixels": (
        "a picture of too many pixels (a decompression bomb?); refused",
        "Resolusi gambar terlalu besar (dicurigai berbahaya), sehingga tidak diproses. Mohon kirim "
        "foto dengan resolusi yang wajar."),
    "file_picture_format": (
        "a {format} picture; refused",
        "Gambar berformat {format} tidak diterima; mohon kirim foto dalam format JPG atau PNG."),
    "file_not_a_video": (
        "named {suffix} but no video we know",
        "Nama berkas berakhiran {suffix} tetapi isinya bukan video yang dikenali. Mohon kirim berkas "
        "video aslinya."),
    "file_unknown_type": (
        "a file of unknown type",
        f"Jenis berkas tidak dikenali. Berkas yang diterima hanya {ACCEPTED}."),
    "file_text_misnamed": (
        "plain text named {suffix}",
        "Nama berkas berakhiran {suffix} tetapi isinya teks biasa. Naskah berita mohon disimpan "
        "sebagai .docx, .txt, atau .md."),
    # where it lies and what it is called: daemon/delivery/safety.py
    "file_symlink": (
        "a symlink; refused, never followed",
        "Tautan simbolik (symlink) tidak diterima; sistem tidak membuka tujuannya. Mohon salin "
        "berkas aslinya ke folder permintaan."),
    "file_outside_share": (
        "its real location is outside the shared folder",
        "Lokasi sebenarnya berkas berada di luar folder bersama, sehingga tidak diproses. Mohon salin "
        "berkas aslinya ke folder permintaan."),
    "file_outside_request": (
        "outside any request's folder",
        "Berkas berada di luar folder permintaan. Mohon simpan di dalam folder "
        "TAHUN/LPT-TAHUN-NOMOR Judul Kegiatan yang sesuai."),
    "file_unknown_request": (
        "in a request folder whose code names no request",
        "Tidak ada permintaan liputan dengan kode pada nama folder ini. Mohon simpan berkas di "
        "dalam folder permintaan yang tercantum pada surel penugasan (TAHUN/LPT-TAHUN-NOMOR Judul "
        "Kegiatan)."),
    "file_special": (
        "not a regular file (a device, socket or pipe); refused",
        "Bukan berkas biasa (misalnya perangkat, soket, atau pipa), sehingga tidak diproses. Mohon "
        "simpan berkas biasa di folder permintaan."),
    "file_hardlink": (
        "a hard link to another file; refused",
        "Berkas merupakan tautan keras (hard link) ke berkas lain; mohon salin berkas aslinya."),
    "name_control_characters": (
        "the name holds control characters",
        "Nama mengandung karakter kendali (misalnya baris baru); mohon ganti namanya."),
    "name_only_dots": (
        "the name is only dots",
        "Nama hanya terdiri atas titik; mohon ganti namanya."),
    "name_leading_dots": (
        "the name starts with two dots",
        "Nama diawali dua titik (..); mohon ganti namanya."),
    "name_leading_dash": (
        "the name starts with a dash",
        "Nama diawali tanda minus (-); mohon ganti namanya."),
    # a news text that cannot be read as one: daemon/delivery/news.py
    "news_empty": (
        "the news text is empty",
        "Naskah berita kosong: tidak ada judul dan isi berita. Mohon lengkapi naskahnya, lalu simpan "
        "ulang."),
    "news_no_title": (
        "the news text has no title on its first line",
        "Naskah berita tidak memiliki judul pada baris pertama. Mohon tuliskan judul berita pada "
        "baris pertama."),
    "news_title_only": (
        "the news text \"{title}\" is only a title",
        "Naskah berita \"{title}\" hanya berisi judul; isi berita belum ada. Mohon lengkapi isi "
        "beritanya."),
    "news_docx_unreadable": (
        "the news .docx cannot be opened",
        "Dokumen .docx rusak atau tidak dapat dibuka; mohon simpan ulang."),
    "news_too_long": (
        "the news text is too long for a news text",
        "Naskah berita terlalu panjang untuk sebuah berita. Mohon periksa kembali isinya."),
    "news_not_text": (
        "the news text is not readable text",
        "Isi naskah bukan teks yang dapat dibaca; mohon simpan sebagai .docx atau .txt."),
}
UNKNOWN = ("Pesan ini disisihkan oleh sistem dan memerlukan pemeriksaan operator (keterangan asli "
           "dalam bahasa Inggris: {detail}).")
NUMERIC = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")
ANGKA = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+")  # NUMERIC as angka() writes it
SWAP = str.maketrans({",": ".", ".": ","})
ENGLISH, SHOWN = 0, 1  # the columns of REASONS


def english(code: str, **fields: object) -> str:
    """The reason recorded for the log and the database (KeyError on an unknown code)."""
    return REASONS[code][0].format(**fields)


def shown(code: str, **fields: object) -> str:
    """The Indonesian reason a person reads, its numbers the Indonesian way (KeyError on an
    unknown code): what a refused file records, for the team reads it as it is."""
    return REASONS[code][SHOWN].format(**{k: angka(str(v)) for k, v in fields.items()})


@cache
def pattern(code: str, column: int = ENGLISH) -> re.Pattern[str]:
    """The English (or shown) text of a code as a regular expression, its fields as groups."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(REASONS[code][column]):
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


def parse_shown(text: str) -> tuple[str | None, dict[str, str]]:
    """(code, fields) of a reason as shown(); (None, {}) when no code made it."""
    for code in REASONS:
        m = pattern(code, SHOWN).match(text)
        if m:
            return code, {k: v.translate(SWAP) if ANGKA.fullmatch(v) else v
                          for k, v in m.groupdict().items()}
    return None, {}


def for_log(text: str) -> str:
    """A shown reason in English for the log (with its code); another text as it is."""
    code, fields = parse_shown(text)
    return f"{english(code, **fields)} [{code}]" if code else text


def indonesian(recorded: str | None) -> str:
    """The formal Indonesian reason a person reads; an unknown one is said so, with its detail."""
    code, fields = parse(recorded or "")
    if code is None:
        return UNKNOWN.format(detail=(recorded or "-").strip())
    return REASONS[code][1].format(**{k: angka(v) for k, v in fields.items()})


def angka(value: str) -> str:
    """A number written the Indonesian way: 1,234.5 -> 1.234,5 (any other text unchanged)."""
    return value.translate(SWAP) if NUMERIC.fullmatch(value) else value
