"""Reading decisions and notes from replies: quotes, signatures and Indonesian phrasing."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.core.types import Reading
from daemon.mail import mime
from daemon.reading.quotes import strip_quotes
from daemon.reading.replies import explain, load_lexicon, read_reply

try:
    from . import corpus
except ImportError:
    import corpus  # type: ignore[no-redef]

LEX = load_lexicon(corpus.lexicon_path())
CASES = corpus.cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_it_reads_the_corpus_decision_and_note(case: corpus.Case) -> None:
    got = read_reply(mime.parse(case.raw), LEX)
    exp = case.expected
    assert got.decision == exp.get("decision"), got.text
    if "note" in exp:
        assert corpus.normalised(got.note) == corpus.normalised(exp["note"])
    for fragment in exp.get("note_contains", []):
        assert corpus.normalised(fragment) in corpus.normalised(got.note)


@pytest.mark.parametrize("case", [c for c in CASES if c.folder in ("auto", "bounces", "noise")], ids=lambda c: c.id)
def test_it_never_approves_from_machines(case: corpus.Case) -> None:
    assert read_reply(case.raw, LEX).decision is None


def _read(text: str) -> Reading:
    return read_reply(text, LEX)


@pytest.mark.parametrize("text", ["tidak setuju", "Tdk setuju.", "TIDAK DISETUJUI", "belum setuju", "jangan lanjutkan",
                                  "nggak setuju pak", "tidak, setuju"])
def test_it_reads_tidak_setuju_as_reject(text: str) -> None:
    assert _read(text).decision == "reject"


def test_it_never_approves_from_quoted_text() -> None:
    text = "Tidak setuju.\n\nPada Kam, 26 Nov 2026 pukul 10.15 Kasi <k@b.id> menulis:\n> setuju\n> SETUJU, lanjutkan"
    assert _read(text).decision == "reject"
    assert _read("\n\nOn Thu, Nov 26, 2026 at 10:15 AM A <a@b.c> wrote:\n> setuju").decision is None


@pytest.mark.parametrize(
    ("text", "decision", "note"),
    [
        ("setuju", "approve", ""),
        ("Setuju.", "approve", ""),
        ("SETUJU, lanjutkan", "approve", ""),
        ("ok setuju", "approve", ""),
        ("acc pak", "approve", ""),
        ("Acc", "approve", ""),
        ("ya, setuju", "approve", ""),
        ("Setuju, tapi tambahkan fotografer", "approve", "tambahkan fotografer"),
        ("Setuju dengan catatan: bawa drone", "approve", "bawa drone"),
        ("revisi: ganti tempat ke Aula Kantor Camat", "revise", "ganti tempat ke Aula Kantor Camat"),
        ("mohon diperbaiki nama petugas", "revise", "mohon diperbaiki nama petugas"),
        ("ganti jam ke 10.00 WIB", "revise", "ganti jam ke 10.00 WIB"),
        ("tolak, jadwal bentrok", "reject", "jadwal bentrok"),
        ("jangan dulu", "reject", ""),
        ("batal", "reject", ""),
        ("Ok tolak saja", "reject", ""),
        ("Ya, tolong revisi jam acara", "revise", "jam acara"),
    ],
)
def test_it_reads_common_answers(text: str, decision: str, note: str) -> None:
    got = _read(text)
    assert (got.decision, got.note) == (decision, note)


@pytest.mark.parametrize("text", ["Saya tanyakan dulu", "Oktober saja", "Bayar dulu", "", "   ", "Siapa petugasnya?x"])
def test_it_counts_short_approve_words_only_as_whole_words(text: str) -> None:
    assert _read(text).decision is None


@pytest.mark.parametrize(
    "quote",
    [
        "Pada Kam, 26 Nov 2026 pukul 10.15 Nama <a@b.id> menulis:\n> setuju",
        "Pada Kam, 26 Nov 2026 pukul 10.15 Nama <\na@b.id> menulis:\n\n> setuju",
        "Pada tanggal Kam, 26 Nov 2026 pukul 10.15, Nama <a@b.id> menulis:\nsetuju",
        "On Thu, Nov 26, 2026 at 10:15 AM Nama <a@b.id> wrote:\n> setuju",
        "________________________________\nDari: Liputan <l@b.id>\nDikirim: Kamis, 26 November 2026 10.15\nKepada: K <k@b.id>\nSubjek: x\n\nsetuju",
        "From: Liputan <l@b.id>\nSent: Thursday, November 26, 2026 10:15 AM\nTo: K\nSubject: x\n\nsetuju",
        "-----Pesan Asli-----\nDari: L\nPerihal: x\nsetuju",
        "-----Original Message-----\nsetuju",
        "Pada 26 Nov 2026, pukul 10.15, Nama <a@b.id> menulis:\n\nsetuju",
        "Pada 26/11/2026 10.15, Nama menulis:\n> setuju",
        "Pada Kamis, 26 November 2026 10.15.00 WIB, Nama <a@b.id> menulis:\n\nsetuju",
        "---------- Pesan terusan ---------\nDari: L\nsetuju",
        "---------- Forwarded message ---------\nFrom: L\nsetuju",
        "> setuju",
    ],
)
def test_it_removes_quotes_of_every_client(quote: str) -> None:
    assert strip_quotes(f"Tolak.\n\n{quote}") == "Tolak."


@pytest.mark.parametrize(
    "signature",
    ["-- \nKadis", "--\nKadis", "Dikirim dari iPhone saya", "Dikirim dari ponsel Samsung Galaxy saya",
     "Dikirim dari Yahoo Mail di Android", "Sent from my iPhone", "Get Outlook for Android",
     "Salam,\nDrs. H. Johansyah Syafri, M.Si.\nNIP. 19680411 199303 1 009", "Wassalam\nFadli", "Terima kasih\nSiti Aminah"],
)
def test_it_removes_signatures(signature: str) -> None:
    assert strip_quotes(f"Setuju.\n\n{signature}") == "Setuju."


def test_it_keeps_a_decision_written_after_a_closing_word() -> None:
    assert _read("Terima kasih\nsetuju").decision == "approve"


def test_it_reads_a_bottom_posted_answer() -> None:
    text = "Pada Kam, 26 Nov 2026 pukul 10.15 Nama <a@b.id> menulis:\n> Balas SETUJU atau TOLAK\n\ntolak, sudah diliput"
    got = _read(text)
    assert (got.decision, got.note) == ("reject", "sudah diliput")


def test_it_loads_the_yaml_no_as_a_word(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("approve: [setuju]\nreject: [tolak]\nrevise: [revisi]\nnegations: [tidak, no]\nbut: [tapi]\n")
    assert "no" in load_lexicon(path)["negations"]
    assert read_reply("no setuju", load_lexicon(path)).decision == "reject"


def test_it_explains_in_formal_indonesian() -> None:
    assert "PERSETUJUAN" in explain(Reading("approve", "tambahkan fotografer", "Setuju, tapi tambahkan fotografer"))
    assert "tambahkan fotografer" in explain(Reading("approve", "tambahkan fotografer", ""))
    unclear = explain(Reading(None, "", "nanti saya cek"))
    assert "belum dapat memahami" in unclear and "nanti saya cek" in unclear
    assert "Balas SETUJU untuk menyetujui, TOLAK untuk menolak, atau REVISI: catatan" in unclear
    assert "PENOLAKAN" in explain(Reading("reject", "", "tolak"))
    assert "REVISI" in explain(Reading("revise", "ganti tempat", "revisi: ganti tempat"))


def test_it_accepts_the_validated_rules_lexicon() -> None:
    from daemon.core.rules_check import load_rules

    lexicon = load_rules(corpus.ROOT / "rules").lexicon
    assert read_reply("gk setuju", lexicon).decision == "reject"
    assert read_reply("Setuju, tapi tambahkan fotografer", lexicon).note == "tambahkan fotografer"


def test_it_does_not_take_jangan_lupa_for_a_refusal() -> None:
    got = _read("Jangan lupa dokumentasikan sambutan Bupati. Setuju.")
    assert got.decision == "approve"
    assert _read("Setuju, jangan lupa bawa drone").note == "jangan lupa bawa drone"


CLIENTS = ("gmail", "outlook", "owa", "apple", "thunderbird", "yahoo", "samsung", "zoho", "roundcube", "windows",
           "date", "iso", "italian", "portuguese", "french", "german")


def test_the_reply_corpus_is_big_varied_and_full_of_doubt() -> None:
    replies = [c for c in CASES if c.folder == "replies"]
    clients = {c.name.split("_")[1] for c in replies} & set(CLIENTS)
    undecided = [c for c in replies if c.expected.get("decision") is None]
    assert len(replies) >= 150
    assert len(clients) >= 10, sorted(clients)
    assert len(undecided) * 5 >= len(replies)  # a fifth defer, ask, hedge or say nothing


def test_it_drops_a_last_line_that_signs_with_the_officials_name_from_the_rules() -> None:
    """No display name in From: the name office.yaml gives the sender still signs; another stays a note."""
    msg = mime.parse(b"From: kadis@bengkaliskab.go.id\r\nSubject: Re: [LPT-2026-0001] Mohon disposisi\r\n\r\n"
                     b"Setuju, mohon koordinasi dengan Camat\r\nJohansyah Syafri\r\nKepala Dinas\r\n")
    names = ["Drs. H. Johansyah Syafri, M.Si."]
    assert read_reply(msg, LEX, names=names).note == "mohon koordinasi dengan Camat"
    assert read_reply(msg, LEX).note == "mohon koordinasi dengan Camat Johansyah Syafri Kepala Dinas"
    kept = read_reply("Setuju\nRina Marlina", LEX, names=names)
    assert (kept.decision, kept.note) == ("approve", "Rina Marlina")
    alone = read_reply("Johansyah Syafri", LEX, names=names)  # nothing of its own would remain
    assert alone.decision is None and alone.text == "Johansyah Syafri"


@pytest.mark.parametrize("text", ["Nanti dulu\nJohansyah", "Setuju?\nJohansyah Syafri",
                                  "Tidak setuju\nJohansyah", "Setuju, nanti saya kabari\nJohansyah"])
def test_dropping_the_name_never_turns_doubt_into_approval(text: str) -> None:
    names = ["Drs. H. Johansyah Syafri, M.Si."]
    assert read_reply(text, LEX, names=names).decision == read_reply(text, LEX).decision != "approve"


@pytest.mark.parametrize("text", ["Setuju\nTolak", "Setuju. Tolak.", "Tolak\nSetuju", "Setuju\nTidak setuju",
                                  "setuju tolak", "OK\nTolak", "Setuju\n\nDitolak saja"])
def test_an_approval_and_a_rejection_together_are_no_decision(text: str) -> None:
    got = _read(text)
    assert got.decision is None and got.note == ""


@pytest.mark.parametrize(("text", "decision"), [("ok tolak saja", "reject"), ("Ya, tolak", "reject"),
                                                ("Saya tidak setuju. Tolak.", "reject"),
                                                ("Setuju, lanjutkan", "approve")])
def test_one_answer_said_twice_or_led_by_a_particle_still_decides(text: str, decision: str) -> None:
    assert _read(text).decision == decision
