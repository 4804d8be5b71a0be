"""The engine's own promises: letters are rendered by jobs and the mail carrying them waits for
them; a failed job is told, not hidden; the coverage step ends by itself once the event is over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from harness import KABID, KADIS, KASI, OPERATOR, Office, attachments_of, letter, reply
from sqlalchemy import select
from test_workflow_bodies import BANTAN

from daemon.core.jobs import PermanentJobError
from daemon.core.models import Job, Outbox
from daemon.mail import mime
from daemon.sop import engine
from daemon.sop.kinds.coverage import ASSUMED_LENGTH

CAMAT = "camat.bantan@bengkaliskab.go.id"


@pytest.fixture
def office(tmp_path, db_url):
    return Office(tmp_path, database=db_url)


def send(office, body=BANTAN):
    return office.deliver(letter(CAMAT, "Permohonan Peliputan", body, display="Kantor Camat Bantan"))


def approve(office, who, text="Setuju"):
    return office.deliver(reply(office.last_to(who), who, text))


def outbox_rows(office, kind=None):
    with office.factory() as s:
        q = select(Outbox).order_by(Outbox.id)
        return list(s.scalars(q.where(Outbox.kind == kind) if kind else q))


def test_the_decision_commits_without_rendering_and_its_mail_waits_for_the_letter(office):
    send(office)
    office.store(reply(office.last_to(KADIS), KADIS, "Setuju"))
    office.dispatcher.run_once()  # the decision alone: no letter rendered yet
    waiting = [r for r in outbox_rows(office, "task") if r.status == "waiting"]
    assert len(waiting) == 1 and waiting[0].raw == b"" and KABID in waiting[0].recipients
    with office.factory() as s:
        queued = s.scalars(select(Job).where(Job.kind == "render_letter", Job.state == "queued")).all()
    assert [j.id for j in queued] == waiting[0].waits_on
    office.jobs.run_once()
    row = next(r for r in outbox_rows(office, "task") if r.id == waiting[0].id)
    assert row.status == "queued"
    files = attachments_of(mime.parse(row.raw))
    assert any(k.startswith("Lembar-Disposisi") and k.endswith((".docx", ".pdf")) and "-v" not in k
               for k in files)  # the second version, mailed without its version suffix


def test_a_letter_that_cannot_be_made_is_told_and_its_mail_still_goes(office):
    def broken(job):
        raise PermanentJobError("template is damaged")

    office.jobs.handlers["render_letter"] = broken
    send(office)
    to_kadis = office.last_to(KADIS)
    assert not any(k.startswith("Lembar-Disposisi") for k in attachments_of(to_kadis))
    alert = office.last_to(OPERATOR)
    assert "render_letter" in mime.body_text(alert) and "template is damaged" in mime.body_text(alert)
    req = office.request()
    assert any(e[1] == "failed" and "template is damaged" in e[4] for e in office.events(req.code))


def test_a_transient_failure_is_retried_and_the_mail_follows(office):
    calls = {"n": 0}
    real = office.jobs.handlers["render_letter"]

    def flaky(job):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk busy")
        return real(job)

    office.jobs.handlers["render_letter"] = flaky
    send(office)
    assert not office.mail_to(KADIS)  # still waiting for its letter
    office.clock.advance(minutes=1)
    office.settle()
    assert any(k.startswith("Lembar-Disposisi") for k in attachments_of(office.last_to(KADIS)))


def walk_to_coverage(office):
    send(office)
    for who in (KADIS, KABID, KASI, KABID):
        approve(office, who)
    req = office.request()
    assert req.step == 10
    return req


def test_the_coverage_ends_by_itself_once_the_event_is_over(office):
    req = walk_to_coverage(office)
    team = [m["email"] for m in req.team]
    with office.factory() as s:
        assert engine.waiting_for(office.ctx, s, office.request()) == team
    office.clock.t = req.event_start  # the event is on
    office.settle()
    assert office.request().step == 10
    over = req.event_end if req.event_end and not req.until_done else req.event_start + ASSUMED_LENGTH
    office.clock.t = over - timedelta(minutes=1)
    office.settle()
    assert office.request().step == 10
    office.clock.t = over + timedelta(minutes=1)
    office.settle()
    after = office.request()
    assert (after.state, after.step) == ("open", 11)  # the report: done by the staff for now
    events = office.events(req.code)
    assert (10, "done", None, "system", "acara telah berakhir") in events
    assert events[-1][1] == "waiting" and events[-1][0] == 11


def test_a_cancelled_request_ignores_its_coverage_timer(office):
    req = walk_to_coverage(office)
    ack = office.mail_to(CAMAT)[0]
    office.deliver(reply(ack, CAMAT, "Mohon maaf, acara ini dibatalkan."))
    assert office.request().state == "cancelled"
    assert "penugasan peliputan berikut dibatalkan" in mime.body_text(office.mail_to(req.team[0]["email"])[-1])
    office.clock.advance(days=30)
    office.settle()
    assert office.request().state == "cancelled" and office.request().step is None


def test_a_reply_goes_before_a_backlog_of_new_letters(office):
    send(office)
    kadis_mail = office.last_to(KADIS)
    for n in range(5):  # a backlog of letters nobody has read yet
        office.store(letter(f"unit{n}@bengkaliskab.go.id", "Permohonan Peliputan",
                            BANTAN.replace("Musrenbang", f"Rapat Koordinasi {n + 1}")
                            .replace("Senin, 7 Desember 2026", f"{14 + n} Desember 2026")))
    office.store(reply(kadis_mail, KADIS, "Setuju"))
    office.dispatcher.run_once(limit=1)  # the reply is read first
    req = office.request(office.request("LPT-2026-0001").code)
    assert req.step == 3
    office.dispatcher.run_once()
    office.jobs.run_once(max_jobs=1)  # and its letter is made first
    kabid = [r for r in outbox_rows(office, "task") if KABID in r.recipients]
    assert kabid and kabid[-1].status == "queued"
    with office.factory() as s:  # the backlog is on record; its first steps wait their turn
        entering = s.scalars(select(Job.state).where(Job.kind == engine.ENTER)).all()
    assert entering.count("queued") == 5


def test_a_reply_from_a_look_alike_address_is_recorded_but_never_answered(office):
    send(office)
    forger = "kadis@bengka1iskab.go.id"
    before = len(office.outbox())
    office.deliver(reply(office.last_to(KADIS), forger, "Setuju", display="Kepala Dinas"))
    assert office.request().step == 2
    assert not office.mail_to(forger) and len(office.outbox()) - before <= 1  # the operator may hear
    assert any(e[1] in ("ignored", "refused") for e in office.events(office.request().code))
