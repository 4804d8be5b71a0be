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
}
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
    assert "Pesan" in shown or "Surel" in shown or "Nama pengirim" in shown or "Terjadi" in shown \
        or "Bagian" in shown or "Ukuran" in shown or "Teks" in shown or "Pembacaan" in shown \
        or "Proses" in shown, shown


def test_numbers_are_written_the_indonesian_way_and_addresses_are_kept():
    assert "2.000.001 karakter melebihi batas 2.000.000 karakter" in reasons.indonesian(
        reasons.english("text_too_long", **EXAMPLES["text_too_long"]))
    assert "31,4 MB melebihi batas 25 MB" in reasons.indonesian(
        reasons.english("message_too_large", **EXAMPLES["message_too_large"]))
    shown = reasons.indonesian(reasons.english("imitated_name", **EXAMPLES["imitated_name"]))
    assert "kadis@bengkaliskab.go.id" in shown and "kadis@bengkalis-kab.com" in shown


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


def test_an_unreadable_file_is_explained_without_english(tmp_path):
    for code in (errno.ENOENT, errno.EIO, errno.ESTALE, errno.EROFS):
        reason = sniff.unreadable_reason(OSError(code, "Some English strerror"))
        assert reason.startswith("Berkas tidak dapat dibaca oleh sistem (") and "English" not in reason
