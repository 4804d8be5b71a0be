"""An official's out-of-office auto-reply to a step waiting for them: the operator is told once per
official and task (who, until when, what waits, how a Plt. is appointed); the auto-responder is
never answered, and a loop of reminders and auto-replies makes no second notice."""

from __future__ import annotations

from argparse import Namespace

import pytest
from harness import CAMAT, KABID, KADIS, OPERATOR, SEKDIS, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.app import operator
from daemon.mail import mime

AWAY = ("Terima kasih atas surel Bapak/Ibu. Saya sedang cuti sampai 7 Desember 2026 dan akan "
        "membalas setelah kembali bertugas.")


@pytest.fixture
def office(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    return office


def auto_reply(to_msg, sender: str, text: str = AWAY):
    msg = reply(to_msg, sender, text, subject_prefix="Balasan Otomatis: ")
    msg["Auto-Submitted"] = "auto-replied"
    return msg


def notices(office: Office) -> list:
    return [m for m in office.mail_to(OPERATOR) if mime.header(m, "X-Liputan-Kind") == "away"
            or "di luar kantor" in mime.header(m, "Subject")]


def test_the_operator_is_told_once_who_is_away_until_when_and_what_waits(office):
    before = len(office.mail_to(KADIS))
    office.deliver(auto_reply(office.last_to(KADIS), KADIS))
    (notice,) = notices(office)
    body = " ".join(mime.body_text(notice).split())
    code = office.request().code
    assert code in mime.header(notice, "Subject") and "sedang di luar kantor" in mime.header(notice, "Subject")
    assert "Drs. H. Johansyah Syafri, M.Si. (Kepala Dinas" in body
    assert "berada di luar kantor sampai Senin, 7 Desember 2026" in body
    assert "pada langkah 2" in body and "Kode permohonan : " + code in mime.body_text(notice)
    assert "rules/office.yaml" in body and "Plt." in body and f"liputan delegate {code} --as kadis" in body
    assert f"liputan approve {code} --as kadis" in body
    assert len(office.mail_to(KADIS)) == before, "the auto-responder is never answered"
    assert office.request().step == 2
    kinds = [e[1] for e in office.events(code)]
    assert kinds.count("away") == 1 and "ignored" in kinds


def test_reminders_answered_by_the_auto_responder_make_no_second_notice(office):
    office.deliver(auto_reply(office.last_to(KADIS), KADIS))
    for _ in range(4):  # the SLA reminder goes out, the auto-responder answers it
        office.clock.advance(days=1)
        office.settle()
        office.deliver(auto_reply(office.last_to(KADIS), KADIS, "Saya sedang di luar kantor."))
    assert len(notices(office)) == 1
    assert [e[1] for e in office.events(office.request().code)].count("away") == 1


def test_each_official_waited_on_is_told_of_once(office):
    """The Kadis decides; then the Kabid's auto-reply to their own task is a new notice; one
    without a date says so without one."""
    office.deliver(auto_reply(office.last_to(KADIS), KADIS))
    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju"))
    office.deliver(auto_reply(office.last_to(KABID), KABID, "Saya sedang dinas luar daerah."))
    office.deliver(auto_reply(office.last_to(KABID), KABID, "Saya sedang dinas luar daerah."))
    _, second = notices(office)
    body = " ".join(mime.body_text(second).split())
    assert "Kepala Bidang" in body and "berada di luar kantor. Permohonan" in body
    assert "liputan delegate" in body and "--as kabid" in body


def test_a_read_receipt_or_the_requesters_auto_reply_tells_no_one(office):
    receipt = reply(office.last_to(KADIS), KADIS, "Pesan Anda telah dibaca.", subject_prefix="Dibaca: ")
    office.deliver(receipt)
    office.deliver(auto_reply(office.mail_to(CAMAT)[0], CAMAT))
    assert notices(office) == []


def test_the_operator_hands_the_step_to_the_acting_official(office):
    """What the notice says to do: `liputan delegate` gives the step to the Plt. of office.yaml,
    whose 'Setuju' then counts."""
    office.deliver(auto_reply(office.last_to(KADIS), KADIS))
    code = office.request().code
    assert operator.delegate(office.ctx, office.factory, Namespace(code=code, role="kadis", by="budi")) == 0
    assert "delegated" in [e[1] for e in office.events(code)]
    office.settle()  # the daemon sends the new task mail (its letter made first)
    office.deliver(reply(office.last_to(SEKDIS), SEKDIS, "Setuju"))
    assert office.request().step == 3
    assert operator.delegate(office.ctx, office.factory, Namespace(code=code, role="kadis", by="budi")) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("Saya sedang cuti sampai 7 Desember.", ("2026-12-07", False)),
    ("Saya di luar kantor hingga tanggal 7 Desember 2026.", ("2026-12-07", False)),
    ("Saya cuti tanggal 1 s.d. 7 Desember 2026", ("2026-12-07", False)),
    ("I am out of the office until December 7, 2026.", ("2026-12-07", False)),
    ("Saya dinas luar dan kembali pada Senin, 7 Desember 2026", ("2026-12-07", True)),
    ("Out of office. Back on 7 Dec 2026", ("2026-12-07", True)),
    ("Sedang cuti sampai dengan 07/12/2026", ("2026-12-07", False)),
    ("Saya sedang di luar kantor.", None),
    ("Terima kasih, 30 November 2026 saya tidak di kantor.", None),
])
def test_until_when_an_auto_reply_says(text, expected):
    from datetime import datetime

    from harness import WIB

    from daemon.reading.away import until
    found = until(text, datetime(2026, 11, 30, 8, tzinfo=WIB))
    assert (None if found is None else (found[0].isoformat(), found[1])) == expected
