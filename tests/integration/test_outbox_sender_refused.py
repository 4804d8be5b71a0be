"""A 5xx to MAIL FROM or AUTH is our sender's or account's trouble, not the mail's: every mail
stays queued and is retried at the probe's pace, `liputan status` and the log (once) say why, and
each mail goes out once when the server accepts again. A 5xx to RCPT TO still fails that mail."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon.app import status
from daemon.app.heartbeat import HeartbeatWriter
from daemon.core.config import Config
from daemon.core.models import Outbox
from daemon.devservers.smtp import SmtpCapture
from daemon.mail.health import MailboxHealth
from daemon.mail.outbox import OutboxWorker, utcnow
from daemon.mail.outgoing import enqueue

pytestmark = pytest.mark.integration

SENDER = "Liputan Diskominfotik <liputan@bengkaliskab.go.id>"
KABID = "kabid.ikp@bengkaliskab.go.id"


def queue(factory: sessionmaker[Session], n: int) -> int:
    with factory() as s, s.begin():
        return enqueue(s, kind="task", sender=SENDER, to=[f"Kabid IKP <{KABID}>"],
                       subject=f"[LPT-2026-{n:04d}] Disposisi permohonan liputan",
                       text="Mohon disposisi atas permohonan liputan berikut.").id


def rows(factory: sessionmaker[Session]) -> dict[int, Outbox]:
    with factory() as s:
        return {o.id: o for o in s.scalars(select(Outbox))}


def make_due(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        s.execute(update(Outbox).where(Outbox.status == "queued")
                  .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def outage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "daemon.mail.outbox" and r.levelno >= logging.WARNING]


@pytest.mark.parametrize("stage, words", [("MAIL", "refuses our sender"), ("AUTH", "refuses our login")])
def test_our_sender_or_login_refused_keeps_every_mail_queued_then_sends_each_once(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture,
        caplog: pytest.LogCaptureFixture, stage: str, words: str) -> None:
    caplog.set_level(logging.DEBUG, logger="daemon.mail.outbox")
    ids = [queue(factory, 1), queue(factory, 2)]
    smtp.fail_next(550 if stage == "MAIL" else 535, times=-1, stage=stage,
                   message="5.7.1 Sender address rejected: not owned by user")
    worker = OutboxWorker(config, factory)
    rounds = config.smtp.max_attempts + 2  # more than any one mail's attempts
    for _ in range(rounds):
        assert worker.run_once() == 0
        make_due(factory)
    got = rows(factory)
    assert [got[i].status for i in ids] == ["queued", "queued"], [got[i].last_error for i in ids]
    assert all(words in (got[i].last_error or "") for i in ids if got[i].attempts)
    assert not any(o.kind == "alert" for o in got.values())  # nothing failed, nobody alerted
    # retried at the probe's pace: never later than [smtp] retry_max_seconds
    with factory() as s, s.begin():
        s.execute(update(Outbox).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    worker.run_once()
    cap = utcnow() + timedelta(seconds=config.smtp.retry_max_seconds + 1)
    assert all(o.next_attempt_at <= cap for o in rows(factory).values())
    assert worker.health.failing and words in (worker.health.error or "")
    # `liputan status` names it, in English, with the server's answer
    HeartbeatWriter(config, factory, MailboxHealth(), smtp=worker.health).write()
    snap = status.read(config)
    [problem] = [p for p in snap["problems"] if p["code"] == "smtp_failing"]
    assert f"the SMTP server {config.smtp.host}:{config.smtp.port} {words}" in problem["message"]
    assert ("550" if stage == "MAIL" else "535") in problem["message"] and problem["count"] == 2
    assert snap["exit_code"] == status.FAILING
    # the log says it once for the whole outage
    warned = [m for m in outage_warnings(caplog) if "is failing" in m]
    assert len(warned) == 1 and words in warned[0], outage_warnings(caplog)
    # the server takes our mail again: each goes out once
    smtp.heal(stage)
    make_due(factory)
    assert worker.run_once() == 2
    sent = [m for m in smtp.messages if KABID in m.rcpt_tos]
    assert len(sent) == 2 and all(rows(factory)[i].status == "sent" for i in ids)
    assert not worker.health.failing
    assert any("takes mail again" in r.getMessage() for r in caplog.records)


def test_a_5xx_to_every_recipient_still_fails_that_mail_alone(
        config: Config, factory: sessionmaker[Session], smtp: SmtpCapture) -> None:
    refused, fine = queue(factory, 3), queue(factory, 4)
    smtp.fail_next(550, stage="RCPT", message="5.1.1 No such user")
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 2  # the other mail, then the operator's alert
    got = rows(factory)
    assert got[refused].status == "failed" and "550" in (got[refused].last_error or "")
    assert got[fine].status == "sent" and not worker.health.failing
