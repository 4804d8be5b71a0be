"""Phone numbers stay as the person wrote them, in the record, the mails and the calendar
(issue 10, defect 14)."""

from __future__ import annotations

import pytest
from harness import KABID, KADIS, KASI, Office, attachments_of, letter, reply
from test_workflow_bodies import BANTAN

from daemon.mail import mime
from daemon.reading.letter_facts import contact_in_text, split_contact


@pytest.mark.parametrize("written", ["0812-7654-3210", "+62 812 7654 3210", "0812.7654.3210",
                                     "081276543210", "+62 812-7654-3210"])
def test_a_number_is_read_as_written(written):
    assert split_contact(f"Sdr. Rahmat ({written})") == ("Sdr. Rahmat", written)
    assert contact_in_text(f"Untuk koordinasi hubungi Sdr. Rahmat di {written}.")[1] == written


def test_a_number_broken_over_two_lines_is_joined_with_one_space():
    assert contact_in_text("hubungi Sdr. Rahmat di +62 812\n7654 3210 terima kasih")[1] == \
        "+62 812 7654 3210"


@pytest.mark.parametrize("written", ["0812-7654-3210", "+62 812 7654 3210"])
def test_mails_and_the_invitation_quote_the_number_unchanged(tmp_path, db_url, written):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan",
                          BANTAN.replace("0812-7654-3210", written)))
    req = office.request()
    assert req.contact_phone == written
    for who in (KADIS, KABID, KASI, KABID):
        office.deliver(reply(office.last_to(who), who, "Setuju"))
    req = office.request()
    assert req.step == 10, office.events(req.code)
    kadis_mail = mime.body_text(office.mail_to(KADIS)[0])
    assignment = office.mail_to(req.team[0]["email"])[-1]
    ics = attachments_of(assignment)[f"{req.code}.ics"].decode()
    ics = ics.replace("\r\n ", "").replace("\\,", ",")  # unfold the calendar's lines
    for text in (kadis_mail, mime.body_text(assignment), ics):
        assert f"Rahmat {written}" in text or f"Rahmat ({written})" in text, text
        assert "081276543210" not in text
