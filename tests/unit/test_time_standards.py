"""The SOP's time standards kept on a frozen, stepping clock (no sleeping): reminders count
working time only, escalate to the next official up (an acting one during their dates), and an
event tomorrow does not wait for office hours."""

from __future__ import annotations

from datetime import datetime

from harness import CAMAT, KABID, KADIS, SEKDIS, WIB, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.mail import mime


def on(day: str, hour: str = "09.00") -> str:
    return BANTAN.replace("Senin, 7 Desember 2026", day).replace("09.00 WIB", f"{hour} WIB")


def start(tmp_path, now: datetime, body: str) -> Office:
    office = Office(tmp_path, now=now)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", body, display="Kantor Camat Bantan"))
    return office


def reminders(office: Office, to: str) -> list:
    return [m for m in office.mail_to(to) if "Pengingat" in mime.header(m, "Subject")]


def at(office: Office, *args: int) -> None:
    office.clock.t = datetime(*args, tzinfo=WIB)
    office.settle()


def test_a_reminder_waits_out_the_weekend(tmp_path):
    office = start(tmp_path, datetime(2026, 12, 11, 15, 58, tzinfo=WIB), on("Senin, 11 Januari 2027"))
    assert office.request().step == 2  # the Kadis's disposition: 5 minutes, 2 of them on Friday
    at(office, 2026, 12, 11, 23, 0)
    at(office, 2026, 12, 13, 23, 0)  # Sunday night: the office has not worked 5 minutes yet
    assert reminders(office, KADIS) == []
    at(office, 2026, 12, 14, 7, 34)  # Monday 07.30 + the 3 minutes left
    (first,) = reminders(office, KADIS)
    assert office.request().code in mime.header(first, "Subject")


def test_a_reminder_waits_out_cuti_bersama_and_christmas(tmp_path):
    office = start(tmp_path, datetime(2026, 12, 23, 15, 58, tzinfo=WIB), on("Senin, 11 Januari 2027"))
    holder = office.last_to(SEKDIS)  # the Plt. Kepala Dinas (14-24 December) gets the step
    assert "disposisi" in mime.header(holder, "Subject").lower()
    at(office, 2026, 12, 24, 12, 0)  # cuti bersama Natal
    at(office, 2026, 12, 25, 12, 0)  # Natal
    at(office, 2026, 12, 27, 12, 0)
    assert reminders(office, SEKDIS) == []
    at(office, 2026, 12, 28, 7, 34)
    assert len(reminders(office, SEKDIS)) == 1


def test_the_reminder_can_be_answered_like_the_task(tmp_path):
    office = start(tmp_path, datetime(2026, 11, 30, 9, 0, tzinfo=WIB), on("Senin, 11 Januari 2027"))
    at(office, 2026, 11, 30, 9, 6)
    (nudge,) = reminders(office, KADIS)
    office.deliver(reply(nudge, KADIS, "Setuju"))
    assert office.request().step == 3


def test_escalation_goes_up_and_to_the_acting_official_in_their_dates(tmp_path):
    office = start(tmp_path, datetime(2026, 12, 15, 9, 0, tzinfo=WIB), on("Senin, 11 Januari 2027"))
    office.deliver(reply(office.last_to(SEKDIS), SEKDIS, "Setuju"))  # the Plt. disposes
    assert office.request().step == 3  # the Kabid's: 5 minutes
    at(office, 2026, 12, 15, 9, 6)
    assert len(reminders(office, KABID)) == 1
    before = len(office.mail_to(SEKDIS))
    at(office, 2026, 12, 15, 10, 7)  # the second reminder: the Kepala Dinas is told, i.e. the Plt.
    assert len(reminders(office, KABID)) == 2
    told = office.mail_to(SEKDIS)[before:]
    assert len(told) == 1 and "menunggu tindak lanjut" in mime.header(told[0], "Subject")
    assert "Kepala Bidang" in mime.body_text(told[0]) or KABID in mime.body_text(told[0])
    assert not [m for m in office.mail_to(KADIS) if "menunggu tindak lanjut" in mime.header(m, "Subject")]
    kinds = [e[1] for e in office.events(office.request().code)]
    assert "reminded" in kinds and "escalated" in kinds


def test_an_event_tomorrow_does_not_wait_for_office_hours(tmp_path):
    office = start(tmp_path, datetime(2026, 11, 30, 15, 58, tzinfo=WIB), on("Selasa, 1 Desember 2026", "08.00"))
    at(office, 2026, 11, 30, 16, 4)  # after hours, but the event is tomorrow morning
    assert len(reminders(office, KADIS)) == 1


def test_an_event_far_away_waits_for_office_hours(tmp_path):
    office = start(tmp_path, datetime(2026, 11, 30, 15, 58, tzinfo=WIB), on("Senin, 11 Januari 2027"))
    at(office, 2026, 11, 30, 16, 4)
    assert reminders(office, KADIS) == []
    at(office, 2026, 12, 1, 7, 34)
    assert len(reminders(office, KADIS)) == 1


def test_approvals_still_open_the_day_before_warn_everyone_on_the_path(tmp_path):
    office = start(tmp_path, datetime(2026, 11, 30, 9, 0, tzinfo=WIB), on("Rabu, 2 Desember 2026"))
    at(office, 2026, 12, 1, 9, 1)  # 24 hours before the event, the Kadis has not answered
    warned = [m for m in office.mail_to(KADIS) if "segera dimulai" in mime.header(m, "Subject")]
    assert len(warned) == 1
    assert [m for m in office.outbox() if "segera dimulai" in mime.header(m, "Subject")
            and "kasi.liputan@bengkaliskab.go.id" in mime.addresses(m, "To")]


def test_the_morning_digest_on_working_days_names_the_coverage_and_who_is_waited_for(tmp_path):
    from daemon.sop import digest

    office = start(tmp_path, datetime(2026, 12, 4, 9, 0, tzinfo=WIB), on("Selasa, 8 Desember 2026"))
    with office.factory() as s, s.begin():
        digest.plan(office.ctx, s)
    at(office, 2026, 12, 5, 8, 0)  # Saturday: none
    at(office, 2026, 12, 6, 8, 0)
    assert not [m for m in office.mail_to(KABID) if "Jadwal peliputan" in mime.header(m, "Subject")]
    at(office, 2026, 12, 7, 7, 1)  # Monday: the event is tomorrow, the Kadis has not answered
    (mail,) = [m for m in office.mail_to(KABID) if "Jadwal peliputan" in mime.header(m, "Subject")]
    assert "Senin, 7 Desember 2026" in mime.header(mail, "Subject")
    body = mime.body_text(mail)
    assert "Selasa, 8 Desember 2026 pukul 09.00 WIB" in body and "Musrenbang" in body
    assert "menunggu" in body and "Kepala Dinas" in body
    at(office, 2026, 12, 8, 7, 1)
    assert len([m for m in office.mail_to(KABID) if "Jadwal peliputan" in mime.header(m, "Subject")]) == 2


def test_show_measures_each_step_in_working_time_against_its_standard(tmp_path, capsys):
    import json
    from argparse import Namespace

    from daemon.app import cli

    office = start(tmp_path, datetime(2026, 12, 4, 15, 50, tzinfo=WIB), on("Senin, 11 Januari 2027"))
    at(office, 2026, 12, 7, 7, 35)  # Friday 10 minutes + Monday 5 minutes: 15 working minutes
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju"))
    code = office.request().code
    assert cli.show(office.ctx, office.factory, Namespace(code=code, json=True)) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    kadis = steps[0]
    assert (kadis["step"], kadis["decision"], kadis["standard_minutes"]) == (2, "approve", 5)
    assert kadis["working_minutes"] == 15 and kadis["late"] is True
    assert cli.show(office.ctx, office.factory, Namespace(code=code, json=False)) == 0
    text = capsys.readouterr().out
    assert "15 menit / standar 5 menit TERLAMBAT" in text
