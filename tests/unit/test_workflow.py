"""The disposition chain (SOP steps 1-10) driven by mail, on the daemon's core without servers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import (
    KABID,
    KADIS,
    KASI,
    SEKDIS,
    Office,
    attachments_of,
    docx_text,
    letter,
    reply,
)
from test_workflow_bodies import BANTAN, DURI

from daemon.mail import mime


@pytest.fixture
def office(tmp_path, db_url):
    """The office on SQLite and on PostgreSQL (see tests/conftest.py)."""
    return Office(tmp_path, database=db_url)


def send_letter(office, body, sender="camat.bantan@bengkaliskab.go.id", subject="Permohonan Peliputan"):
    return office.deliver(letter(sender, subject, body, display="Kantor Camat Bantan"))


def approve(office, who, text="Setuju", style="gmail"):
    return office.deliver(reply(office.last_to(who), who, text, style=style))


def test_kadis_setuju_moves_request_to_kabid(office):
    send_letter(office, BANTAN)
    req = office.request()
    assert re.fullmatch(r"LPT-2026-\d{4}", req.code)
    assert (req.state, req.step, req.outside_island) == ("open", 2, False)
    ack = office.last_to("camat.bantan@bengkaliskab.go.id")
    assert req.code in mime.header(ack, "Subject")
    to_kadis = office.last_to(KADIS)
    assert "SETUJU" in mime.body_text(to_kadis)
    names = list(attachments_of(to_kadis))
    assert any(n.startswith("Lembar-Disposisi") for n in names)
    assert any(p.get_content_type() == "message/rfc822" and p.get_filename().endswith(".eml")
               for p in to_kadis.walk())  # the original letter, as a message
    approve(office, KADIS, "Setuju, lanjutkan")
    req = office.request()
    assert req.step == 3
    assert office.last_to(KABID)


def test_bantan_walks_steps_1_to_10_without_spt(office):
    send_letter(office, BANTAN)
    approve(office, KADIS, "Setuju", "outlook")
    approve(office, KABID, "acc", "iphone")
    to_kasi = office.last_to(KASI)
    assert "Tim peliputan yang diusulkan" in mime.body_text(to_kasi)
    approve(office, KASI, "Setuju")
    to_kabid = office.last_to(KABID)
    files = attachments_of(to_kabid)
    memo = next(v for k, v in files.items() if k.startswith("Nota-Dinas-Tim"))
    text = docx_text(memo)
    assert "NOTA DINAS" in text.upper() and "Musrenbang" in text
    approve(office, KABID, "SETUJU, lanjutkan")
    req = office.request()
    assert (req.state, req.step) == ("open", 10)
    kinds = [e[1] for e in office.events(req.code)]
    assert kinds.count("skipped") == 3  # steps 7-9 only outside Bengkalis island
    team_mail = office.mail_to(req.team[0]["email"])[-1]
    assert "Penugasan peliputan" in mime.header(team_mail, "Subject")
    ics = next(v for k, v in attachments_of(team_mail).items() if k.endswith(".ics"))
    assert b"METHOD:REQUEST" in ics
    assert not any(k.startswith("SPT") for k in attachments_of(team_mail))


def test_duri_needs_spt_initialled_and_signed(office):
    send_letter(office, DURI, sender="disdik@bengkaliskab.go.id")
    req = office.request()
    assert req.outside_island is True and req.kecamatan == "Mandau"
    for who in (KADIS, KABID, KASI, KABID):
        approve(office, who)
    # step 9: Kabid initials, then Sekretaris, then Kadis signs
    spt_mail = office.last_to(KABID)
    spt = next(v for k, v in attachments_of(spt_mail).items() if k.startswith("SPT"))
    text = docx_text(spt)
    assert "SURAT PERINTAH TUGAS" in text and "MEMERINTAHKAN" in text
    assert "800.1.11.1/DISKOMINFOTIK/" not in text  # numbered when signed
    approve(office, KABID, "paraf, setuju")
    approve(office, SEKDIS, "Setuju")
    approve(office, KADIS, "setuju, ttd")
    req = office.request()
    assert req.step == 10
    team_mail = office.mail_to(req.team[0]["email"])[-1]
    signed = next(v for k, v in attachments_of(team_mail).items() if k.startswith("SPT"))
    text = docx_text(signed)
    assert "telah disetujui oleh Kepala Dinas" in text and "elektronik" not in text
    assert "800.1.11.1/DISKOMINFOTIK/001/2026" in text
    assert "19680411 199303 1 009" in text  # the Kadis' NIP
    for m in req.team:
        assert m["nip"] in text


def test_it_rejects_and_tells_the_requester_with_the_note(office):
    send_letter(office, BANTAN)
    approve(office, KADIS, "Tolak, jadwal bentrok dengan agenda Bupati")
    req = office.request()
    assert req.state == "rejected" and req.step is None
    told = office.last_to("camat.bantan@bengkaliskab.go.id")
    assert "jadwal bentrok" in mime.body_text(told)


def test_tidak_setuju_never_approves(office):
    send_letter(office, BANTAN)
    approve(office, KADIS, "tidak setuju")
    assert office.request().state == "rejected"


def test_revision_goes_back_to_the_previous_actor_with_the_note(office):
    send_letter(office, BANTAN)
    approve(office, KADIS)
    approve(office, KABID, "revisi: mohon cek kembali jadwal acaranya")
    req = office.request()
    assert req.step == 2
    back_to_kadis = office.last_to(KADIS)
    assert "mohon cek kembali jadwal acaranya" in mime.body_text(back_to_kadis)


def test_kadis_revision_goes_back_to_the_requester(office):
    send_letter(office, BANTAN)
    approve(office, KADIS, "revisi: tempat kurang jelas, mohon sebutkan nama gedung")
    req = office.request()
    assert req.step == 1
    asked = office.last_to("camat.bantan@bengkaliskab.go.id")
    assert "nama gedung" in mime.body_text(asked)
    office.deliver(reply(asked, "camat.bantan@bengkaliskab.go.id", "Tempat: Aula Kantor Camat Bantan lantai 2"))
    req = office.request()
    assert req.step == 2
    assert "lantai 2" in req.location


def test_a_reply_to_a_superseded_step_is_answered_not_applied(office):
    send_letter(office, BANTAN)
    first = office.last_to(KADIS)
    approve(office, KADIS)
    office.deliver(reply(first, KADIS, "Tolak"))
    req = office.request()
    assert req.state == "open" and req.step == 3
    answer = office.last_to(KADIS)
    assert "sudah ditutup" in mime.body_text(answer)


def test_delegation_to_the_plt(office):
    send_letter(office, BANTAN)
    office.deliver(reply(office.last_to(KADIS), KADIS, "Delegasikan, saya sedang dinas luar"))
    to_plt = office.last_to(SEKDIS)
    assert "Mohon disposisi" in mime.header(to_plt, "Subject")
    approve(office, SEKDIS, "Setuju")
    req = office.request()
    assert req.step == 3
    assert ("delegated" in [e[1] for e in office.events(req.code)])


def test_acting_official_on_leave_dates_gets_the_mail(tmp_path, db_url):
    from datetime import datetime

    from harness import WIB
    office = Office(tmp_path, database=db_url, now=datetime(2026, 12, 15, 8, 0, tzinfo=WIB))
    send_letter(office, BANTAN.replace("7 Desember 2026", "18 Desember 2026"))
    mail = office.last_to(SEKDIS)  # Plt. Kepala Dinas from 14 to 24 December
    assert "Plt." in mime.body_text(mail)
    approve(office, SEKDIS)
    assert office.request().step == 3


def test_a_forged_display_name_is_refused_and_the_official_told(office):
    send_letter(office, BANTAN)
    forged = reply(office.last_to(KADIS), "johansyah.syafri@gmail.com", "Setuju",
                   display="Drs. H. Johansyah Syafri, M.Si.")
    inbound = office.deliver(forged)
    assert inbound.status == "quarantined"
    assert office.request().step == 2
    warned = office.last_to(KADIS)
    assert "johansyah.syafri@gmail.com" in mime.body_text(warned)


def test_an_auto_reply_changes_nothing(office):
    send_letter(office, BANTAN)
    auto = reply(office.last_to(KADIS), KADIS, "Saya sedang cuti sampai 10 Desember 2026.")
    auto.replace_header("Subject", "Balasan Otomatis: " + auto["Subject"])
    auto["Auto-Submitted"] = "auto-replied"
    before = len(office.outbox())
    inbound = office.deliver(auto)
    assert inbound.status == "ignored"
    assert office.request().step == 2
    new = office.outbox()[before:]  # never answered: only the operator is told (tests/unit/test_away_notice.py)
    assert [mime.addresses(m, "To") for m in new] == [["operator.liputan@bengkaliskab.go.id"]]


def test_an_unclear_reply_is_answered_with_what_to_write(office):
    send_letter(office, BANTAN)
    approve(office, KADIS, "Nanti saya lihat dulu")
    assert office.request().step == 2
    assert "SETUJU" in mime.body_text(office.last_to(KADIS))


def test_a_double_booked_staff_member_is_refused(office):
    send_letter(office, BANTAN)
    for who in (KADIS, KABID):
        approve(office, who)
    approve(office, KASI, "Setuju. Tim: Andi Saputra (berita), Rina Marlina (foto)")
    first = office.request()
    assert {m["name"] for m in first.team} == {"Andi Saputra", "Rina Marlina"}
    confirmed = office.last_to(KASI)  # the change is confirmed back to the Kasi
    assert "Perubahan tim" in mime.header(confirmed, "Subject")
    assert "Rina Marlina" in mime.body_text(confirmed)
    # a second event at the same time elsewhere on the island
    send_letter(office, BANTAN.replace("Musrenbang Kecamatan Bantan", "Pelantikan Pengurus PKK Desa Selatbaru")
                .replace("Musyawarah Perencanaan", "Pelantikan").replace("Aula Kantor Camat Bantan", "Balai Desa Selatbaru"),
                sender="pkk.selatbaru@gmail.com")
    second = office.request()
    assert second.code != first.code
    assert "bersamaan" in " ".join(second.flags)
    for who in (KADIS, KABID):
        approve(office, who)
    proposed = {m["email"] for m in office.request(second.code).team}
    assert not proposed & {"andi.saputra@bengkaliskab.go.id", "rina.marlina@bengkaliskab.go.id"}
    approve(office, KASI, "Setuju. Tim: Andi Saputra, Dewi Lestari")
    req = office.request(second.code)
    assert req.step == 4  # held: Andi is already assigned
    assert "sudah bertugas" in mime.body_text(office.last_to(KASI))


def test_the_same_event_sent_twice_is_linked_not_doubled(office):
    send_letter(office, BANTAN)
    send_letter(office, BANTAN)
    send_letter(office, BANTAN, sender="bappeda@bengkaliskab.go.id")
    with office.factory() as s:
        from sqlalchemy import func, select

        from daemon.core.models import Request
        assert s.scalar(select(func.count()).select_from(Request)) == 1
    req = office.request()
    assert [e[1] for e in office.events(req.code)].count("duplicate") == 2


def test_the_requester_cancels(office):
    send_letter(office, BANTAN)
    approve(office, KADIS)
    ack = office.mail_to("camat.bantan@bengkaliskab.go.id")[0]
    office.deliver(reply(ack, "camat.bantan@bengkaliskab.go.id", "Mohon maaf, acara ini dibatalkan."))
    req = office.request()
    assert req.state == "cancelled"
    assert "telah dibatalkan oleh pemohon" in mime.body_text(office.last_to(KABID))


def test_the_requester_reschedules(office):
    send_letter(office, BANTAN)
    send_letter(office, BANTAN.replace("Senin, 7 Desember 2026", "Selasa, 8 Desember 2026"),
                subject="Perubahan jadwal Musrenbang Kecamatan Bantan")
    req = office.request()
    assert req.event_start.astimezone().day in (8,) or req.event_start.day == 8
    assert "rescheduled" in [e[1] for e in office.events(req.code)]
    assert "Perubahan jadwal" in mime.header(office.last_to(KADIS), "Subject")


def test_missing_fields_are_asked_for_and_completed_by_reply(office):
    send_letter(office, "Dengan hormat,\nMohon diliput acara Lomba Pidato Pelajar.\nTerima kasih.\n",
                subject="Permohonan peliputan lomba pidato")
    req = office.request()
    assert req.step == 1 and "start" in req.missing
    asked = office.last_to("camat.bantan@bengkaliskab.go.id")
    office.deliver(reply(asked, "camat.bantan@bengkaliskab.go.id",
                         "Hari/Tanggal: Kamis, 10 Desember 2026\nPukul: 08.00 WIB\nTempat: Aula Kantor Camat Bantan"))
    req = office.request()
    assert req.step == 2 and req.missing == []


def test_a_letter_with_markup_characters_renders(office):
    send_letter(office, BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027",
                                       'Musrenbang "Bantan <Maju> & Sejahtera" 2027'))
    sheet = next(v for k, v in attachments_of(office.last_to(KADIS)).items() if k.startswith("Lembar"))
    assert 'Bantan <Maju> & Sejahtera' in docx_text(sheet)


def test_history_records_who_decided_what_and_when(office):
    send_letter(office, BANTAN)
    approve(office, KADIS, "Setuju, tolong foto yang bagus")
    ev = [e for e in office.events(office.request().code) if e[1] == "decided"][0]
    assert ev[0] == 2 and ev[2] == "approve" and ev[3] == KADIS
    assert "foto yang bagus" in ev[4]


def authenticated(msg, result: str):
    msg["Authentication-Results"] = (f"mx.bengkaliskab.go.id; dkim={result} header.d=bengkaliskab.go.id; "
                                     f"spf={result} smtp.mailfrom=kadis@bengkaliskab.go.id")
    return msg


def test_with_authserv_id_a_reply_failing_dkim_and_spf_is_refused(tmp_path, db_url):
    office = Office(tmp_path, database=db_url, authserv_id="mx.bengkaliskab.go.id")
    send_letter(office, BANTAN)
    row = office.deliver(authenticated(reply(office.last_to(KADIS), KADIS, "Setuju"), "fail"))
    assert row.status == "quarantined" and "authentication" in row.reason
    assert office.request().step == 2
    assert "DKIM/SPF" in mime.body_text(office.last_to(KADIS))
    office.deliver(authenticated(reply(office.mail_to(KADIS)[0], KADIS, "Setuju"), "pass"))
    assert office.request().step == 3


def test_two_different_events_of_one_unit_are_two_requests_not_a_reschedule(office):
    first = BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", "Musrenbang Desa Selatbaru")
    second = (BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", "Musrenbang Desa Pambang")
              .replace("Senin, 7 Desember 2026", "Selasa, 8 Desember 2026")
              .replace("Aula Kantor Camat Bantan", "Balai Desa Pambang"))
    send_letter(office, first)
    send_letter(office, second)
    a, b = office.request("LPT-2026-0001"), office.request("LPT-2026-0002")
    assert a.event_start.day == 7 and b.event_start.day == 8
    assert "rescheduled" not in [e[1] for e in office.events(a.code)]


REQUESTS = Path(__file__).resolve().parents[1] / "data" / "requests"


def test_a_bupati_agenda_becomes_one_request_per_event(office):
    office.deliver((REQUESTS / "10_protokol_agenda_numbered.eml").read_bytes())
    with office.factory() as s:
        from sqlalchemy import select

        from daemon.core.models import Request
        rows = s.scalars(select(Request).order_by(Request.id)).all()
    assert len(rows) == 4
    assert [r.outside_island for r in rows] == [False, True, False, False]
    assert all(r.step == 2 and r.requester_email == "protokol@bengkaliskab.go.id" for r in rows)
    # each event is its own disposition for the Kadis, with its own code in the subject
    subjects = [mime.header(m, "Subject") for m in office.mail_to(KADIS)]
    assert {r.code for r in rows} == {s.split("]")[0].strip("[") for s in subjects}


def test_a_scanned_letter_is_read_and_routed(office):
    office.deliver((REQUESTS / "05_bantan_scanned_pdf.eml").read_bytes())
    req = office.request()
    assert req.step == 2 and req.outside_island is False
    files = attachments_of(office.last_to(KADIS))
    assert "scan_surat_kecamatan.pdf" in files  # the original letter travels with the disposition


def test_a_forwarded_letter_is_acknowledged_to_the_unit_that_wrote_it(office):
    office.deliver((REQUESTS / "08_gmail_forward_terusan.eml").read_bytes())
    req = office.request()
    assert req.requester_email == "kesra@bengkaliskab.go.id"
    assert req.code in mime.header(office.last_to("kesra@bengkaliskab.go.id"), "Subject")


def test_ok_to_a_reschedule_notice_is_not_a_decision(office):
    send_letter(office, BANTAN)
    send_letter(office, BANTAN.replace("Senin, 7 Desember 2026", "Selasa, 8 Desember 2026"),
                subject="Perubahan jadwal Musrenbang Kecamatan Bantan")
    notice = office.last_to(KADIS)
    assert "Perubahan jadwal" in mime.header(notice, "Subject")
    office.deliver(reply(notice, KADIS, "Ok, terima kasih"))
    assert office.request().step == 2
    told = mime.body_text(office.last_to(KADIS))
    assert "surel permohonan tindakan" in told and "langkah" not in told
    approve_first = office.mail_to(KADIS)[0]  # the step's own mail still works
    office.deliver(reply(approve_first, KADIS, "Setuju"))
    assert office.request().step == 3
