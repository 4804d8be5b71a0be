"""A request letter forwarded whole (message/rfc822) goes as it came when SMTP carries it unchanged
(7-bit, lines of at most 998 characters, no NUL): byte for byte, its line ends CRLF. Any other
(8-bit text, a bare CR, a long line, a NUL) is parsed and re-serialized, as before (8-bit text
re-encoded to 7 bit)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from daemon.mail import outgoing


def original(body: str, *, cte: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Camat Bantan <camat@bantan.go.id>"
    msg["To"] = "liputan@bengkaliskab.go.id"
    msg["Subject"] = "Permohonan peliputan Musrenbang Kecamatan Bantan"
    msg["Message-ID"] = "<surat-1@bantan.go.id>"
    msg.set_content(body, cte=cte) if cte else msg.set_content(body)
    msg.add_attachment(b"%PDF-1.4 surat" * 40, maintype="application", subtype="pdf",
                       filename="surat.pdf")
    return msg.as_bytes(policy=email.policy.SMTP)


def build(raw: bytes) -> bytes:
    return outgoing.build_message(
        sender="Liputan Diskominfotik <liputan@bengkaliskab.go.id>", to=["kadis@bengkaliskab.go.id"],
        subject="[LPT-2026-0001] Mohon disposisi", text="Yth. Bapak Kepala Dinas", html=None,
        attachments=[("Surat-Permohonan-LPT-2026-0001.eml", "message/rfc822", raw)], cc=[],
        message_id="<t@bengkaliskab.go.id>", in_reply_to=None, references=[], reply_to=None,
        kind="task", extra_headers={}).as_bytes()


def forwarded(built: bytes) -> EmailMessage:
    msg = email.message_from_bytes(built, policy=email.policy.default)
    (part,) = [p for p in msg.iter_attachments() if p.get_content_type() == "message/rfc822"]
    assert part.get_filename() == "Surat-Permohonan-LPT-2026-0001.eml"
    return part.get_content()


def test_a_7bit_letter_is_forwarded_byte_for_byte():
    raw = original("Dengan hormat,\nMohon diliput kegiatan kami.\n")
    built = build(raw)
    assert raw in built  # as it came: no header refolded, no part re-encoded
    inner = forwarded(built)
    assert inner["Message-ID"] == "<surat-1@bantan.go.id>"
    assert "Mohon diliput" in inner.get_body(("plain",)).get_content()
    (pdf,) = inner.iter_attachments()
    assert pdf.get_content() == b"%PDF-1.4 surat" * 40


def test_bare_lf_line_ends_become_crlf():
    raw = original("Dengan hormat,\nMohon diliput.\n").replace(b"\r\n", b"\n")
    built = build(raw)
    assert raw.replace(b"\n", b"\r\n") in built
    assert b"\n" not in built.replace(b"\r\n", b"")  # no bare LF anywhere
    assert forwarded(built)["Subject"].startswith("Permohonan peliputan")


@pytest.mark.parametrize("raw", [
    original("Dengan hormat, Kecamatan Bantan — mohon diliput.\n", cte="8bit"),  # 8-bit UTF-8
    original("Dengan hormat,\nMohon diliput.\n").replace(b"hormat,", b"hormat,\rtanpa"),  # bare CR
    original("Dengan hormat,\n" + "x" * 1200 + "\n", cte="7bit").replace(b"\r\n", b"\n"),  # 1,200 chars
], ids=["8bit", "bare-cr", "long-line"])
def test_what_smtp_would_change_is_parsed_and_re_serialized(raw: bytes):
    assert outgoing._as_smtp_text(raw) is None
    built = build(raw)
    assert built.isascii()
    if not raw.isascii():  # the 8-bit text re-encoded (quoted-printable or base64)
        assert b"\xe2\x80\x94" not in built
    inner = forwarded(built)
    assert inner["Message-ID"] == "<surat-1@bantan.go.id>"
    assert "Dengan hormat" in inner.get_body(("plain",)).get_content()


def test_a_nul_byte_is_never_forwarded_raw():
    raw = original("Dengan hormat,\nMohon diliput.\n").replace(b"Mohon", b"Mo\x00hon")
    assert outgoing._as_smtp_text(raw) is None
    assert forwarded(build(raw))["Message-ID"] == "<surat-1@bantan.go.id>"


def test_a_7bit_letter_is_not_parsed_again(monkeypatch):
    """The raw path's point: building the task mail reads no MIME (a third of its CPU)."""
    raw = original("Dengan hormat,\nMohon diliput.\n")

    def parse(*args, **kwargs):
        raise AssertionError("the forwarded letter was parsed")

    monkeypatch.setattr(email, "message_from_bytes", parse)
    built = build(raw)
    monkeypatch.undo()
    assert forwarded(built)["Message-ID"] == "<surat-1@bantan.go.id>"
