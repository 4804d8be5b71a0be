"""The outbox against a real SMTP server (aiosmtpd): delivered once, retried, failed loudly."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta
from typing import Callable

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.config import Config
from daemon.core.models import Outbox
from daemon.devservers import free_port
from daemon.devservers.smtp import SmtpCapture
from daemon.mail import mime
from daemon.mail.outbox import OutboxWorker, retry_delay, utcnow
from daemon.mail.outgoing import enqueue, make_message_id

pytestmark = pytest.mark.integration

SENDER = "Liputan Diskominfotik <liputan@bengkaliskab.go.id>"
KABID = "kabid.ikp@bengkaliskab.go.id"


def queue(factory: sessionmaker[Session], n: int = 0, **kw: object) -> Outbox:
    args = dict(kind="task", sender=SENDER, to=[f"Kabid IKP <{KABID}>"],
                subject=f"[LPT-2026-{n:04d}] Disposisi permohonan liputan",
                text="Mohon disposisi atas permohonan liputan berikut.")
    args.update(kw)
    with factory() as s, s.begin():
        return enqueue(s, **args)  # type: ignore[arg-type]


def row(factory: sessionmaker[Session], row_id: int) -> Outbox:
    with factory() as s:
        r = s.get(Outbox, row_id)
        assert r is not None
        return r


def make_due(factory: sessionmaker[Session]) -> None:
    """Let the retry time pass."""
    with factory() as s, s.begin():
        s.execute(update(Outbox).where(Outbox.status == "queued")
                  .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def test_it_delivers_once_after_a_temporary_451(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    queued = queue(factory, 1)
    smtp.fail_next(451)
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 0
    first = row(factory, queued.id)
    assert (first.status, first.attempts) == ("queued", 1)
    assert "451" in (first.last_error or "")
    assert first.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert worker.run_once() == 0  # not due yet
    make_due(factory)
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    assert len(smtp.messages) == 1
    got = smtp.messages[0]
    msg = parsed(got.data)
    assert msg["Message-ID"] == queued.message_id
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Liputan-Kind"] == "task"
    assert msg["Precedence"] is None
    assert got.rcpt_tos == [KABID] and got.mail_from == "liputan@bengkaliskab.go.id"
    assert got.auth_user == "liputan@bengkaliskab.go.id"
    done = row(factory, queued.id)
    assert done.status == "sent" and done.sent_at is not None and done.attempts == 2


def test_it_fails_at_once_on_550_and_alerts_the_operator(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    queued = queue(factory, 2)
    smtp.fail_next(550, message="No such user")
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 1  # the alert goes out in the same round
    failed = row(factory, queued.id)
    assert failed.status == "failed" and failed.attempts == 1 and "550" in (failed.last_error or "")
    with factory() as s:
        alerts = list(s.scalars(select(Outbox).where(Outbox.kind == "alert")))
    assert len(alerts) == 1 and alerts[0].status == "sent"
    assert alerts[0].recipients == [config.office.operator]
    [got] = smtp.messages
    assert got.rcpt_tos == [config.office.operator]
    body = mime.body_text(parsed(got.data))
    assert "tidak dapat dikirim" in body and queued.message_id in body


def test_a_recipient_refused_while_others_accept_is_reported_to_the_operator(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    queued = queue(factory, 5, to=["nobody@bengkaliskab.go.id", KABID])
    smtp.fail_next(550, message="No such user", stage="RCPT")
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 2  # the message to the Kabid, then the alert
    sent = row(factory, queued.id)
    assert sent.status == "sent" and "nobody@bengkaliskab.go.id" in (sent.last_error or "")
    assert smtp.messages[0].rcpt_tos == [KABID]
    alert = parsed(smtp.messages[1].data)
    assert smtp.messages[1].rcpt_tos == [config.office.operator]
    assert "sebagian penerimanya" in mime.body_text(alert)


def test_it_does_not_alert_about_a_failed_alert(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    queue(factory, 3, kind="alert")
    smtp.fail_next(550)
    assert OutboxWorker(config, factory).run_once() == 0
    with factory() as s:
        assert [r.status for r in s.scalars(select(Outbox))] == ["failed"]


def test_it_gives_up_after_max_attempts_when_its_recipient_keeps_saying_later(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    queued = queue(factory, 4)
    smtp.fail_next(450, times=config.smtp.max_attempts, stage="RCPT", message="Mailbox full")
    worker = OutboxWorker(config, factory)
    for _ in range(config.smtp.max_attempts):
        worker.run_once()
        make_due(factory)
    assert row(factory, queued.id).status == "failed"
    assert not worker.health.failing  # the server answered: only this mail is refused
    with factory() as s:
        assert s.scalar(select(Outbox).where(Outbox.kind == "alert")) is not None


def test_a_failing_server_never_uses_up_a_mails_attempts(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    """421 (and a 4xx to MAIL or DATA) is the server's trouble: retried for as long as it lasts,
    at the probe's pace (at most [smtp] retry_max_seconds), and one round tries one mail only."""
    first, second = queue(factory, 4), queue(factory, 6)
    smtp.fail_next(421, times=config.smtp.max_attempts + 2, stage="MAIL")
    worker = OutboxWorker(config, factory)
    for _ in range(config.smtp.max_attempts + 2):
        assert worker.run_once() == 0
        make_due(factory)
    rows = [row(factory, first.id), row(factory, second.id)]
    assert [r.status for r in rows] == ["queued", "queued"]
    assert sum(r.attempts for r in rows) == config.smtp.max_attempts + 2  # one attempt a round
    assert all(r.next_attempt_at <= utcnow() + timedelta(seconds=1) for r in rows)  # made due above
    assert worker.health.failing and "421" in (worker.health.error or "")
    assert worker.health.check()["ok"] is False
    assert worker.run_once() == 2 and len(smtp.messages) == 2
    assert not worker.health.failing and worker.health.check()["ok"] is True
    with factory() as s:
        assert s.scalar(select(Outbox).where(Outbox.kind == "alert")) is None


def test_it_retries_later_when_the_server_is_down(
        make_config: Callable[..., Config], factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    port = free_port()
    cfg = make_config(smtp_port=port)
    queued = queue(factory, 5)
    worker = OutboxWorker(cfg, factory)
    assert worker.run_once() == 0
    waiting = row(factory, queued.id)
    assert waiting.status == "queued" and waiting.attempts == 1
    assert "connect" in (waiting.last_error or "").lower()
    with SmtpCapture(port=port) as server:
        make_due(factory)
        assert worker.run_once() == 1
        assert len(server.messages) == 1
    assert row(factory, queued.id).status == "sent"


def test_two_workers_never_send_the_same_row(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    ids = {queue(factory, 100 + n).message_id for n in range(20)}
    workers = [OutboxWorker(config, factory) for _ in range(3)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    got = [parsed(m.data)["Message-ID"] for m in smtp.messages]
    assert sorted(got) == sorted(ids)
    with factory() as s:
        assert {r.status for r in s.scalars(select(Outbox))} == {"sent"}


def test_enqueue_builds_a_full_message_and_is_idempotent(factory: sessionmaker[Session]) -> None:
    mid = make_message_id("bengkaliskab.go.id", "lpt-2026-0007 tugas")
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    first = queue(factory, 7, message_id=mid, html="<p>Mohon <b>disposisi</b></p>",
                  cc=["sekdis@bengkaliskab.go.id"], in_reply_to="<surat-1@desa.id>",
                  references=["<surat-1@desa.id>"], reply_to="liputan@bengkaliskab.go.id",
                  attachments=[("Surat Permohonan – Camat Bantan.pdf", "application/pdf", b"%PDF-1.4"),
                               ("undangan.ics", "text/calendar; method=REQUEST", ics)],
                  extra_headers={"X-Liputan-Request": "LPT-2026-0007"})
    again = queue(factory, 7, message_id=mid, text="lain")
    assert again.id == first.id
    assert mid.startswith("<lpt-2026-0007-tugas.") and mid.endswith("@bengkaliskab.go.id>")
    stored = row(factory, first.id)
    assert stored.recipients == [KABID, "sekdis@bengkaliskab.go.id"]
    raw = stored.raw
    assert max(raw) < 128, "the message must be 7-bit clean"
    msg = parsed(raw)
    assert msg["Message-ID"] == mid and msg["In-Reply-To"] == "<surat-1@desa.id>"
    assert msg["Cc"] == "sekdis@bengkaliskab.go.id" and msg["X-Liputan-Request"] == "LPT-2026-0007"
    assert msg["Date"] is not None
    names = [a.filename for a in mime.attachments(msg)]
    assert "Surat Permohonan – Camat Bantan.pdf" in names and "undangan.ics" in names
    assert b"filename*=utf-8''Surat" in raw
    cal = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert cal and cal[0].get_param("method") == "REQUEST"
    plain, html = mime.text_parts(msg)
    assert plain and "disposisi" in plain and html and "<b>disposisi</b>" in html


def test_retry_delays_double_up_to_an_hour() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(30).total_seconds() == 3600


def test_the_loop_sends_when_woken_and_stops_on_request(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    import asyncio

    async def scenario() -> float:
        stop, wake = asyncio.Event(), asyncio.Event()
        # the loop's own pause is 10 minutes: only the wake-up sends and only the stop ends it
        task = asyncio.create_task(OutboxWorker(config, factory).run(stop, wake, interval=600))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(queue, factory, 9)
        wake.set()
        deadline = asyncio.get_running_loop().time() + 60  # a generous cap, far below the pause
        while not smtp.messages and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        sent = len(smtp.messages)
        stop.set()
        await asyncio.wait_for(task, 60)  # raises if the loop waited for its pause
        return sent

    assert asyncio.run(scenario()) == 1  # sent on the wake-up, not after the pause
    assert len(smtp.messages) == 1
