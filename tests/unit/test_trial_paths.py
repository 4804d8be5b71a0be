"""Paths an office user takes off the demo's happy path (issue 7/13 trial): what each must lead to."""

from __future__ import annotations

import pytest
from harness import CAMAT, KADIS, KASI, WIB, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.mail import mime

CORRECTION = ("Dengan hormat,\nKami sampaikan perubahan jadwal kegiatan tersebut menjadi:\n"
              "Hari/Tanggal : Selasa, 8 Desember 2026\nPukul : 13.30 WIB\n"
              "Tempat : Gedung Daerah Bantan\n\nTerima kasih.")


@pytest.fixture
def office(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    return office


@pytest.mark.parametrize("style", ["outlook", "gmail", "iphone"])
def test_a_correction_in_a_reply_to_the_acknowledgement_moves_the_event(office, style):
    """Outlook quotes our mail without '>': the facts block we sent must not win over the new
    time and place the requester wrote above it, and the correction is not filed as a mere note."""
    ack = office.mail_to(CAMAT)[0]
    office.deliver(reply(ack, CAMAT, CORRECTION, style=style, display="Kantor Camat Bantan"))
    req = office.request()
    start = req.event_start.astimezone(WIB)
    assert (start.day, start.hour, start.minute) == (8, 13, 30)
    assert req.location == "Gedung Daerah Bantan"
    kinds = [e[1] for e in office.events(req.code)]
    assert "rescheduled" in kinds and "note" not in kinds
    told = " ".join(mime.body_text(office.last_to(KADIS)).split())
    assert "menjadi Selasa, 8 Desember 2026 pukul 13.30 WIB" in told
    assert "tempat semula Aula Kantor Camat Bantan, menjadi Gedung Daerah Bantan" in told
    assert "telah kami catat" in mime.body_text(office.last_to(CAMAT))


def test_a_new_day_alone_keeps_the_time_of_day(office):
    ack = office.mail_to(CAMAT)[0]
    office.deliver(reply(ack, CAMAT, "Mohon maaf, acara diundur menjadi:\nHari/Tanggal : Rabu, 9 Desember 2026", style="outlook"))
    req = office.request()
    start = req.event_start.astimezone(WIB)
    assert (start.day, start.hour) == (9, 9) and req.location == "Aula Kantor Camat Bantan"


def test_a_note_without_a_time_or_place_stays_a_note(office):
    ack = office.mail_to(CAMAT)[0]
    office.deliver(reply(ack, CAMAT, "Terima kasih, kami tunggu kehadiran tim.", style="outlook"))
    req = office.request()
    kinds = [e[1] for e in office.events(req.code)]
    assert "note" in kinds and "rescheduled" not in kinds
    assert req.event_start.astimezone(WIB).day == 7


@pytest.mark.parametrize("text", ["setuju tapi ganti timnya", "Setuju, timnya diganti saja ya"])
def test_the_kasi_asking_for_another_team_without_naming_it_does_not_approve_the_proposal(office, text):
    """'Setuju tapi ganti timnya' at the team step: approving the proposal would send the very team
    the Kasi asked to replace; when in doubt, do not approve, and say how to name the team."""
    from harness import KABID
    for who in (KADIS, KABID):
        office.deliver(reply(office.last_to(who), who, "Setuju"))
    proposed = office.request().team
    office.deliver(reply(office.last_to(KASI), KASI, text, style="iphone"))
    req = office.request()
    assert req.step == 4 and req.team == proposed
    answer = " ".join(mime.body_text(office.last_to(KASI)).split())
    assert "belum menyebutkan petugas penggantinya" in answer and "Tim: Andi, Rina (foto)" in answer
    assert "held" in [e[1] for e in office.events(req.code)]
    office.deliver(reply(office.mail_to(KASI)[0], KASI, "Setuju. Tim: Andi, Rina (foto)"))
    req = office.request()
    assert req.step == 6 and {m["name"].split()[0] for m in req.team} == {"Andi", "Rina"}


def test_a_file_in_a_folder_whose_code_names_no_request_is_quarantined_with_its_reason(office):
    """A folder made by hand with a mistyped code: the watcher passes it (it looks like a request
    folder), so the file was recorded for no request and left where it was, and nobody was told."""
    from pathlib import Path

    from sqlalchemy import select

    from daemon.app.folder import FolderIntake
    from daemon.core.models import DeliveryFile
    from daemon.delivery import safety
    from harness import NEWS

    root = Path(office.cfg.paths.dropbox)
    folder = root / "2026" / "LPT-2026-0999 Musrenbang Bantan"
    folder.mkdir(parents=True)
    news = folder / "berita.txt"
    news.write_text(NEWS, encoding="utf-8")
    assert safety.judge(root, news, 50 * 2**20) == (news, None)  # what the watcher reports: ready
    FolderIntake(office.ctx, office.factory).ready(news)
    assert not news.exists()
    kept = list((root / "_KARANTINA").rglob("berita.txt"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == NEWS
    why = Path(f"{kept[0]}.alasan.txt").read_text(encoding="utf-8")
    assert "Tidak ada permintaan liputan dengan kode pada nama folder ini" in why
    with office.factory() as s:
        row = s.scalars(select(DeliveryFile)).one()
    assert row.status == "quarantined" and row.request_id is None
    assert row.reason.startswith("Tidak ada permintaan liputan")


def test_the_history_of_a_cancellation_reads_in_indonesian(office):
    """`liputan show` prints each line's note as recorded: the step closed by a cancellation said
    'cancelled' (and a decision that closes other open tasks 'step 3 approve')."""
    from harness import KABID

    office.deliver(reply(office.last_to(KADIS), KADIS, "Setuju"))
    ack = office.mail_to(CAMAT)[0]
    office.deliver(reply(ack, CAMAT, "Dengan hormat, kegiatan tersebut dibatalkan. Mohon maaf."))
    req = office.request()
    assert req.state == "cancelled"
    notes = [e[4] for e in office.events(req.code) if e[1] == "superseded"]
    assert notes == ["permohonan dibatalkan"]
    assert any(m for m in office.mail_to(KABID) if "dibatalkan" in mime.header(m, "Subject"))


def test_the_same_letter_twice_is_answered_as_the_first_was_addressed(office):
    """The acknowledgement greets 'Yth. Camat Bantan,'; the answer to the same letter sent again
    greeted the unit ('Yth. Kecamatan Bantan,'), not its head."""
    office.new_mail()
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    assert len({office.request().code}) == 1
    (answer,) = office.mail_to(CAMAT, office.new_mail())
    assert "sudah tercatat" in mime.header(answer, "Subject")
    assert mime.body_text(answer).startswith("Yth. Camat Bantan,")
    assert mime.body_text(office.mail_to(CAMAT)[0]).startswith("Yth. Camat Bantan,")
