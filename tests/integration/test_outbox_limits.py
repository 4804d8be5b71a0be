"""Notices to one address are rate-limited in the outbox (held, never lost); task mail is not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from daemon.core.models import Outbox
from daemon.mail.outbox import OutboxWorker, utcnow
from daemon.mail.outgoing import enqueue

pytestmark = pytest.mark.integration

SENDER = "Liputan Diskominfotik <liputan@bengkaliskab.go.id>"
UNIT = "tu.disdik@bengkaliskab.go.id"
OTHER = "camat.bantan@bengkaliskab.go.id"


def queue(factory, kind: str, to: str, n: int) -> None:
    with factory() as s, s.begin():
        enqueue(s, kind=kind, sender=SENDER, to=[to], subject=f"Pemberitahuan {kind} {n}",
                text="Surat Bapak/Ibu telah kami terima.")


def delivered_to(smtp, address: str) -> int:
    return sum(address in r.rcpt_tos for r in smtp.messages)


def test_twelve_notices_to_one_unit_go_five_an_hour_and_none_is_lost(make_config, factory, smtp):
    config = make_config(extra={"outbox": {"per_address_per_hour": 5}})
    for n in range(12):
        queue(factory, "answer" if n % 2 else "ack", UNIT, n)
    for n in range(3):  # the unit is also asked for a decision: never held
        queue(factory, "task", UNIT, n)
    queue(factory, "answer", OTHER, 0)
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 5 + 3 + 1
    assert delivered_to(smtp, UNIT) == 8 and delivered_to(smtp, OTHER) == 1
    with factory() as s:
        held = s.scalars(select(Outbox).where(Outbox.status == "queued")).all()
        first = min(s.scalars(select(Outbox.sent_at).where(Outbox.kind != "task",
                                                           Outbox.status == "sent")))
    assert len(held) == 7 and all(o.recipients == [UNIT] for o in held)
    assert all(o.attempts == 0 and o.last_error is None for o in held)
    # held until the first notice of the hour leaves the window, not a moment longer
    assert all(abs((o.next_attempt_at - (first + timedelta(hours=1))).total_seconds()) < 5
               for o in held)
    assert worker.run_once() == 0  # still within the hour: nothing more to the unit

    for _ in range(2):  # an hour later, five more; then the last two
        with factory() as s, s.begin():
            for o in s.scalars(select(Outbox).where(Outbox.status == "sent")):
                o.sent_at -= timedelta(minutes=61)
            s.execute(update(Outbox).where(Outbox.status == "queued")
                      .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        worker.run_once()
    assert delivered_to(smtp, UNIT) == 12 + 3
    with factory() as s:
        assert set(s.scalars(select(Outbox.status))) == {"sent"}


def test_the_default_allows_ten_notices_an_hour(config, factory, smtp):
    assert config.outbox.per_address_per_hour == 10
    for n in range(11):
        queue(factory, "notice", UNIT, n)
    assert OutboxWorker(config, factory).run_once() == 10
