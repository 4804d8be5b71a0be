"""The readers' word lists (signatures, closings, attribution verbs, separators, autoresponder subjects
and bodies, cancellations) live in rules/lexicon.yaml: an office edits them without Python."""

from __future__ import annotations

import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

from daemon.core import lexicon as lexicon_module
from daemon.core.lexicon import PATTERN_DEFAULTS, load_lexicon
from daemon.core.rules_check import check_rules
from daemon.reading.classify import classify
from daemon.reading.quotes import strip_quotes
from daemon.sop import requests

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_lexicon_holds_every_list_the_readers_had_in_code() -> None:
    shipped = load_lexicon(ROOT / "rules" / "lexicon.yaml")
    for key, words in PATTERN_DEFAULTS.items():
        assert shipped[key] == list(words), key


@pytest.fixture
def office_words(tmp_path: Path, monkeypatch):
    """Add words to a copy of rules/lexicon.yaml and make it the lexicon the readers use."""
    def add(**more: list[str]) -> None:
        data = yaml.safe_load((ROOT / "rules" / "lexicon.yaml").read_text(encoding="utf-8"))
        for key, words in more.items():
            data[key] = [*data[key], *words]
        path = tmp_path / "lexicon.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        monkeypatch.setattr(lexicon_module, "default_lexicon", lambda: load_lexicon(path))
    return add


def test_an_office_adds_a_phone_signature(office_words) -> None:
    text = "Setuju.\n\nDiketik dari tablet dinas"
    assert strip_quotes(text) == text
    office_words(signatures=["diketik dari"])
    assert strip_quotes(text) == "Setuju."


def test_an_office_adds_an_attribution_verb_and_a_separator(office_words) -> None:
    attributed = "Tolak.\n\nPada 30/11/2026 08.05, Liputan ecrivit:\n> Balas SETUJU"
    separated = "Tolak.\n\n===== Pesan Sebelumnya =====\nDari: Liputan\nsetuju"
    office_words(attribution_verbs=["ecrivit"], separators=["pesan sebelumnya"])
    assert strip_quotes(attributed) == "Tolak."
    assert strip_quotes(separated.replace("=====", "-----")) == "Tolak."


def test_an_office_adds_a_cancellation_word(office_words) -> None:
    text = "Dengan hormat, kegiatan Musrenbang Kecamatan Bantan diundur tanpa batas waktu."
    assert requests.CANCEL.search(text) is None
    office_words(cancel=["diundur tanpa batas waktu"])
    assert requests.CANCEL.search(text).group(0) == "diundur tanpa batas waktu"


def test_an_office_adds_an_autoresponder_subject(office_words) -> None:
    msg = EmailMessage()
    msg["From"] = "kadis@bengkaliskab.go.id"
    msg["Subject"] = "Abwesend: [LPT-2026-0001] Mohon disposisi"
    msg["In-Reply-To"] = "<lpt-2026-0001.s2.1@bengkaliskab.go.id>"
    msg.set_content("Ich bin bis 7. Dezember nicht im Büro.")
    assert classify(msg).kind == "reply"
    office_words(auto_subjects=["abwesend"])
    assert classify(msg).kind == "auto_reply"


def test_check_names_a_word_list_that_is_not_a_list(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "lexicon.yaml"
    listed = "cancel:\n" + "".join(f"  - {w}\n" for w in PATTERN_DEFAULTS["cancel"])
    text = path.read_text(encoding="utf-8")
    assert listed in text
    path.write_text(text.replace(listed, "cancel: dibatalkan\n"), encoding="utf-8")
    problems, _ = check_rules(rules)
    assert [p for p in problems if "lexicon.yaml" in str(p) and "cancel" in str(p)], problems
    path.write_text(text, encoding="utf-8")
    assert check_rules(rules)[0] == []


def test_an_office_adds_a_word_that_marks_a_persons_answer(office_words) -> None:
    msg = EmailMessage()
    msg["From"] = "kadis@bengkaliskab.go.id"
    msg["Subject"] = "Re: [LPT-2026-0001] Mohon disposisi"
    msg["In-Reply-To"] = "<lpt-2026-0001.s2.1@bengkaliskab.go.id>"
    msg.set_content("Laksanakan. Saya sedang cuti sampai 7 Desember 2026, silakan hubungi Sekretaris.")
    assert classify(msg).kind == "auto_reply"
    office_words(strong_decisions=["laksanakan"])
    assert classify(msg).kind == "reply"


def test_an_office_adds_the_header_labels_of_another_outlook_language(office_words) -> None:
    text = ("Tolak.\n\n________________________________\nKimden: Liputan <liputan@bengkaliskab.go.id>\n"
            "Gönderildi: 30 Kasım 2026 Pazartesi 08:05\nKime: Kepala Dinas\nKonu: [LPT-2026-0001] x\n\nsetuju")
    assert strip_quotes(text) != "Tolak."
    office_words(from_labels=["kimden"], header_labels=["kimden", "gönderildi", "kime", "konu"])
    assert strip_quotes(text) == "Tolak."
