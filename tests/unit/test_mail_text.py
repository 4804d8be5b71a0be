"""What officials, requesters and the team read in Liputan's mail (issue 10, defects 10-14)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from harness import CAMAT, KABID, KADIS, KASI, SEKDIS, WIB, Office, letter, reply
from test_workflow_bodies import BANTAN, DURI

from daemon.mail import mime


@pytest.fixture
def office(tmp_path):
    return Office(tmp_path)


def start(office, body=BANTAN, sender=CAMAT):
    office.deliver(letter(sender, "Permohonan Peliputan", body, display="Kantor Camat Bantan"))


def approve(office, who, text="Setuju"):
    office.deliver(reply(office.last_to(who), who, text))


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


def to_signing(office):
    start(office, DURI, "disdik@bengkaliskab.go.id")
    for who in (KADIS, KABID, KASI, KABID):
        approve(office, who)
    assert office.request().step == 9


# ---- defect 10: mail to officials --------------------------------------------------------------
def test_kabid_gets_distinct_subjects_for_steps_3_and_6(office):
    start(office)
    approve(office, KADIS)
    step3 = mime.header(office.last_to(KABID), "Subject")
    approve(office, KABID)
    approve(office, KASI)
    step6 = mime.header(office.last_to(KABID), "Subject")
    assert office.request().step == 6
    assert step3 != step6
    assert "Kepala Seksi" in step3 and "perintah peliputan" in step6.lower()


def test_each_signer_is_asked_for_their_own_action(office):
    to_signing(office)
    kabid = mime.body_text(office.last_to(KABID))
    assert "paraf atau" not in kabid and "atau menandatangani" not in kabid
    assert "memberi paraf" in kabid
    approve(office, KABID)
    approve(office, SEKDIS)
    kadis = office.last_to(KADIS)
    text = mime.body_text(kadis)
    asked = re.sub(r"Surat Perintah Tugas ini telah diparaf oleh [^\n]*", "", text.split("Balas")[0])
    assert "paraf" not in asked.lower()  # who initialled before is told, but the Kadis is asked to sign
    assert "menandatangani" in text
    assert "tanda tangan" in mime.header(kadis, "Subject").lower()
    assert "paraf" in mime.header(office.mail_to(SEKDIS)[-1], "Subject").lower()


def test_no_process_jargon_and_a_service_standard_in_working_time(office):
    start(office)
    for who in (KADIS,):
        text = mime.body_text(office.last_to(who))
        assert not re.search(r"langkah \d+|SOP", text), text
        assert "Batas waktu" not in text
        assert "Standar layanan: 5 menit kerja" in text
        assert not re.search(r"\(sampai .*pukul", text)


def test_task_html_is_designed_for_a_phone(office):
    start(office)
    msg = office.last_to(KADIS)
    subject = mime.header(msg, "Subject")
    html = html_of(msg)
    assert '<meta name="viewport"' in html
    assert "<table" in html and "Musrenbang" in html
    assert re.search(r"<(b|strong)>[^<]*Mohon", html)
    links = re.findall(r'href="(mailto:[^"]+)"', html)
    bodies = {}
    for link in links:
        url = urlparse(link.replace("&amp;", "&"))
        q = parse_qs(url.query)
        assert unquote(url.path) == "liputan@bengkaliskab.go.id"
        assert q["subject"] == [f"Re: {subject}"]
        bodies[q["body"][0]] = link
    assert {"SETUJU", "TOLAK"} <= set(bodies)


def test_a_mailto_reply_without_threading_headers_counts(office):
    start(office)
    subject = mime.header(office.last_to(KADIS), "Subject")
    msg = EmailMessage()
    msg["From"] = KADIS
    msg["To"] = "liputan@bengkaliskab.go.id"
    msg["Subject"] = f"Re: {subject}"
    msg["Date"] = format_datetime(datetime(2026, 11, 30, 9, 0, tzinfo=WIB))
    msg["Message-ID"] = make_msgid(domain="bengkaliskab.go.id")
    msg.set_content("SETUJU")
    office.deliver(msg)
    assert office.request().step == 3


def test_date_header_is_in_the_office_zone(office):
    start(office)
    msg = office.last_to(KADIS)
    assert mime.header(msg, "Date").endswith("+0700")
    assert parsedate_to_datetime(mime.header(msg, "Date")).utcoffset().total_seconds() == 7 * 3600


# ---- defect 11: mail to requesters -------------------------------------------------------------
def test_an_internal_revision_note_never_reaches_the_requester(office):
    start(office)
    approve(office, KADIS, "revisi: acara ini kurang prioritas bagi Bupati; tempat kurang jelas")
    asked = office.last_to(CAMAT)
    text = mime.body_text(asked)
    assert "prioritas" not in text and "Bupati" not in text
    assert "dikembalikan oleh" not in text and "catatan:" not in text.lower()
    assert "tempat kegiatan" in text  # the correction named, in a fixed polite form
    assert "Dengan hormat" in text


def test_a_revision_naming_no_field_asks_politely_without_the_note(office):
    start(office)
    approve(office, KADIS, "revisi: saya ragu, tolong cek dulu ke protokol")
    text = mime.body_text(office.last_to(CAMAT))
    assert "protokol" not in text and "ragu" not in text
    assert "memeriksa kembali" in text


def test_refusal_subject_and_body_agree(office):
    start(office)
    approve(office, KADIS, "Tolak, jadwal bentrok dengan agenda Bupati")
    told = office.last_to(CAMAT)
    subject, text = mime.header(told, "Subject"), mime.body_text(told)
    assert "tidak dapat dipenuhi" in subject
    assert "tidak dapat kami penuhi" in text and "belum dapat" not in text


def test_the_cancellation_notice_is_threaded_to_the_request(office):
    start(office)
    first = office.request().thread_id
    office.deliver(reply(office.last_to(CAMAT), CAMAT, "Mohon maaf, kegiatan ini dibatalkan."))
    assert office.request().state == "cancelled"
    told = office.last_to(CAMAT)
    assert "dibatalkan" in mime.header(told, "Subject").lower()
    assert mime.header(told, "In-Reply-To") == first
    assert first in mime.header(told, "References")
    assert "DIBATALKAN" not in mime.body_text(told)


# ---- defect 12: the team -----------------------------------------------------------------------
def to_duri_coverage(office):
    to_signing(office)
    for who in (KABID, SEKDIS, KADIS):
        approve(office, who)
    req = office.request()
    assert req.step == 10
    return req


def calendars_of(msg: EmailMessage) -> dict[str, tuple[str, bytes]]:
    return {a.filename: (a.content_type, a.data) for a in mime.attachments(msg)
            if a.filename and a.filename.endswith(".ics")}


def test_assignment_addresses_the_team_formally_and_names_a_contact(office):
    req = to_duri_coverage(office)
    text = mime.body_text(office.mail_to(req.team[0]["email"])[-1])
    assert "Saudara/i" not in text
    assert "berhalangan" in text and KASI in text


def test_the_invitation_is_the_event_and_travel_is_its_own_block(office):
    import icalendar

    req = to_duri_coverage(office)
    mail = office.mail_to(req.team[0]["email"])[-1]
    files = calendars_of(mail)
    invite = icalendar.Calendar.from_ical(files[f"{req.code}.ics"][1])
    assert files[f"{req.code}.ics"][0] == "text/calendar"
    (ev,) = invite.walk("VEVENT")
    assert ev["DTSTART"].dt == req.event_start.astimezone(WIB)
    assert ev["DTSTART"].dt.hour == 13
    desc = str(ev["DESCRIPTION"])
    assert "13.00" in desc and "Ibu Sari" in desc and "081311112222" in re.sub(r"[-. ]", "", desc)
    assert "SPT" in desc and "/2026" in desc and "Titik kumpul" in desc
    assert ev["ORGANIZER"].params.get("CN")
    assert [str(t["TZID"]) for t in invite.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    travel = icalendar.Calendar.from_ical(files[f"{req.code}-perjalanan.ics"][1])
    blocks = travel.walk("VEVENT")
    assert len(blocks) == 2 and all(str(b["UID"]) != str(ev["UID"]) for b in blocks)
    assert min(b["DTSTART"].dt for b in blocks) < ev["DTSTART"].dt


def test_a_cancellation_sends_a_calendar_cancel_and_copies_the_kasi(office):
    import icalendar

    req = to_duri_coverage(office)
    member = req.team[0]["email"]
    first = icalendar.Calendar.from_ical(calendars_of(office.mail_to(member)[-1])[f"{req.code}.ics"][1])
    office.deliver(reply(office.mail_to("disdik@bengkaliskab.go.id")[0], "disdik@bengkaliskab.go.id",
                         "Mohon maaf, kegiatan ini dibatalkan."))
    assert office.request().state == "cancelled"
    told = office.mail_to(member)[-1]
    assert KASI in mime.header(told, "Cc")
    cancel = icalendar.Calendar.from_ical(calendars_of(told)[f"{req.code}.ics"][1])
    assert str(cancel["METHOD"]) == "CANCEL"
    (ev,), (ev0,) = cancel.walk("VEVENT"), first.walk("VEVENT")
    assert str(ev["UID"]) == str(ev0["UID"]) and int(ev["SEQUENCE"]) > int(ev0["SEQUENCE"])
    assert str(ev["STATUS"]) == "CANCELLED"


# ---- defect 13: attachments --------------------------------------------------------------------
def test_the_letter_from_a_mail_body_is_attached_as_a_message(office):
    start(office)
    parts = [p for p in office.last_to(KADIS).walk() if p.get_content_type() == "message/rfc822"]
    assert len(parts) == 1 and parts[0].get_filename().endswith(".eml")
    inner = parts[0].get_payload(0)
    assert "Musrenbang" in mime.body_text(inner)
    assert not any(a.content_type == "application/octet-stream"
                   for a in mime.attachments(office.last_to(KADIS)))


def test_one_file_per_document_without_version_suffixes(office):
    start(office)
    approve(office, KADIS)
    approve(office, KABID, "revisi: mohon cek kembali jadwal acaranya")
    approve(office, KADIS)  # the disposition sheet is now in a later version
    names = [a.filename for a in mime.attachments(office.last_to(KABID))]
    assert names and not any(re.search(r"-v\d+\.", n) for n in names)
    stems = [n.rsplit(".", 1)[0] for n in names]
    assert len(stems) == len(set(stems))  # not a .docx and a .pdf of the same letter
    text = mime.body_text(office.last_to(KABID))
    assert all(n in text for n in names if not n.endswith(".eml"))


def test_a_final_document_goes_as_its_pdf_alone(tmp_path):
    from types import SimpleNamespace

    from daemon.sop import documents

    docx, pdf = tmp_path / "SPT-LPT-2026-0001-v3.docx", tmp_path / "SPT-LPT-2026-0001-v3.pdf"
    docx.write_bytes(b"PK docx")
    pdf.write_bytes(b"%PDF-1.7")
    doc = SimpleNamespace(path=str(docx), pdf_path=str(pdf))
    assert [(n, t) for n, t, _ in documents.attachments(doc)] == [
        ("SPT-LPT-2026-0001.pdf", "application/pdf")]
    assert [n for n, _, _ in documents.attachments(doc, editable=True)] == [
        "SPT-LPT-2026-0001.docx", "SPT-LPT-2026-0001.pdf"]
    pdf.unlink()
    assert [n for n, _, _ in documents.attachments(doc)] == ["SPT-LPT-2026-0001.docx"]


# ---- defect 14: one glossary -------------------------------------------------------------------
def test_every_mail_uses_one_glossary_and_one_sign_off(office):
    start(office)
    approve(office, KADIS)
    approve(office, KABID, "revisi: mohon cek kembali jadwal acaranya")
    for who in (KADIS, KABID, KASI, KABID):
        approve(office, who)
    assert office.request().step == 10
    office.deliver(reply(office.mail_to(CAMAT)[0], CAMAT, "Mohon maaf, kegiatan ini dibatalkan."))
    mails = office.outbox()
    assert len(mails) >= 10
    for msg in mails:
        text = mime.body_text(msg)
        subject = mime.header(msg, "Subject")
        where = f"{subject}:\n{text}"
        assert "permintaan" not in (subject + text).lower(), where
        assert not re.search(r"\bs/d\b|sampai dengan|Saudara/i|\bSOP\b|langkah \d", text), where
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), where
        assert text.count("Hormat kami,") == 1, where
        assert text.count("Surel ini dikirim otomatis oleh Liputan") == 1, where
        assert text.rstrip().splitlines()[-1].startswith("Surel ini dikirim otomatis"), where


@pytest.mark.parametrize("quoted", ["<blockquote>{html}</blockquote>",
                                    "<hr><div>Dari: Liputan &lt;liputan@bengkaliskab.go.id&gt;<br>"
                                    "Subjek: {subject}</div>{html}"])
def test_a_refusal_over_the_quoted_phone_html_is_not_read_as_approval(office, quoted):
    start(office)
    msg0 = office.last_to(KADIS)
    subject = mime.header(msg0, "Subject")
    body = "<div>Tolak, jadwal bentrok</div>" + quoted.format(html=html_of(msg0), subject=subject)
    msg = EmailMessage()
    msg["From"] = KADIS
    msg["To"] = "liputan@bengkaliskab.go.id"
    msg["Subject"] = f"Re: {subject}"
    msg["Date"] = format_datetime(datetime(2026, 11, 30, 9, 0, tzinfo=WIB))
    msg["Message-ID"] = make_msgid(domain="bengkaliskab.go.id")
    msg["In-Reply-To"] = mime.header(msg0, "Message-ID")
    msg.set_content(body, subtype="html")
    office.deliver(msg)
    assert office.request().state == "rejected"


# ---- cancel and reschedule notices greet the officials and the team by name -----------------
def body_of(msg: EmailMessage) -> str:
    return mime.body_text(msg).replace("\r\n", "\n")


def test_cancel_and_reschedule_notices_greet_an_official_by_name(office):
    start(office)
    office.deliver(letter(CAMAT, "Perubahan jadwal Musrenbang Kecamatan Bantan",
                          BANTAN.replace("Senin, 7 Desember 2026", "Selasa, 8 Desember 2026"),
                          display="Kantor Camat Bantan"))
    moved = body_of(office.last_to(KADIS))
    assert "Perubahan jadwal" in mime.header(office.last_to(KADIS), "Subject")
    assert moved.startswith("Yth. Drs. H. Johansyah Syafri, M.Si.,\n"), moved[:80]
    assert body_of(office.last_to(CAMAT)).startswith("Yth. Camat Bantan,\n")
    office.deliver(reply(office.last_to(CAMAT), CAMAT, "Mohon maaf, kegiatan ini dibatalkan."))
    assert office.request().state == "cancelled"
    cancelled = body_of(office.last_to(KADIS))
    assert "telah dibatalkan oleh pemohon" in cancelled
    assert cancelled.startswith("Yth. Drs. H. Johansyah Syafri, M.Si.,\n"), cancelled[:80]
    assert "Bapak/Ibu" not in cancelled  # the roster's salutation: Bapak
    assert body_of(office.last_to(CAMAT)).startswith("Yth. Camat Bantan,\n")


def test_a_reschedule_greets_each_team_member_by_name(office):
    req = to_duri_coverage(office)
    disdik = "disdik@bengkaliskab.go.id"
    office.deliver(reply(office.mail_to(disdik)[0], disdik, "Mohon maaf, acara diundur menjadi Kamis, "
                                                            "10 Desember 2026 pukul 13.00 WIB di tempat yang sama."))
    assert "rescheduled" in [e[1] for e in office.events(req.code)]
    for member in req.team:
        told = body_of(office.mail_to(member["email"])[-1])
        assert "Pemohon mengubah jadwal kegiatan" in told
        assert told.startswith(f"Yth. {member['name']},\n"), told[:80]
