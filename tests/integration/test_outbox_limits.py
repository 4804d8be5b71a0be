"""Notices to one address are rate-limited in the outbox (held, never lost); task mail is not."""

from __future__ import annotations

import email
import email.policy
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from daemon.core.models import Outbox
from daemon.mail import ratelimit
from daemon.mail.outbox import OutboxWorker
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


def test_twelve_notices_to_one_unit_go_five_then_one_summary_and_none_is_lost(an_hour_later, make_config, factory, smtp):
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
    assert all(o.attempts == 0 and o.last_error is None and o.held_at is not None for o in held)
    # held until the first notice of the hour leaves the window, not a moment longer
    assert all(abs((o.next_attempt_at - (first + timedelta(hours=1))).total_seconds()) < 5
               for o in held)
    assert worker.run_once() == 0  # still within the hour: nothing more to the unit

    an_hour_later()
    assert worker.run_once() == 1  # the seven held notices, as one mail
    assert delivered_to(smtp, UNIT) == 8 + 1
    summary = email.message_from_bytes(smtp.messages[-1].data, policy=email.policy.default)
    assert summary["Subject"] == "Ringkasan pemberitahuan (7 pemberitahuan)"
    assert summary["X-Liputan-Kind"] == "summary" and summary["Auto-Submitted"] == "auto-generated"
    text = summary.get_body(("plain",)).get_content()
    assert "Sebanyak 7 pemberitahuan berikut kami satukan" in text
    for n in (5, 6, 7, 8, 9, 10, 11):  # each held notice: in the list and in full below it
        kind = "answer" if n % 2 else "ack"
        assert text.count(f"Pemberitahuan {kind} {n}") == 2
    assert text.count("Surat Bapak/Ibu telah kami terima.") == 7
    with factory() as s:
        rows = s.scalars(select(Outbox).where(Outbox.summary_id.is_not(None))).all()
        combined = s.scalars(select(Outbox).where(Outbox.kind == "summary")).one()
        assert combined.status == "sent" and combined.message_id == summary["Message-ID"]
        assert len(rows) == 7 and {o.status for o in rows} == {"summarised"}
        assert {o.summary_id for o in rows} == {combined.id}
        assert all(o.sent_at == combined.sent_at for o in rows)
        assert not s.scalars(select(Outbox).where(Outbox.status == "queued")).all()
    assert worker.run_once() == 0


def test_a_burst_of_forty_goes_as_ten_and_one_summary_of_thirty(an_hour_later, config, factory, smtp):
    for n in range(40):
        queue(factory, "notice", UNIT, n)
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 10
    an_hour_later()
    assert worker.run_once() == 1
    assert delivered_to(smtp, UNIT) == 11
    last = email.message_from_bytes(smtp.messages[-1].data, policy=email.policy.default)
    assert last["Subject"] == "Ringkasan pemberitahuan (30 pemberitahuan)"
    # the summary took one slot of the new hour: nine more single notices may go in it
    for n in range(40, 52):
        queue(factory, "notice", UNIT, n)
    assert worker.run_once() == 9
    with factory() as s:
        assert len(s.scalars(select(Outbox).where(Outbox.status == "queued")).all()) == 3


def test_a_summary_of_one_request_keeps_its_tag_thread_and_history(an_hour_later, config, factory, smtp):
    from daemon.app import human
    from daemon.core.models import Event, Request
    with factory() as s, s.begin():
        req = Request(code="LPT-2026-0007", title="Musrenbang", requester_email=UNIT)
        s.add(req)
        s.flush()
        rid = req.id
        for n in range(12):
            enqueue(s, kind="notice", sender=SENDER, to=[UNIT], request_id=rid,
                    subject=f"[LPT-2026-0007] Pemberitahuan {n}", text=f"Isi pemberitahuan {n}.",
                    in_reply_to="<surat.unit@disdik.example>",
                    references=["<surat.unit@disdik.example>"],
                    attachments=[("jadwal.ics", "text/calendar; method=PUBLISH", b"BEGIN:VCALENDAR\r\n")]
                    if n == 11 else ())
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 10
    an_hour_later()
    assert worker.run_once() == 1
    last = email.message_from_bytes(smtp.messages[-1].data, policy=email.policy.default)
    assert last["Subject"] == "[LPT-2026-0007] Ringkasan pemberitahuan (2 pemberitahuan)"
    assert last["In-Reply-To"] == "<surat.unit@disdik.example>"
    assert last["References"] == "<surat.unit@disdik.example>"
    files = [p.get_filename() for p in last.iter_attachments()]
    assert files == ["pemberitahuan-2.eml"]  # the one with a file goes whole, as an attachment
    text = last.get_body(("plain",)).get_content()
    assert "Isi pemberitahuan 10." in text and "Isi pemberitahuan 11." in text
    assert "tanpa mengubah kode LPT-2026-0007" in text
    with factory() as s:
        combined = s.scalars(select(Outbox).where(Outbox.kind == "summary")).one()
        assert combined.request_id == rid
        events = s.scalars(select(Event).where(Event.request_id == rid, Event.kind == "summarised")).all()
        originals = {o.message_id for o in s.scalars(select(Outbox).where(Outbox.status == "summarised"))}
    assert len(events) == 2 and {e.message_id for e in events} == originals
    assert all(combined.message_id in e.note and UNIT in e.note for e in events)
    shown = human.show_text({"code": "LPT-2026-0007", "title": "Musrenbang", "state": "open", "step": 1,
                             "waiting_for": [], "event_start": None, "location": None,
                             "outside_island": None, "requester": None, "requester_email": UNIT,
                             "events": [{"time": None, "step": None, "kind": e.kind, "decision": None,
                                         "actor": None, "note": e.note} for e in events],
                             "files": [], "publications": []})
    assert shown.count("dlm ringkasan") == 2


def test_notices_to_several_requests_are_summarised_without_a_tag(an_hour_later, config, factory, smtp):
    for n in range(12):
        with factory() as s, s.begin():
            enqueue(s, kind="ack", sender=SENDER, to=[UNIT], in_reply_to=f"<surat{n}@disdik.example>",
                    subject=f"[LPT-2026-{n + 1:04d}] Permohonan peliputan diterima", text="Diterima.")
    worker = OutboxWorker(config, factory)
    worker.run_once()
    an_hour_later()
    assert worker.run_once() == 1
    last = email.message_from_bytes(smtp.messages[-1].data, policy=email.policy.default)
    assert last["Subject"] == "Ringkasan pemberitahuan (2 pemberitahuan)"
    assert last["In-Reply-To"] is None and last["References"] is None  # no one thread to join
    text = last.get_body(("plain",)).get_content()
    assert "(kode LPT-2026-0011)" in text and "(kode LPT-2026-0012)" in text
    assert "mencantumkan kode permohonannya pada subjek, misalnya [LPT-2026-0011]" in text


def test_task_mail_is_never_held_or_summarised(make_config, factory, smtp):
    config = make_config(extra={"outbox": {"per_address_per_hour": 1}})
    for n in range(3):
        queue(factory, "notice", UNIT, n)
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 1
    for kind in ("task", "reminder", "assignment", "preview", "alert"):
        queue(factory, kind, UNIT, 0)
    assert worker.run_once() == 5
    with factory() as s:
        assert {o.kind for o in s.scalars(select(Outbox).where(Outbox.status == "queued"))} == {"notice"}


def test_two_senders_at_once_never_pass_the_limit(make_config, factory, smtp, monkeypatch):
    """Two workers (a takeover, a second process) each count the hour, then claim: the count and
    the claim are one step per address, so the second sees the first's notice."""
    config = make_config(extra={"outbox": {"per_address_per_hour": 3}})
    for n in range(2):
        queue(factory, "notice", UNIT, n)
    assert OutboxWorker(config, factory).run_once() == 2  # one slot of three is left
    for n in range(2, 4):
        queue(factory, "notice", UNIT, n)
    counted = ratelimit.held_until

    def slow_count(*args, **kwargs):  # widen the window between counting and claiming
        found = counted(*args, **kwargs)
        time.sleep(0.5)
        return found
    monkeypatch.setattr(ratelimit, "held_until", slow_count)
    with factory() as s:
        ids = list(s.scalars(select(Outbox.id).where(Outbox.status == "queued").order_by(Outbox.id)))
    workers = [OutboxWorker(config, factory), OutboxWorker(config, factory)]
    with ThreadPoolExecutor(2) as pool:
        claimed = list(pool.map(lambda pair: pair[0]._claim(pair[1]), zip(workers, ids)))
    assert sum(c is not None for c in claimed) == 1
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.status.in_(("sent", "sending")))) == 3


def test_the_default_allows_ten_notices_an_hour(config, factory, smtp):
    assert config.outbox.per_address_per_hour == 10
    for n in range(11):
        queue(factory, "notice", UNIT, n)
    assert OutboxWorker(config, factory).run_once() == 10


def test_escalations_and_warnings_to_an_official_are_never_held(make_config, factory, smtp):
    """Many requests waiting on one official: each escalation goes at once, past the limit."""
    config = make_config(extra={"outbox": {"per_address_per_hour": 2}})
    for n in range(5):
        queue(factory, "escalation", OTHER, n)
    queue(factory, "answer", OTHER, 9)
    queue(factory, "ack", OTHER, 10)
    queue(factory, "notice", OTHER, 11)
    OutboxWorker(config, factory).run_once()
    with factory() as s:
        held = s.scalars(select(Outbox.kind).where(Outbox.status == "queued")).all()
    assert delivered_to(smtp, OTHER) == 7 and held == ["notice"]
