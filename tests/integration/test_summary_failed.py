"""A summary of held notices that fails for good fails its notices too: none stays 'summarised'
as if it had been sent; `liputan status` counts them and their requests' history says why."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from daemon.app import human, status
from daemon.app.heartbeat import HeartbeatWriter
from daemon.core.models import Event, Outbox, Request
from daemon.mail.health import MailboxHealth
from daemon.mail.outbox import OutboxWorker
from daemon.mail.outgoing import enqueue

SENDER = "Liputan Diskominfotik <liputan@bengkaliskab.go.id>"
UNIT = "tu.disdik@bengkaliskab.go.id"
pytestmark = pytest.mark.integration


def test_a_summary_refused_for_good_fails_its_notices_visibly(an_hour_later, make_config, factory, smtp):
    config = make_config(extra={"outbox": {"per_address_per_hour": 2}})
    with factory() as s, s.begin():
        req = Request(code="LPT-2026-0009", title="Musrenbang", requester_email=UNIT)
        s.add(req)
        s.flush()
        rid = req.id
        for n in range(5):
            enqueue(s, kind="notice", sender=SENDER, to=[UNIT], request_id=rid,
                    subject=f"[LPT-2026-0009] Pemberitahuan {n}", text=f"Isi pemberitahuan {n}.")
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 2  # two go, three are held
    an_hour_later()
    smtp.fail_next(554, message="5.6.0 Message content rejected")  # the summary's DATA, for good
    worker.run_once()  # the summary fails; the operator's alert goes out
    with factory() as s:
        combined = s.scalars(select(Outbox).where(Outbox.kind == "summary")).one()
        notices = s.scalars(select(Outbox).where(Outbox.summary_id == combined.id)).all()
        failed = s.scalars(select(Event).where(Event.request_id == rid, Event.kind == "failed")).all()
        alert = s.scalars(select(Outbox).where(Outbox.kind == "alert")).one()
    assert combined.status == "failed" and "554" in combined.last_error
    assert len(notices) == 3 and {n.status for n in notices} == {"failed"}
    assert all(n.sent_at is None and combined.message_id in n.last_error and "554" in n.last_error
               for n in notices)
    assert {e.message_id for e in failed} == {n.message_id for n in notices}
    assert all("gagal dikirim" in e.note and "554" in e.note for e in failed)
    assert alert.status == "sent"
    # `liputan status`: every mail that never went out is counted, with its reason listed
    HeartbeatWriter(config, factory, MailboxHealth(), smtp=worker.health).write()
    snap = status.read(config)
    assert snap["outbox"]["failed_24h"] == 4  # the summary and its three notices
    assert any(p["code"] == "outbox_failed" and p["count"] == 4 for p in snap["problems"])
    assert any(combined.message_id in e["error"] for e in snap["outbox"]["errors"])
    assert snap["exit_code"] == status.FAILING
    shown = human.show_text({"code": "LPT-2026-0009", "title": "Musrenbang", "state": "open", "step": 1,
                             "waiting_for": [], "event_start": None, "location": None,
                             "outside_island": None, "requester": None, "requester_email": UNIT,
                             "events": [{"time": None, "step": None, "kind": e.kind, "decision": None,
                                         "actor": None, "note": e.note} for e in failed],
                             "files": [], "publications": []})
    assert shown.count("gagal") >= 3


def test_a_summary_sent_marks_its_notices_sent_not_failed(an_hour_later, make_config, factory, smtp):
    config = make_config(extra={"outbox": {"per_address_per_hour": 1}})
    with factory() as s, s.begin():
        for n in range(3):
            enqueue(s, kind="notice", sender=SENDER, to=[UNIT], subject=f"Pemberitahuan {n}", text="Isi.")
    worker = OutboxWorker(config, factory)
    assert worker.run_once() == 1
    an_hour_later()
    assert worker.run_once() == 1
    with factory() as s:
        statuses = sorted(o.status for o in s.scalars(select(Outbox)))
    assert statuses == ["sent", "sent", "summarised", "summarised"]
