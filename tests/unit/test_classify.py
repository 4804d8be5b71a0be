"""Classification of the reader corpus and of hand-made edge cases."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from daemon.mail import mime
from daemon.reading.classify import classify, find_tag

try:
    from . import corpus
except ImportError:
    import corpus  # type: ignore[no-redef]

CASES = corpus.cases()
KINDS = {"request", "reply", "auto_reply", "bounce", "list", "unknown"}


def test_it_has_an_expectation_for_every_corpus_message() -> None:
    assert corpus.unlisted() == []
    assert len(CASES) >= 45


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_it_classifies_the_corpus(case: corpus.Case) -> None:
    got = classify(mime.parse(case.raw), corpus.OUR_DOMAIN)
    exp = case.expected
    assert got.kind == exp["kind"], got.reason
    for field in ("tag", "references", "bounced_message_ids", "failed_recipients"):
        if field in exp:
            assert getattr(got, field) == (exp[field] if exp[field] is not None else None), field


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_it_classifies_the_same_without_our_domain(case: corpus.Case) -> None:
    assert classify(mime.parse(case.raw)).kind == case.expected["kind"]


def _msg(subject: str, body: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Bagian Umum Setda <umum.setda@bengkaliskab.go.id>")
    msg["To"] = "liputan@bengkaliskab.go.id"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_it_reads_a_forwarded_letter_as_a_request() -> None:
    body = (
        "Mohon ditindaklanjuti.\n\n---------- Pesan terusan ---------\nDari: Camat Bantan <camat.bantan@bengkaliskab.go.id>\n"
        "Tanggal: Sen, 30 Nov 2026\nSubjek: Permohonan peliputan\n\nDengan hormat, mohon kiranya dapat meliput acara\n"
        "Hari/Tanggal : Senin, 7 Desember 2026\nTempat : Aula Kantor Camat Bantan\n"
    )
    got = classify(_msg("TRS: Permohonan peliputan Musrenbang", body, In_Reply_To="<abc@kantor-camat.example>"))
    assert got.kind == "request", got.reason


def test_it_reads_a_forward_carrying_our_tag_as_a_reply() -> None:
    got = classify(_msg("Fwd: [LPT-2026-0007] Disposisi", "---------- Forwarded message ---------\nacara"))
    assert (got.kind, got.tag) == ("reply", "LPT-2026-0007")


def test_it_reads_a_request_with_a_pdf_as_a_request() -> None:
    msg = _msg("Surat", "Terlampir.")
    msg.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="surat.pdf")
    assert classify(msg).kind == "request"


def test_it_reads_a_letter_answering_a_foreign_thread_as_a_request_when_it_knows_our_domain() -> None:
    msg = _msg("RE: undangan", "Mohon diliput acara pelantikan.", In_Reply_To="<x@kecamatan.example>")
    assert classify(msg, corpus.OUR_DOMAIN).kind == "request"
    assert classify(msg).kind == "reply"


def test_it_reads_a_reply_subject_with_quotes_as_a_reply() -> None:
    msg = _msg("BLS: pertanyaan", "Baik.\n\nPada Sen, 30 Nov 2026 pukul 09.00 A <a@b.c> menulis:\n> halo")
    assert classify(msg).kind == "reply"


def test_it_reads_plain_chatter_as_unknown() -> None:
    assert classify(_msg("Halo", "Apa kabar?")).kind == "unknown"


def test_it_does_not_take_a_busy_official_for_an_auto_reply() -> None:
    msg = _msg("Re: [LPT-2026-0025] Disposisi", "setuju, saya sedang dinas luar tapi lanjutkan")
    assert classify(msg).kind == "reply"


def test_it_takes_a_short_leave_notice_for_an_auto_reply() -> None:
    msg = _msg("Re: [LPT-2026-0025] Disposisi", "Saya sedang cuti sampai 7 Desember 2026.")
    assert classify(msg).kind == "auto_reply"


def test_it_prefers_bounce_over_auto_reply() -> None:
    msg = _msg("Undelivered Mail Returned to Sender", "gagal", From="MAILER-DAEMON@mx.example", Auto_Submitted="auto-replied")
    assert classify(msg).kind == "bounce"


def test_it_ignores_auto_submitted_no() -> None:
    assert classify(_msg("Re: [LPT-2026-0001] x", "setuju", Auto_Submitted="no")).kind == "reply"


@pytest.mark.parametrize(
    ("subject", "tag"),
    [("BLS: [LPT-2026-0001] Disposisi", "LPT-2026-0001"), ("re: lpt-2026-0042", "LPT-2026-0042"), ("Halo", None)],
)
def test_it_finds_the_tag_anywhere_in_the_subject(subject: str, tag: str | None) -> None:
    assert find_tag(subject) == tag


def test_it_never_raises_on_a_broken_message() -> None:
    class Broken(EmailMessage):
        def get_content_type(self) -> str:
            raise RuntimeError("boom")

    got = classify(Broken())
    assert got.kind == "unknown" and "boom" in got.reason
    assert classify(None).kind in KINDS  # type: ignore[arg-type]
