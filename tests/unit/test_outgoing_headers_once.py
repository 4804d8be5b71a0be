"""The headers every outgoing message repeats (MIME types, encodings, our sender and markers) are
parsed and folded once: the messages built are byte for byte those of the stock registry."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from email.headerregistry import BaseHeader, HeaderRegistry

import pytest

from daemon.mail import outgoing

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def build(policy, i: int) -> bytes:
    """A message as the daemon builds them: text and HTML, a letter, a calendar, an inline image;
    non-ASCII in the subject, the sender's name and a file name."""
    ours, outgoing.POLICY = outgoing.POLICY, policy
    try:
        return _build(i)
    finally:
        outgoing.POLICY = ours


def _build(i: int) -> bytes:
    msg = outgoing.build_message(
        sender="Liputan Diskominfotik <liputan@bengkaliskab.go.id>",
        to=[f"unit{i}@bengkaliskab.go.id", "Camat Bantan <camat@bantan.go.id>"],
        subject=f"[LPT-2026-{i:04d}] Mohon tindakan: Disposisi Kepala Dinas — “Musrenbang” nomor {i}",
        text="Yth. Bapak Kepala Dinas\n\n" + "Permohonan peliputan menunggu tindakan Bapak. " * 30,
        html="<p>" + "Permohonan peliputan menunggu tindakan Bapak.</p><p>" * 30 + "</p>",
        attachments=[(f"Lembar-Disposisi-LPT-2026-{i:04d}.docx", DOCX, b"PK\x03\x04" + bytes(range(256)) * 4),
                     (f"LPT-2026-{i:04d}.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
                     ("foto-1.jpg", "image/jpeg; cid=foto1.abc", b"\xff\xd8\xff" + bytes(300)),
                     ("Surat Permohonan Kecamatan Bantan (asli).pdf", "application/pdf", b"%PDF-1.4 " * 50)],
        cc=["kasi@bengkaliskab.go.id"], message_id=f"<lpt-2026-{i:04d}.s2.0123456789abcdef@bengkaliskab.go.id>",
        in_reply_to="<a@b>", references=["<a@b>", "<c@d>"], reply_to=None, kind="task",
        extra_headers={"X-Liputan-Request": f"LPT-2026-{i:04d}"})
    random.seed(i)  # the multipart boundaries
    return msg.as_bytes()


@pytest.fixture
def fixed_date(monkeypatch):
    monkeypatch.setattr(outgoing, "utcnow", lambda: datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc))


def test_messages_are_byte_identical_to_the_stock_registrys(fixed_date):
    stock = outgoing.POLICY.clone(header_factory=HeaderRegistry())
    for i in range(1, 6):  # the same headers met again: parsed and folded from the cache
        assert build(outgoing.POLICY, i) == build(stock, i)


def test_repeated_headers_are_parsed_once(fixed_date, monkeypatch):
    parsed: list[str] = []
    plain = BaseHeader.__new__

    def counted(cls, name, value):  # noqa: ANN001, ANN202
        parsed.append(name.lower())
        return plain(cls, name, value)

    monkeypatch.setattr(BaseHeader, "__new__", counted)
    policy = outgoing.POLICY.clone(header_factory=outgoing._Headers())
    build(policy, 1)
    assert {"mime-version", "from", "content-transfer-encoding", "content-type"} <= set(parsed)
    parsed.clear()
    build(policy, 2)
    assert not {"mime-version", "from", "content-transfer-encoding", "x-liputan-kind"} & set(parsed)
    assert {"subject", "message-id", "date", "to"} <= set(parsed)  # each message's own: every time


def test_the_cache_keeps_to_its_bound():
    factory = outgoing._Headers()
    for i in range(outgoing.SAME_MAX + 10):
        factory("Content-Disposition", f'attachment; filename="surat-{i}.pdf"')
    assert len(factory._made) <= outgoing.SAME_MAX
