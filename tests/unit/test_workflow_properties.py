"""Property test of the engine: whatever officials answer, in whatever order, to whichever of
our mails, the request stays consistent and nothing is approved that no one approved."""

from __future__ import annotations

import tempfile
from pathlib import Path

from harness import KABID, KADIS, KASI, SEKDIS, Office, letter, reply
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_workflow_bodies import BANTAN, DURI

from daemon.core.models import Document, Event, Request, Task
from daemon.mail import mime

PEOPLE = [KADIS, KABID, KASI, SEKDIS, "staf.lain@bengkaliskab.go.id"]
WORDS = ["Setuju", "tidak setuju", "Tolak, bentrok", "revisi: perbaiki jadwal", "acc", "ok",
         "Nanti dulu", "Delegasikan", "Setuju. Tim: Andi, Rina (foto)", "ganti Andi dengan Hendra",
         "Saya sedang cuti sampai Senin."]

answers = st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(WORDS),
                             st.integers(min_value=0, max_value=30)), min_size=1, max_size=14)


def check(office: Office) -> None:
    with office.factory() as s:
        for req in s.scalars(select(Request)):
            tasks = s.scalars(select(Task).where(Task.request_id == req.id)).all()
            open_tasks = [t for t in tasks if t.status == "open"]
            if req.state == "open":
                assert req.step is not None
                assert len(open_tasks) <= 1, "two steps waiting at once"
                if open_tasks:
                    assert open_tasks[0].step == req.step or open_tasks[0].role == "requester"
            else:
                assert not open_tasks, "a finished request still waits on someone"
            # every approval was made by someone the step waited for
            approvals = s.scalars(select(Event).where(Event.request_id == req.id,
                                                      Event.kind == "decided")).all()
            for ev in approvals:
                task = next((t for t in tasks if t.step == ev.step and t.decision == ev.decision
                             and ev.actor in t.who), None)
                assert task is not None, f"decision {ev.decision} at step {ev.step} by {ev.actor}"
            times = [e.time for e in s.scalars(select(Event).where(Event.request_id == req.id)
                                               .order_by(Event.id))]
            assert times == sorted(times)
        numbers = {}
        for doc in s.scalars(select(Document)):
            numbers.setdefault(doc.kind, set()).add((doc.request_id, doc.number))
        for kind, pairs in numbers.items():  # one number per letter of a request, never shared
            by_number = {}
            for req_id, number in pairs:
                assert by_number.setdefault(number, req_id) == req_id, f"{kind} {number} shared"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answers, far=st.booleans())
def test_no_sequence_of_answers_breaks_a_request(answers, far):
    with tempfile.TemporaryDirectory() as tmp:
        office = Office(Path(tmp))
        office.deliver(letter("unit@bengkaliskab.go.id", "Permohonan peliputan", DURI if far else BANTAN))
        for who, text, pick in answers:
            ours = [m for m in office.outbox() if who in mime.addresses(m, "To")] or office.outbox()
            office.deliver(reply(ours[pick % len(ours)], who, text))
            check(office)
