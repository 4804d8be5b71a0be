"""Issue 8, false approvals: a reply that defers, asks or hedges never approves, whatever the client
did to the quote of our own mail below it."""

from __future__ import annotations

import html
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.core.lexicon import normalise_lexicon
from daemon.reading.decisions import read_text
from daemon.reading.quotes import strip_quotes
from daemon.reading.replies import load_lexicon, read_reply

try:
    from . import corpus
except ImportError:
    import corpus  # type: ignore[no-redef]

LEX = load_lexicon(corpus.lexicon_path())
TASK, SUBJECT, OURS, KADIS = corpus.TASK, corpus.SUBJECT, corpus.OURS, corpus.KADIS
ADDR = "liputan@bengkaliskab.go.id"
WIB = ZoneInfo("Asia/Jakarta")

# Every attribution or header block a client puts above the quote; {s} is the subject.
ATTRIBUTIONS = {
    "gmail_id": f"Pada Sen, 30 Nov 2026 pukul 08.05 {OURS} menulis:",
    "gmail_id_wrapped": f"Pada tanggal Sen, 30 Nov 2026 pukul 08.05, Liputan Diskominfotik <\n{ADDR}> menulis:",
    "gmail_en": f"On Mon, Nov 30, 2026 at 8:05 AM {OURS} wrote:",
    "outlook_id": f"________________________________\nDari: {OURS}\nDikirim: Senin, 30 November 2026 08.05\n"
                  f"Kepada: Kepala Dinas <{KADIS}>\nSubjek: {{s}}",
    "outlook_id_old": f"-----Pesan Asli-----\nDari: {OURS}\nTerkirim: Senin, 30 November 2026 08.05\n"
                      f"Kepada: {KADIS}\nPerihal: {{s}}",
    "outlook_en": f"________________________________\nFrom: {OURS}\nSent: Monday, November 30, 2026 8:05 AM\n"
                  f"To: Kepala Dinas <{KADIS}>\nSubject: {{s}}",
    "outlook_en_old": f"-----Original Message-----\nFrom: {OURS}\nSent: Monday, November 30, 2026 8:05 AM\n"
                      f"To: {KADIS}\nSubject: {{s}}",
    "outlook_de": f"________________________________\nVon: {OURS}\nGesendet: Montag, 30. November 2026 08:05\n"
                  f"An: Kepala Dinas <{KADIS}>\nBetreff: {{s}}",
    "outlook_de_old": f"-----Ursprüngliche Nachricht-----\nVon: {OURS}\nGesendet: Montag, 30. November 2026 08:05\n"
                      f"An: {KADIS}\nBetreff: {{s}}",
    "outlook_fr": f"________________________________\nDe : {OURS}\nEnvoyé : lundi 30 novembre 2026 08:05\n"
                  f"À : Kepala Dinas <{KADIS}>\nObjet : {{s}}",
    "outlook_fr_old": f"-------- Message d'origine --------\nDe : {OURS}\nDate : 30/11/2026 08:05 (GMT+07:00)\n"
                      f"À : {KADIS}\nObjet : {{s}}",
    "outlook_nl": f"________________________________\nVan: {OURS}\nVerzonden: maandag 30 november 2026 08:05\n"
                  f"Aan: Kepala Dinas <{KADIS}>\nOnderwerp: {{s}}",
    "outlook_nl_old": f"-----Oorspronkelijk bericht-----\nVan: {OURS}\nVerzonden: maandag 30 november 2026 08:05\n"
                      f"Aan: {KADIS}\nOnderwerp: {{s}}",
    "outlook_it": f"________________________________\nDa: {OURS}\nInviato: lunedì 30 novembre 2026 08:05\n"
                  f"A: Kepala Dinas <{KADIS}>\nOggetto: {{s}}",
    "outlook_pt": f"________________________________\nDe: {OURS}\nEnviado: segunda-feira, 30 de novembre de 2026 "
                  f"08:05\nPara: Kepala Dinas <{KADIS}>\nAssunto: {{s}}",
    "apple_id": f"Pada 30 Nov 2026, pukul 08.05, {OURS} menulis:",
    "thunderbird_id": "Pada 30/11/2026 08.05, Liputan Diskominfotik menulis:",
    "thunderbird_en": "On 11/30/2026 8:05 AM, Liputan Diskominfotik wrote:",
    "zoho": f"---- On Mon, 30 Nov 2026 08:05:00 +0700 {OURS} wrote ----",
    "date_first": f'30.11.2026, 08.05, "Liputan Diskominfotik" <{ADDR}>:',
    "iso": f"2026-11-30 8:05 GMT+07:00 {OURS}:",
    "german_am": f"Am Mo., 30. Nov. 2026 um 08:05 Uhr schrieb {OURS}:",
    "french_le": f"Le lun. 30 nov. 2026 à 08:05, {OURS} a écrit :",
    "dutch_op": f"Op ma 30 nov. 2026 om 08:05 schreef {OURS}:",
    "italian_il": f"Il giorno lun 30 nov 2026 alle ore 08:05 {OURS} ha scritto:",
    "portuguese_em": f"Em seg., 30 de nov. de 2026 às 08:05, {OURS} escreveu:",
    "apple_nl": f"Op 30 nov. 2026 om 08:05 heeft {OURS} het volgende geschreven:",
    "yahoo_id": f"Pada Senin, 30 November 2026 08.05.12 WIB, {OURS} menulis:",
    "samsung_id": f"-------- Pesan asli --------\nDari: {OURS}\nTanggal: 30/11/2026 08:05 (GMT+07:00)\n"
                  f"Ke: Kepala Dinas <{KADIS}>\nSubjek: {{s}}",
    # clients added with the third part of the reply corpus (tests/data/make_replies_more.py)
    "outlook_es": f"________________________________\nDe: {OURS}\nEnviado: lunes, 30 de noviembre de 2026 8:05\n"
                  f"Para: Kepala Dinas <{KADIS}>\nAsunto: {{s}}",
    "windows_mail": f"________________________________\nDari: {OURS}\nDikirim: 30 November 2026 8:05\n"
                    f"Kepada: {KADIS}\nSubjek: {{s}}",
    "roundcube": "On 2026-11-30 08:05, Liputan Diskominfotik wrote:",
    "apple_en": f"On 30 Nov 2026, at 08:05, {OURS} wrote:",
    "samsung_en": f"-------- Original message --------\nFrom: {OURS}\nDate: 30/11/2026 08:05 (GMT+07:00)\n"
                  f"To: {KADIS}\nSubject: {{s}}",
}


def quoted_reply(own: str, style: str, prefix: str = "> ", signature: str = "") -> EmailMessage:
    """A reply as tests/harness.py reply() builds it, quoting our task mail under `style`'s attribution."""
    head = ATTRIBUTIONS[style].format(s=SUBJECT)
    quoted = "\n".join(prefix + ln if prefix else ln for ln in TASK.splitlines())
    body = own + (("\n\n" + signature) if signature else "") + "\n\n" + head + "\n" + quoted + "\n"
    msg = EmailMessage()
    msg["From"] = f"Kepala Dinas <{KADIS}>"
    msg["To"] = OURS
    msg["Subject"] = "Re: " + SUBJECT
    msg["Date"] = format_datetime(datetime(2026, 11, 30, 9, 0, tzinfo=WIB))
    msg["Message-ID"] = "<reply.1@bengkaliskab.go.id>"
    msg["In-Reply-To"] = "<lpt-2026-0001.s2.f411fdfa05b0a64c@bengkaliskab.go.id>"
    msg.set_content(body)
    return msg


def html_reply(own: str, style: str) -> EmailMessage:
    """An HTML-only reply from a phone or webmail: Outlook's reply header, Gmail's or Apple's blockquote."""
    quoted = "<br>".join(html.escape(ln) for ln in TASK.splitlines())
    head = html.escape(ATTRIBUTIONS[style].format(s=SUBJECT)).replace("\n", "<br>")
    if style.startswith("outlook"):
        body = (f"<div>{html.escape(own)}</div><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\">"
                f"{head}</div><div>{quoted}</div>")
    elif style.startswith("apple"):
        body = f"<div>{html.escape(own)}</div><div><br><blockquote type=\"cite\">{head}<br>{quoted}</blockquote></div>"
    else:
        body = (f"<div dir=\"ltr\">{html.escape(own)}</div><br><div class=\"gmail_quote\"><div class=\"gmail_attr\">"
                f"{head}</div><blockquote class=\"gmail_quote\">{quoted}</blockquote></div>")
    msg = quoted_reply("", style)
    msg.set_content(f"<html><body>{body}</body></html>", subtype="html")
    return msg


def decision(text: str) -> str | None:
    return read_text(text, LEX).decision


# ---- (a) the findings, one test each ---------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Nanti saya cek dulu ya",
    "Nanti saya cek dulu ya pak",
    "ok, nanti saya kabari",
    "Siap, saya pelajari dulu",
    "Ya, tunggu konfirmasi camat",
    "Oke pak, saya pertimbangkan dulu",
    "sip, saya cek jadwal beliau dulu",
    "Baik, nanti saya kabari",
])
def test_it_does_not_approve_with_a_particle_inside_a_deferral(text: str) -> None:
    assert decision(text) is None


@pytest.mark.parametrize("text", [
    "Setuju? Bukannya acara ini sudah dibatalkan?",
    "Setuju?",
    "Apakah sudah disetujui Sekdis",
    "Bukankah ini sudah acc kemarin",
    "Kenapa saya yang harus setuju",
    "Mengapa tidak langsung lanjut saja?",
    "Bagaimana kalau diliput saja, ok?",
    "Ok?",
])
def test_it_does_not_take_a_question_as_a_decision(text: str) -> None:
    assert decision(text) is None


@pytest.mark.parametrize("text", [
    "Nanti saya setujui",
    "Setuju, nanti saya kabari timnya",
    "Tunggu dulu, saya setujui setelah rapat",
    "Belum, masih saya cek",
    "Setujui nanti setelah saya cek",
    "Akan saya pertimbangkan, lanjutkan nanti",
    "Saya pelajari dulu, acc besok",
    "Kabari saya dulu sebelum lanjut",
])
def test_it_does_not_approve_when_a_hedge_holds_it_back(text: str) -> None:
    assert decision(text) != "approve"


@pytest.mark.parametrize("text", ["ya", "Ya pak", "ok", "Oke.", "Siap", "sip pak", "OK lanjutkan", "ya, setuju",
                                  "Siap, lanjutkan!", "Setuju. Nanti tolong kabari hasilnya",
                                  "Setuju. Apakah fotografer sudah ada?"])
def test_it_still_approves_when_the_particle_is_the_answer(text: str) -> None:
    assert decision(text) == "approve"


@pytest.mark.parametrize(("text", "note"), [
    ("Setuju jika sudah ada surat resmi dari camat", "jika sudah ada surat resmi dari camat"),
    ("Setuju asal fotografer ikut", "asal fotografer ikut"),
    ("Setuju, asalkan tim cek lokasi dulu", "asalkan tim cek lokasi dulu"),
    ("Setuju dengan catatan: tunggu konfirmasi protokol", "tunggu konfirmasi protokol"),
    ("Disetujui apabila jadwal tidak bentrok", "apabila jadwal tidak bentrok"),
])
def test_it_approves_a_condition_with_the_condition_as_the_note(text: str, note: str) -> None:
    got = read_text(text, LEX)
    assert got.decision == "approve"
    assert corpus.normalised(got.note) == corpus.normalised(note)


def test_it_reads_an_old_lexicon_without_hedges_or_questions_safely() -> None:
    old = {k: v for k, v in LEX.items() if k in ("approve", "reject", "revise", "negations", "but")}
    assert read_text("Nanti saya cek dulu ya", old).decision is None
    assert read_text("Setuju? Bukannya sudah batal?", old).decision is None
    assert normalise_lexicon(old)["hedges"]


def test_it_loads_the_lexicon_schema_with_and_without_the_new_keys() -> None:
    from daemon.core.rules_lexicon import Lexicon
    Lexicon(approve=["setuju"], reject=["tolak"], revise=["revisi"])
    Lexicon(approve=["setuju"], reject=["tolak"], revise=["revisi"], hedges=["nanti"], questions=["apakah"],
            conditions=["jika"], particles=["ya"])


DEFERRING = "Nanti saya kabari, saya cek dulu jadwalnya."


@pytest.mark.parametrize("style", sorted(ATTRIBUTIONS))
@pytest.mark.parametrize("prefix", ["> ", ""], ids=["quoted", "bare"])
def test_it_removes_our_mail_quoted_by_every_client(style: str, prefix: str) -> None:
    got = read_reply(quoted_reply(DEFERRING, style, prefix), LEX)
    assert got.decision is None
    assert "SETUJU" not in got.text and "Yth" not in got.text, got.text


@pytest.mark.parametrize("style", sorted(ATTRIBUTIONS))
def test_it_still_reads_setuju_above_every_clients_quote(style: str) -> None:
    got = read_reply(quoted_reply("Setuju, tambahkan fotografer.", style, ""), LEX)
    assert (got.decision, corpus.normalised(got.note)) == ("approve", "tambahkan fotografer")


@pytest.mark.parametrize("signature", ["Gesendet von Outlook für Android", "Envoyé de mon iPhone",
                                       "Verstuurd vanaf mijn iPhone", "Von meinem iPhone gesendet",
                                       "Inviato da iPhone", "Enviado do meu iPhone", "Get Outlook for Android"])
def test_it_drops_foreign_sent_from_signatures(signature: str) -> None:
    assert strip_quotes(f"Setuju, tambahkan fotografer\n\n{signature}") == "Setuju, tambahkan fotografer"


@pytest.mark.parametrize("line", [
    "Balas SETUJU untuk menyetujui, TOLAK untuk menolak, atau REVISI: catatan untuk meminta perbaikan.",
    "- SETUJU untuk mendisposisikan permintaan peliputan ini kepada Kepala Bidang,",
    "SETUJU untuk mendisposisikan permintaan peliputan ini kepada Kepala Bidang,",
    "Balas surel ini dengan:",
    "- TOLAK untuk menolak (sertakan alasannya), atau",
    "- REVISI: catatan, untuk mengembalikan dengan catatan perbaikan.",
    'Untuk mengubah tim, tulis misalnya "Setuju. Tim: Andi, Rina (foto)".',
])
def test_it_takes_our_own_instruction_lines_as_quoted(line: str) -> None:
    assert read_reply(f"Saya cek dulu.\n{line}", LEX).decision is None
    assert read_reply(f"{line}\nNanti saya kabari", LEX).decision is None
    assert read_reply(line, LEX).decision is None


def test_it_still_reads_an_official_who_writes_setuju_untuk() -> None:
    assert read_reply("Setuju untuk diliput, tambahkan fotografer", LEX).decision == "approve"


def test_it_never_approves_from_a_whole_leaked_task_mail() -> None:
    """Our own task mail, unquoted and without attribution (a client we do not know)."""
    assert read_reply(DEFERRING + "\n\n" + TASK, LEX).decision is None


# ---- (b) property: non-approving sentence + any quote of our mail never approves ---------------
NON_APPROVING = [
    "Nanti saya cek dulu ya", "Nanti saya kabari, saya cek dulu jadwalnya.", "Saya pelajari dulu",
    "Tunggu konfirmasi dari camat", "Belum bisa saya putuskan", "Akan saya pertimbangkan",
    "Mohon tunggu, saya masih rapat", "Setuju? Bukannya acara ini sudah dibatalkan?",
    "Apakah acara ini jadi?", "Kenapa dikirim ke saya?", "Bagaimana dengan anggarannya?",
    "Bukankah ini sudah diliput minggu lalu?", "Mengapa mendadak sekali?", "ok, nanti saya kabari",
    "Siap, saya cek dulu", "Ya, tunggu sebentar", "Oke, saya pelajari dulu", "Sip, nanti dulu",
    "Tidak setuju", "tdk setuju, jadwal bentrok", "Tolak", "Jangan dulu", "Batal saja",
    "Belum setuju", "Saya belum sempat membaca", "Cek dulu ke protokol", "Nanti dulu ya",
    "Kabari saya setelah rapat", "Apakah fotografer sudah ada?", "Sebentar, saya cek",
]
FILLERS = ["", "pak", "bu", "ya", "mohon maaf", "terima kasih", "Yth.", "dik", "siap"]


def _casing(text: str, how: int) -> str:
    return (text, text.lower(), text.upper(), text.title())[how]


@st.composite
def non_approving_replies(draw: st.DrawFn) -> tuple[str, str, str]:
    sentence = _casing(draw(st.sampled_from(NON_APPROVING)), draw(st.integers(0, 3)))
    before = draw(st.sampled_from(FILLERS))
    after = draw(st.sampled_from(FILLERS))
    # a filler word never turns a sentence into an approval; keep "siap"/"ya" out of the end of a question
    own = " ".join(x for x in (before, sentence, "" if sentence.endswith("?") else after) if x)
    return own, draw(st.sampled_from(sorted(ATTRIBUTIONS))), draw(st.sampled_from(["> ", ">", ""]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(non_approving_replies(), st.sampled_from(["", "Dikirim dari iPhone saya", "Gesendet von Outlook für Android",
                                                 "Envoyé de mon iPhone", "--\nKepala Dinas"]))
def test_it_never_approves_a_non_approving_sentence_above_any_quote_of_our_mail(reply, signature) -> None:
    own, style, prefix = reply
    assert read_reply(quoted_reply(own, style, prefix, signature), LEX).decision != "approve", (own, style, prefix)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(non_approving_replies())
def test_it_never_approves_a_non_approving_sentence_above_an_html_quote_of_our_mail(reply) -> None:
    own, style, _ = reply
    assert read_reply(html_reply(own, style), LEX).decision != "approve", (own, style)


@pytest.mark.parametrize("style", ["outlook_de", "outlook_fr", "apple_id", "gmail_id", "outlook_nl"])
def test_it_reads_an_html_only_approval_above_our_quote(style: str) -> None:
    assert read_reply(html_reply("Setuju, tambahkan fotografer.", style), LEX).decision == "approve"
