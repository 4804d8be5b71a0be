"""A unit is greeted in every mail by its head's office, never as a person ("Yth. RSUD Mandau") and
never in capitals (issue 10, defect 4; found with `liputan contoh`)."""

from __future__ import annotations

import pytest
from harness import KABID, KADIS, KASI, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.mail import mime

RSUD = BANTAN.replace("Camat Bantan\n", "Direktur RSUD Mandau\n")


@pytest.mark.parametrize("display, greeting", [("RSUD MANDAU", "Yth. Direktur RSUD Mandau,"),
                                               ("KECAMATAN BANTAN", "Yth. Camat Bantan,"),
                                               ("Dinas Kebudayaan", "Yth. Kepala Dinas Kebudayaan "
                                                                    "Kabupaten Bengkalis,")])
def test_the_acknowledgement_and_the_refusal_greet_the_units_head(tmp_path, db_url, display, greeting):
    office = Office(tmp_path, database=db_url)
    sender = "unit@bengkaliskab.go.id"
    office.deliver(letter(sender, "Permohonan Peliputan", BANTAN.replace("Camat Bantan\n", display + "\n"),
                          display=display))
    office.deliver(reply(office.last_to(KADIS), KADIS, "TOLAK. Jadwal tim sudah penuh."))
    mails = office.mail_to(sender)
    subjects = [m["Subject"] for m in mails]
    assert len(mails) == 2 and "diterima" in subjects[0] and "tidak dapat dipenuhi" in subjects[1], subjects
    for m in mails:
        assert mime.body_text(m).replace("\r\n", "\n").startswith(greeting + "\n"), mime.body_text(m)


def test_the_cancellation_greets_the_requesting_unit(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    camat = "camat.bantan@bengkaliskab.go.id"
    office.deliver(letter(camat, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    for who in (KADIS, KABID, KASI, KABID):
        office.deliver(reply(office.last_to(who), who, "Setuju"))
    office.deliver(reply(office.mail_to(camat)[0], camat, "Mohon maaf, kegiatan ini dibatalkan."))
    body = mime.body_text(office.last_to(camat)).replace("\r\n", "\n")
    assert body.startswith("Yth. Camat Bantan,\n") and "dibatalkan oleh pemohon" in body
