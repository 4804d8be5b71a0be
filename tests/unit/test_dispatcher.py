"""What the dispatcher does with bad, odd and machine-made mail: record, quarantine, never stop."""

from __future__ import annotations

import os

from pathlib import Path

import pytest
from harness import KADIS, OPERATOR, Office, letter, reply
from sqlalchemy import select
from test_workflow_bodies import BANTAN

from daemon.core.models import Event, Inbound
from daemon.mail import mime

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def office(tmp_path, db_url):
    """The office on SQLite and on PostgreSQL (see tests/conftest.py)."""
    return Office(tmp_path, database=db_url)


BROKEN = [
    b"From: someone@example.com\r\nSubject: =?utf-8?B?broken\r\nContent-Type: multipart/mixed; "
    b"boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=x-unknown-8\r\n\r\n\xff\xfe\xfa\r\n",
    b"\x00\x01\x02 not mail at all \xff",
    b"Subject: tanpa pengirim dan tanpa Message-ID\r\n\r\nhalo\r\n",
    b"From: a@b.c\r\nContent-Type: text/plain; charset=\"utf-99\"\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n",
]


@pytest.mark.parametrize("raw", BROKEN)
def test_a_malformed_message_is_quarantined_with_a_reason(office, raw):
    row = office.deliver(raw)
    assert row.status == "quarantined"
    assert row.reason and len(row.reason) > 10
    assert Path(row.raw_path).read_bytes() == raw  # stored as it came


def test_a_crash_on_one_message_quarantines_it_and_the_next_is_handled(office, monkeypatch):
    from daemon.app import dispatcher as d
    real = d.Dispatcher.handle
    calls = {"n": 0}

    def flaky(self, s, inbound):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("simulated bug")
        return real(self, s, inbound)

    monkeypatch.setattr(d.Dispatcher, "handle", flaky)
    bad = office.deliver(letter("a@bengkaliskab.go.id", "Permohonan", BANTAN))
    assert bad.status == "quarantined" and "simulated bug" in bad.reason
    alert = office.last_to(OPERATOR)
    assert "karantina" in mime.body_text(alert)
    good = office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    assert good.status == "done"
    assert office.request().step == 2


def test_requeue_handles_a_quarantined_message_again(office, monkeypatch, tmp_path):
    from daemon.app import cli
    from daemon.app import dispatcher as d
    real = d.Dispatcher.handle
    monkeypatch.setattr(d.Dispatcher, "handle", lambda *a: (_ for _ in ()).throw(RuntimeError("bug")))
    bad = office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    assert bad.status == "quarantined"
    monkeypatch.setattr(d.Dispatcher, "handle", real)
    assert cli.main(["requeue", str(bad.id), "-c", str(tmp_path / "liputan.toml")]) == 0
    office.dispatcher.run_once()
    with office.factory() as s:
        assert s.get(Inbound, bad.id).status == "done"


def test_a_bounce_of_our_mail_is_recorded_and_the_operator_told(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    ours = office.last_to(KADIS)
    template = (DATA / "bounces" / "01_postfix_dsn_rfc822.eml").read_bytes()
    old = mime.message_ids(template.decode("latin-1"))
    bounced_id = next(m for m in old if m.startswith("<lpt-"))
    raw = template.replace(bounced_id.encode(), mime.header(ours, "Message-ID").encode())
    row = office.deliver(raw)
    assert row.status == "ignored" and row.kind == "bounce"
    req = office.request()
    assert req.step == 2
    assert "bounced" in [e[1] for e in office.events(req.code)]
    assert "tidak terkirim" in mime.header(office.last_to(OPERATOR), "Subject")


def test_newsletters_are_ignored(office):
    for path in sorted((DATA / "noise").glob("*.eml")):
        row = office.deliver(path.read_bytes())
        assert row.status == "ignored", path.name
    assert office.outbox() == []


def test_every_corpus_auto_reply_is_ignored_and_never_answered(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    before = len(office.outbox())
    for path in sorted((DATA / "auto").glob("*.eml")):
        row = office.deliver(path.read_bytes())
        assert row.status == "ignored", path.name
    assert len(office.outbox()) == before
    assert office.request().step == 2


def test_a_reply_from_someone_not_waited_for_is_answered_not_applied(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    office.deliver(reply(office.last_to(KADIS), "staf.lain@bengkaliskab.go.id", "Setuju"))
    assert office.request().step == 2
    answer = office.last_to("staf.lain@bengkaliskab.go.id")
    assert "tidak" in mime.body_text(answer).lower()


def test_answers_do_not_loop(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    for _ in range(12):
        office.deliver(reply(office.last_to(KADIS), "staf.lain@bengkaliskab.go.id", "??"))
    answers = office.mail_to("staf.lain@bengkaliskab.go.id")
    assert len(answers) <= 5


def test_our_own_mail_coming_back_is_ignored(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    ours = office.last_to(KADIS)
    row = office.deliver(ours.as_bytes())
    assert row.status == "ignored" and "loop" in row.reason


def test_each_history_event_names_the_message(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    with office.factory() as s:
        received = s.scalars(select(Event).where(Event.kind == "received")).one()
        inbound = s.scalars(select(Inbound)).first()
        assert received.message_id == inbound.message_id


def test_a_letter_briefly_unreadable_is_tried_again_not_quarantined(tmp_path):
    from harness import Office, letter
    from sqlalchemy import update

    from daemon.app.dispatcher import TRANSIENT_ATTEMPTS
    from daemon.core.models import Inbound
    from test_workflow_bodies import BANTAN

    office = Office(tmp_path)
    row_id = office.store(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN))
    with office.factory() as s:
        raw = s.get(Inbound, row_id).raw_path
    hidden = raw + ".away"
    os.rename(raw, hidden)  # the disk or share holding it hiccups

    def again() -> Inbound:
        with office.factory() as s, s.begin():  # the postponement's pause is over
            s.execute(update(Inbound).where(Inbound.id == row_id).values(lease_until=None))
        office.dispatcher.run_once()
        with office.factory() as s:
            return s.get(Inbound, row_id)

    first = again()
    assert (first.status, first.attempts) == ("new", 1)
    os.rename(hidden, raw)
    assert again().status == "done" and office.request().code == "LPT-2026-0001"

    other = office.store(letter("dinkes@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN.replace("Bantan", "Bukit Batu")))
    with office.factory() as s:
        os.remove(s.get(Inbound, other).raw_path)  # gone for good
    row_id = other
    for _ in range(TRANSIENT_ATTEMPTS):
        last = again()
    assert last.status == "quarantined" and "No such file" in last.reason


def test_a_decision_written_only_in_the_subject_is_applied(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    answer = reply(office.last_to(KADIS), KADIS, "", style="gmail")
    answer.replace_header("Subject", answer["Subject"] + " - SETUJU")
    office.deliver(answer)
    assert office.request().step == 3


def test_our_own_subject_never_decides(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    answer = reply(office.last_to(KADIS), KADIS, "", style="gmail")
    office.deliver(answer)
    assert office.request().step == 2


def test_a_read_receipt_is_ignored_and_never_answered(office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan", BANTAN))
    before = len(office.outbox())
    receipt = reply(office.last_to(KADIS), KADIS, "Pesan Anda telah dibaca pada Senin, 30 November 2026 09.12.")
    receipt.replace_header("Subject", "Dibaca: " + mime.header(office.last_to(KADIS), "Subject"))
    row = office.deliver(receipt)
    assert row.status == "ignored" and row.kind == "auto_reply"
    assert len(office.outbox()) == before and office.request().step == 2
