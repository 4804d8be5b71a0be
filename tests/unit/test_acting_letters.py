"""Acting officials (Plt./Plh.) in the letters and the mail that asks them (issue 10, defect 1)."""

from __future__ import annotations

from datetime import datetime

import pytest
from harness import KABID, KADIS, KASI, SEKDIS, WIB, Office, attachments_of, letter, reply
from test_workflow_bodies import DURI

from daemon.mail import mime

ROSNAINI_NIP = "19720305 199803 2 004"


def approve(office, who, text="Setuju"):
    return office.deliver(reply(office.last_to(who), who, text))


def spt_text(office, mail) -> str:
    """The SPT the mail carries (as .docx or its PDF), read from the letter's own .docx."""
    assert any(k.startswith("SPT") for k in attachments_of(mail))
    return office.document_text("spt")


@pytest.fixture
def plt_office(tmp_path, db_url):
    """14-24 December 2026: the Sekretaris is Plt. Kepala Dinas."""
    office = Office(tmp_path, database=db_url, now=datetime(2026, 12, 15, 8, 0, tzinfo=WIB))
    office.deliver(letter("disdik@bengkaliskab.go.id", "Permohonan Peliputan",
                          DURI.replace("Rabu, 9 Desember 2026", "Jumat, 18 Desember 2026")))
    return office


def test_spt_signed_in_a_plt_period_reads_plt_kepala_dinas_and_lists_her_once(plt_office):
    office = plt_office
    for who in (SEKDIS, KABID, KASI, KABID):
        approve(office, who)
    approve(office, KABID, "paraf, setuju")
    approve(office, SEKDIS, "setuju, ttd")  # she is asked once, to sign as Plt. Kepala Dinas
    req = office.request()
    assert req.step == 10, office.events(req.code)
    text = spt_text(office, office.mail_to(req.team[0]["email"])[-1])
    assert "Plt. KEPALA DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK KABUPATEN BENGKALIS," in text
    assert "SEKRETARIS DINAS" not in text.upper()
    assert "Paraf Sekretaris" not in text
    assert text.count(ROSNAINI_NIP) == 1 and text.count("Rosnaini") == 1
    decided = [e for e in office.events(req.code) if e[0] == 9 and e[1] == "decided"]
    assert [e[3] for e in decided] == [KABID, SEKDIS]


def test_the_plt_is_greeted_in_her_acting_office_and_not_told_to_delegate_to_herself(plt_office):
    body = mime.body_text(plt_office.last_to(SEKDIS))
    assert body.startswith("Yth. Hj. Rosnaini, S.Sos., M.Si. (Plt. Kepala Dinas")
    assert "DELEGASIKAN" not in body


def test_no_delegation_hint_outside_the_acting_dates(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)  # 30 November 2026: nobody is acting
    office.deliver(letter("disdik@bengkaliskab.go.id", "Permohonan Peliputan", DURI))
    body = mime.body_text(office.last_to(KADIS))
    assert "DELEGASIKAN" not in body and "Rosnaini" not in body


def test_paraf_by_a_plh_reads_plh(tmp_path, db_url):
    """4-8 January 2027: the Kasi is Plh. Kepala Bidang, greeted and initialling as Plh."""
    office = Office(tmp_path, database=db_url, now=datetime(2027, 1, 5, 8, 0, tzinfo=WIB))
    office.deliver(letter("disdik@bengkaliskab.go.id", "Permohonan Peliputan",
                          DURI.replace("Rabu, 9 Desember 2026", "Kamis, 7 Januari 2027")))
    approve(office, KADIS)
    body = mime.body_text(office.last_to(KASI))
    assert body.startswith("Yth. Siti Aminah, S.I.Kom. (Plh. Kepala Bidang Informasi")
    for _ in range(3):
        approve(office, KASI)
    approve(office, KASI, "paraf, setuju")  # step 9, as Plh. Kepala Bidang
    text = spt_text(office, office.last_to(SEKDIS))
    assert "Plh. Siti Aminah, S.I.Kom." in text


def test_the_sheet_and_memos_the_chain_attaches_read_as_the_office_writes(tmp_path, db_url):
    """Through the engine: the lembar disposisi numbered from the agenda register with the Kadis' own
    note, the memo addressing the Kabid as Bapak, no ISO date, the unit never in capitals."""
    import re

    from test_workflow_bodies import BANTAN
    office = Office(tmp_path, database=db_url)
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN,
                          display="KECAMATAN BANTAN"))
    approve(office, KADIS, "Setuju, koordinasikan dengan pihak kecamatan")
    assert any(k.startswith("Lembar-Disposisi") for k in attachments_of(office.last_to(KABID)))
    sheet = office.document_text("lembar_disposisi")
    assert "Nomor agenda\n0001" in sheet and "000.7" not in sheet
    assert "\u2612 Koordinasi/konfirmasi" in sheet and "koordinasikan dengan pihak kecamatan" in sheet
    assert "disetujui melalui surel" in sheet and "Menunggu" not in sheet
    for who in (KABID, KASI):
        approve(office, who)
    assert any(k.startswith("Nota-Dinas-Tim") for k in attachments_of(office.last_to(KABID)))
    memo = office.document_text("nota_dinas_tim")
    assert "Menindaklanjuti disposisi Bapak atas" in memo and "Bapak/Ibu" not in memo
    for text in (sheet, memo):
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
        assert "KECAMATAN BANTAN" not in text
