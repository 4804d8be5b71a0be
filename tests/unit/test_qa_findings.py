"""QA findings: realistic office mail that the daemon got wrong (one test per bug)."""

from __future__ import annotations

from datetime import datetime

import pytest
from harness import KABID, KADIS, KASI, WIB, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.mail import mime
from daemon.reading.extract import extract_requests
from daemon.reading.replies import default_lexicon, read_reply, read_text

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=WIB)
BANTAN_UNIT = "camat.bantan@bengkaliskab.go.id"


@pytest.fixture
def office(tmp_path, db_url):
    return Office(tmp_path, database=db_url)


def send_bantan(office):
    return office.deliver(letter(BANTAN_UNIT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))


def approve(office, who, text="Setuju", style="gmail"):
    return office.deliver(reply(office.last_to(who), who, text, style=style))


# ---- replies ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Belum bisa saya setujui",
    "Mohon maaf, tidak bisa kami setujui dulu",
    "Belum dapat disetujui, tunggu konfirmasi Bupati",
])
def test_it_reads_a_negated_approval_with_words_between_as_a_refusal(text):
    assert read_text(text, default_lexicon()).decision == "reject"


def test_it_keeps_an_islamic_closing_out_of_the_decision_note():
    raw = ("From: kadis@bengkaliskab.go.id\nTo: liputan@bengkaliskab.go.id\n"
           "Subject: Re: [LPT-2026-0001] Mohon disposisi\nMessage-ID: <q1@bengkaliskab.go.id>\n"
           "Content-Type: text/plain; charset=utf-8\n\n"
           "Assalamualaikum wr. wb.\nSetuju \U0001F64F\nWassalamualaikum wr. wb.\n\n"
           "Pada Sen, 30 Nov 2026 pukul 08.05 Liputan <liputan@bengkaliskab.go.id> menulis:\n> TOLAK\n")
    reading = read_reply(raw.encode(), default_lexicon())
    assert reading.decision == "approve"
    assert "wassalam" not in reading.note.lower()


# ---- request letters ----------------------------------------------------------------------------
def _facts(office, body, subject="Permohonan Peliputan"):
    msg = mime.parse(letter(BANTAN_UNIT, subject, body).as_bytes())
    return extract_requests(msg, office.ctx.places, NOW)


def test_it_ends_a_running_text_title_before_pada_and_a_weekday(office):
    body = ("Selamat pagi Bapak/Ibu \U0001F64F\U0001F60A\nMohon bantuan peliputan kegiatan Lomba Mewarnai TK "
            "\U0001F3A8 pada Sabtu, 19 Desember 2026 pukul 08.30 WIB di Taman Andam Dewi Bengkalis.\n"
            "Terima kasih \U0001F64F")
    [facts] = _facts(office, body)
    assert facts.title.startswith("Lomba Mewarnai TK") and "Desember" not in facts.title
    assert facts.location == "Taman Andam Dewi Bengkalis"
    assert facts.start == datetime(2026, 12, 19, 8, 30, tzinfo=WIB)


def test_it_reads_the_title_of_mohon_peliputan_without_kegiatan(office):
    [facts] = _facts(office, "Mohon peliputan Rapat Paripurna DPRD hari Senin 14 Desember 2026 jam 1 siang "
                             "di Gedung DPRD Bengkalis.")
    assert facts.title == "Rapat Paripurna DPRD"
    assert facts.start == datetime(2026, 12, 14, 13, 0, tzinfo=WIB)


CANCEL_LETTER = ("Dengan hormat,\nBersama ini kami sampaikan bahwa kegiatan Musrenbang Kecamatan Bantan Tahun 2027 "
                 "yang sedianya dilaksanakan pada Senin, 7 Desember 2026 dibatalkan.\n"
                 "Mohon maaf atas ketidaknyamanannya.\n\nCamat Bantan\n")


def test_it_cancels_when_the_unit_writes_a_fresh_cancellation_letter(office):
    send_bantan(office)
    approve(office, KADIS)
    row = office.deliver(letter(BANTAN_UNIT, "Pembatalan Musrenbang Kecamatan Bantan", CANCEL_LETTER))
    assert row.status == "done"
    req = office.request()
    assert req.state == "cancelled"
    assert "telah dibatalkan oleh pemohon" in mime.body_text(office.last_to(KABID))


def test_it_moves_the_event_when_the_unit_replies_to_the_ack_with_a_new_date(office):
    send_bantan(office)
    ack = office.mail_to(BANTAN_UNIT)[0]
    office.deliver(reply(ack, BANTAN_UNIT, "Mohon maaf, acara diundur menjadi Rabu, 9 Desember 2026 "
                                           "pukul 13.30 WIB di tempat yang sama."))
    req = office.request()
    assert req.event_start.astimezone(WIB) == datetime(2026, 12, 9, 13, 30, tzinfo=WIB)
    assert req.location == "Aula Kantor Camat Bantan"
    assert "rescheduled" in [e[1] for e in office.events(req.code)]
    assert "Perubahan jadwal" in mime.header(office.last_to(KADIS), "Subject")


# ---- engine -------------------------------------------------------------------------------------
def _at_step_4(office):
    send_bantan(office)
    approve(office, KADIS)
    approve(office, KABID)
    return office.request()


def test_it_applies_the_kasis_swap_at_step_4_instead_of_sending_it_back(office):
    req = _at_step_4(office)
    assert any(m["name"] == "Fajar Ramadhan" for m in req.team)
    approve(office, KASI, "ganti Fajar dengan Hendra")
    req = office.request()
    assert req.step != 3  # not back to the Kabid: the team is the Kasi's own step
    names = {m["name"] for m in req.team}
    assert "Hendra Gunawan" in names and "Fajar Ramadhan" not in names


def test_it_answers_a_repeated_setuju_by_name_and_title(office):
    send_bantan(office)
    first = office.last_to(KADIS)
    office.deliver(reply(first, KADIS, "Setuju"))
    office.deliver(reply(first, KADIS, "Setuju"))  # pressed send twice (new Message-ID)
    assert office.request().step == 3
    body = mime.body_text(office.last_to(KADIS))
    assert "Johansyah" in body  # greeted by name, like every other mail to the Kadis
    assert "kabid.ikp@bengkaliskab.go.id" not in body  # "menunggu Kepala Bidang ...", not an address


def test_it_adds_a_photographer_when_the_kasi_asks_for_one_at_step_4(office):
    req = _at_step_4(office)
    before = len(req.team)
    approve(office, KASI, "Setuju, tapi tambahkan fotografer")
    req = office.request()
    photographers = [m for m in req.team if "foto" in (m.get("role") or "")]
    assert len(req.team) == before + 1 and len(photographers) >= 2


@pytest.mark.parametrize("text, decision, note", [
    ("Setuju, lanjutkan. Terima kasih Bapak", "approve", ""),
    ("Setuju, tambahkan fotografer. Trims", "approve", "tambahkan fotografer"),
    ("revisi: ganti tempat. Terima kasih banyak pak", "revise", "ganti tempat"),
    ("batalkan saja", "reject", ""),
    ("nggak usah, batalkan saja", "reject", ""),
])
def test_courtesy_is_not_a_note_and_batalkan_refuses(text, decision, note):
    from daemon.reading.replies import load_lexicon, read_text
    got = read_text(text, load_lexicon("rules/lexicon.yaml"))
    assert (got.decision, got.note) == (decision, note)


def test_people_named_without_a_task_get_one_from_their_skills(office):
    _at_step_4(office)
    approve(office, KASI, "Setuju. Tim: Rina dan Nurul")
    roles = {m["name"]: m["role"] for m in office.request().team}
    assert roles == {"Rina Marlina": "foto", "Nurul Hidayah": "berita"}
