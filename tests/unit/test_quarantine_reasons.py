"""Why a message was quarantined: recorded in English for the log, shown in formal Indonesian to
the person who runs `liputan quarantine`; every reason code has its Indonesian text."""

from __future__ import annotations

import errno
import re
from argparse import Namespace
from pathlib import Path

import pytest
from harness import Office, letter

from daemon.app import operator
from daemon.core import quarantine_reasons as reasons
from daemon.core.models import DeliveryFile
from daemon.delivery import sniff

# every code, with fields as the sites fill them in; a code added to the table without its line
# here fails test_every_code_is_listed_here
EXAMPLES = {
    "no_sender": {},
    "not_a_request": {"kind": "unknown", "why": "no reply, request or automatic markers"},
    "unknown_cancellation": {},
    "imitated_name": {"victim": "kadis@bengkaliskab.go.id", "sender": "kadis@bengkalis-kab.com"},
    "role_only_name": {"role": "kadis", "sender": "kepala.dinas@gmail.com"},
    "authentication_failed": {"why": "dkim=fail, spf=softfail"},
    "message_too_large": {"size": "31.4", "limit": "25"},
    "text_too_long": {"chars": "2,000,001", "limit": "2,000,000"},
    "too_many_parts": {"limit": "500"},
    "nested_too_deep": {"limit": "30"},
    "reading_too_slow": {"seconds": "21.3", "limit": "20"},
    "reading_stopped": {"limit": "25"},
    "reader_ended": {},
    "internal_error": {"detail": "KeyError: 'step'"},
    **{code: {} for code in (
        "file_not_regular", "file_no_permission", "file_gone", "file_read_error", "share_disconnected",
        "share_timed_out", "file_busy", "file_name_too_long", "file_empty", "file_heif", "file_legacy_doc",
        "file_pdf", "file_archive", "file_docx_broken", "file_docx_too_large", "file_picture_broken",
        "file_picture_too_many_pixels", "file_unknown_type", "file_symlink", "file_outside_share",
        "file_outside_request", "file_unknown_request", "file_special", "file_hardlink", "name_control_characters",
        "name_only_dots", "name_leading_dots", "name_leading_dash", "news_empty", "news_no_title",
        "news_docx_unreadable", "news_too_long", "news_not_text")},
    "file_unreadable": {"error": "EROFS"},
    "file_too_large": {"size": "2,048.0", "limit": "1,024.0"},
    "file_not_a_picture": {"suffix": ".jpg"},
    "file_picture_format": {"format": "GIF"},
    "file_not_a_video": {"suffix": ".mp4"},
    "file_text_misnamed": {"suffix": ".exe"},
    "news_title_only": {"title": "Bupati Meresmikan Jembatan"},
}
# what a refusal tells the team to do, one of these in every file's reason
WHAT_TO_DO = re.compile(r"\b(mohon|Mohon|hanya|hubungi)\b")
ENGLISH = re.compile(r"\b(the|over|reading|refused|from|message|not|no|internal|error|while|"
                     r"budget|failed|only|unknown|nested|took|limit)\b", re.IGNORECASE)


def test_every_code_is_listed_here():
    assert set(EXAMPLES) == set(reasons.REASONS)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_each_code_reads_back_from_its_english_and_shows_in_indonesian(code):
    fields = EXAMPLES[code]
    recorded = reasons.english(code, **fields)
    assert reasons.parse(recorded) == (code, fields)
    shown = reasons.indonesian(recorded)
    english_words = ENGLISH.findall(shown.replace(fields.get("detail", ""), "")
                                    .replace(fields.get("why", ""), ""))
    assert english_words == [], (code, shown)
    assert shown[0].isupper() and shown.endswith("."), shown
    assert shown == reasons.REASONS[code][1].format(**{k: reasons.angka(v) for k, v in fields.items()})


@pytest.mark.parametrize("code", sorted(c for c in EXAMPLES if c.startswith(("file_", "share_", "name_",
                                                                               "news_"))))
def test_each_refused_file_reason_says_what_to_do_and_reads_back_for_the_log(code):
    fields = EXAMPLES[code]
    shown = reasons.shown(code, **fields)
    assert WHAT_TO_DO.search(shown), shown
    assert ENGLISH.findall(shown) == [], shown
    assert reasons.parse_shown(shown) == (code, fields)
    assert reasons.for_log(shown) == f"{reasons.english(code, **fields)} [{code}]"


def test_numbers_are_written_the_indonesian_way_and_addresses_are_kept():
    assert "2.000.001 karakter melebihi batas 2.000.000 karakter" in reasons.indonesian(
        reasons.english("text_too_long", **EXAMPLES["text_too_long"]))
    assert "31,4 MB melebihi batas 25 MB" in reasons.indonesian(
        reasons.english("message_too_large", **EXAMPLES["message_too_large"]))
    shown = reasons.indonesian(reasons.english("imitated_name", **EXAMPLES["imitated_name"]))
    assert "kadis@bengkaliskab.go.id" in shown and "kadis@bengkalis-kab.com" in shown


def test_a_file_reason_writes_numbers_the_indonesian_way_and_logs_them_the_english_way():
    shown = reasons.shown("file_too_large", size="2,048.0", limit="1,024.0")
    assert shown.startswith("Ukuran berkas 2.048,0 MB melebihi batas 1.024,0 MB.")
    assert reasons.for_log(shown) == "the file is 2,048.0 MB (limit 1,024.0 MB) [file_too_large]"
    assert reasons.for_log("Alasan lain") == "Alasan lain"


def test_an_unknown_reason_falls_back_to_a_generic_sentence_with_the_english_detail():
    shown = reasons.indonesian("the moon was in the wrong phase")
    assert shown.startswith("Pesan ini disisihkan oleh sistem dan memerlukan pemeriksaan operator (")
    assert shown.endswith("(keterangan asli dalam bahasa Inggris: the moon was in the wrong phase).")
    assert reasons.parse("the moon was in the wrong phase") == (None, {})
    assert reasons.indonesian(None).endswith("(keterangan asli dalam bahasa Inggris: -).")


def test_every_quarantine_in_the_code_takes_its_reason_from_the_table():
    daemon = Path(__file__).resolve().parents[2] / "daemon"
    made = []
    for path in daemon.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        made += [(path.name, m[0]) for m in re.finditer(r'Outcome\("quarantined",\s*[^r\s][^\n]*', text)]
        made += [(path.name, m[0]) for m in re.finditer(r'over=f?"[^\n]*', text)]
        made += [(path.name, m[0]) for m in re.finditer(r'return f?"over the reading budget[^\n]*', text)]
    assert made == []


def test_the_quarantine_listing_gives_the_reason_in_indonesian(tmp_path, capsys):
    office = Office(tmp_path)
    office.deliver(letter("unit@bengkaliskab.go.id", "Halo", "Apa kabar? Terima kasih."))
    assert operator.quarantine(office.ctx, office.factory, Namespace(json=False)) == 0
    out = capsys.readouterr().out
    assert ("alasan: Pesan tidak dapat dipahami sebagai permohonan peliputan karena tidak memuat "
            "judul kegiatan, tanggal, maupun tempat kegiatan.") in out
    assert "not understood" not in out
    assert operator.quarantine(office.ctx, office.factory, Namespace(json=True)) == 0
    listed = capsys.readouterr().out
    assert '"reason_code": "not_a_request"' in listed and "not understood as a coverage request" in listed


def test_the_quarantine_listing_gives_a_refused_files_reason_code(tmp_path, capsys):
    office = Office(tmp_path)
    with office.factory() as s:
        s.add(DeliveryFile(request_id=None, name="foto.gif", relpath="_KARANTINA/foto.gif", kind="other",
                           source="folder", status="quarantined",
                           reason=reasons.shown("file_picture_format", format="GIF")))
        s.commit()
    assert operator.quarantine(office.ctx, office.factory, Namespace(json=True)) == 0
    listed = capsys.readouterr().out
    assert '"reason_code": "file_picture_format"' in listed and "Gambar berformat GIF" in listed


def test_an_unreadable_file_is_explained_without_english(tmp_path):
    for code in (errno.ENOENT, errno.EIO, errno.ESTALE, errno.EROFS):
        reason = sniff.unreadable_reason(OSError(code, "Some English strerror"))
        assert reason.startswith("Berkas tidak dapat dibaca oleh sistem (") and "English" not in reason
