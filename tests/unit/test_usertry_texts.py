"""What a new office saw trying Liputan by hand (usertry): the preview's file list, `show` labels."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import yaml

from daemon.mail import mails

REPO = Path(__file__).resolve().parents[2]


def preview(**files) -> tuple[str, str]:
    r = SimpleNamespace(code="LPT-2026-0001", title="Musrenbang Kecamatan Bantan", requester="Kecamatan Bantan",
                        requester_email="camat.bantan@bengkaliskab.go.id", location="Aula Kantor Camat Bantan",
                        outside_island=False, letter_number=None, contact_name=None, contact_phone=None,
                        event_start=datetime(2026, 12, 8, 2, tzinfo=timezone.utc),
                        event_end=datetime(2026, 12, 8, 5, tzinfo=timezone.utc), until_done=False)
    office = yaml.safe_load((REPO / "rules" / "office.yaml").read_text(encoding="utf-8"))
    news = SimpleNamespace(title="Musrenbang Bantan Tetapkan 42 Usulan", lead="BANTAN - Musrenbang ...")
    photos = files.get("photo_files", [])
    videos = files.get("video_files", [])
    _, text, html = mails.render("preview", r=r, tag="[LPT-2026-0001]", office=office, step=None,
                                 person={"name": "Siti Aminah, S.I.Kom.", "salutation": "Ibu"},
                                 acting_title=None, news=news, thumbs=[], photos=len(photos),
                                 videos=len(videos), files=[], deadline=None, standard="60 menit kerja",
                                 news_files=files.get("news_files", []), photo_files=photos,
                                 video_files=videos, refused=files.get("refused", []))
    return text, html


def test_the_preview_lists_the_news_apart_from_the_photos():
    text, html = preview(news_files=["Berita.docx"], photo_files=["DSC_0001.JPG", "DSC_0002.JPG"])
    assert "- naskah berita: Berita.docx\n- 2 foto: DSC_0001.JPG, DSC_0002.JPG\n\nBalas" in text
    assert "2 foto (Berita.docx" not in text  # the news text was counted among the photos
    assert "naskah berita: Berita.docx" in html and "2 foto: DSC_0001.JPG, DSC_0002.JPG" in html
    assert "video" not in text


def test_the_preview_names_videos_on_their_own_line():
    text, _ = preview(news_files=["Berita.txt"], photo_files=["a.jpg"], video_files=["b.mp4"])
    assert "- 1 foto: a.jpg\n- 1 video: b.mp4\n\nBalas" in text


def test_show_speaks_indonesian_for_every_event_the_office_sees():
    from daemon.app import human
    from daemon.core.models import Task
    from daemon.core.rules_sop import Step
    from daemon.sop.kinds.base import Kind

    ev = lambda kind, actor, note=None, decision=None: {  # noqa: E731
        "time": "2026-12-01T01:40:00+07:00", "step": 2, "kind": kind, "decision": decision,
        "actor": actor, "note": note}
    step = Step.model_construct(kind="disposition")
    sent_note = Kind.task_label(Kind(), step, Task(role="kadis"))
    data = {"code": "LPT-2026-0001", "title": "Lomba Posyandu", "state": "open", "step": 2,
            "waiting_for": ["kadis@bengkaliskab.go.id"], "event_start": None, "location": "Gedung Daerah",
            "outside_island": False, "requester": "Dinas Kesehatan", "requester_email": "dinkes@x.go.id",
            "team": [], "publications": [],
            "files": [{"status": "accepted", "kind": "photo", "name": "DSC_0101.jpg", "reason": None},
                      {"status": "quarantined", "kind": "other", "name": "foto_palsu.jpg", "reason": "bukan gambar"}],
            "events": [ev("received", "dinkes@x.go.id", "sumber: body"), ev("done", "system"),
                       ev("sent", "kadis@x.go.id", sent_note),
                       ev("refused", "johansyah@gmail.com", "nama pengirim meniru pejabat"),
                       ev("note", "operator@x.go.id", "ditelepon"),
                       ev("delivered", "system", "diterima di folder bersama: 2026/X/berita.txt (news)")],
            "steps": [{"step": 2, "role": "kadis", "who": "kadis@x.go.id", "decision": None,
                       "status": "open", "working_minutes": 0, "standard_minutes": 5, "late": False}]}
    text = human.show_text(data)
    assert "sumber: isi surel" in text and "sumber: body" not in text
    assert "disposisi oleh kadis" in text and "disposition" not in text
    assert "tidak diproses" in text and "refused" not in text
    assert "catatan " in text
    assert " system" not in text and "Liputan" in text
    assert "berita.txt (berita)" in text and "(news)" not in text
    assert "diterima    foto    DSC_0101.jpg" in text and "dikarantina lainnya foto_palsu.jpg" in text
    assert " open " not in text and "belum     0 menit / standar 5 menit" in text


def test_the_assignment_names_the_signed_spt_it_carries(tmp_path):
    from harness import Office
    from test_mail_text import to_duri_coverage

    from daemon.mail import mime
    office = Office(tmp_path)
    req = to_duri_coverage(office)
    msg = office.mail_to(req.team[0]["email"])[-1]
    text = mime.body_text(msg)
    assert "berdasarkan disposisi Kepala Bidang dan Surat Perintah Tugas Nomor 800.1.11.1/" in text
    assert "terlampir, beserta Surat Perintah Tugas." in text


def test_the_sandbox_banner_works_from_any_folder(tmp_path):
    from daemon.app import sandbox
    text = sandbox.banner(tmp_path / "sandbox", tmp_path / "sandbox" / "liputan.toml", 2525, 1143)
    sample = REPO / "tests" / "data" / "requests" / "01_disdik_labelled_qp.eml"
    assert sample.is_file() and f"--port 2525 {sample}" in text  # not a path relative to the checkout
    assert str(REPO / "rules" / "office.yaml") in text
    assert f"shared folder (drop the news and photos into the request's folder once assigned):\n" \
           f"      {tmp_path / 'sandbox' / 'hasil-liputan'}" in text


def test_an_unknown_team_name_is_answered_with_the_names_on_the_roster(tmp_path):
    from harness import KABID, KADIS, KASI, Office
    from test_mail_text import approve, start

    from daemon.mail import mime
    office = Office(tmp_path)
    start(office)
    approve(office, KADIS)
    approve(office, KABID)
    approve(office, KASI, "Setuju. Tim: Andi, Budi (foto)")
    assert office.request().step == 4  # nothing decided on a name nobody has
    text = mime.body_text(office.last_to(KASI)).replace("\r\n", "\n")
    assert "tidak kami temukan atau tidak jelas dalam daftar petugas: Budi." in text
    assert "Petugas yang terdaftar: Andi Saputra, Rina Marlina, Fajar Ramadhan" in text


def test_the_preview_names_the_files_set_aside_and_why():
    text, html = preview(news_files=["berita.txt"], photo_files=["a.jpg"])
    assert "_KARANTINA" not in text
    text, html = preview(news_files=["berita.txt"], photo_files=["a.jpg"],
                         refused=[{"name": "foto_palsu.jpg", "reason": "Nama berkas berakhiran .jpg tetapi isinya bukan gambar."}])
    assert ("- 1 foto: a.jpg\n\nBerkas yang tidak diterima (dipindahkan ke folder _KARANTINA beserta keterangannya):\n"
            "- foto_palsu.jpg: Nama berkas berakhiran .jpg tetapi isinya bukan gambar.\n\nBalas") in text
    assert "foto_palsu.jpg: Nama berkas berakhiran .jpg" in html


def test_the_team_asked_for_a_missing_piece_is_told_which_file_was_refused():
    from types import SimpleNamespace as NS
    r = NS(code="LPT-2026-0001", title="Lomba Posyandu", requester="Dinas Kesehatan", requester_email="d@x.go.id",
           location="Gedung Daerah", outside_island=False, letter_number=None, contact_name=None,
           contact_phone=None, event_start=None, event_end=None, until_done=False)
    office = yaml.safe_load((REPO / "rules" / "office.yaml").read_text(encoding="utf-8"))
    common = dict(r=r, tag="[LPT-2026-0001]", office=office, missing=["naskah berita"], files=["a.jpg"],
                  folder="2026/LPT-2026-0001 Lomba Posyandu")
    _, plain, _ = mails.render("results_missing", **common, refused=[])
    assert "- naskah berita\n\nSimpan berkas" in plain
    _, text, _ = mails.render("results_missing", **common,
                              refused=[{"name": "berita.pdf", "reason": "Berkas PDF tidak diterima."}])
    assert ("- naskah berita\n\nBerkas berikut tidak dapat diterima (dipindahkan ke folder _KARANTINA beserta "
            "keterangannya):\n- berita.pdf: Berkas PDF tidak diterima.\n\nSimpan berkas") in text


def test_the_kasi_preview_names_a_refused_file_of_the_delivery(tmp_path):
    from harness import KASI, Office
    from test_after_event import NEWS, drop, jpeg, quiet, to_coverage

    from daemon.mail import mime
    office = Office(tmp_path)
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    drop(office, req, "rusak.jpg", b"not a picture at all")
    quiet(office)
    text = mime.body_text(office.last_to(KASI)).replace("\r\n", "\n")
    assert "- naskah berita: berita.txt\n- 1 foto: foto-1.jpg\n" in text
    assert "Berkas yang tidak diterima (dipindahkan ke folder _KARANTINA beserta keterangannya):\n- rusak.jpg: " in text


def test_a_reschedule_greets_the_requester_and_tells_the_officials_who_moved_it(tmp_path):
    from harness import CAMAT, KADIS, Office
    from test_workflow import BANTAN, send_letter

    from daemon.mail import mime
    office = Office(tmp_path)
    send_letter(office, BANTAN)
    send_letter(office, BANTAN.replace("Senin, 7 Desember 2026", "Selasa, 8 Desember 2026"),
                subject="Perubahan jadwal Musrenbang Kecamatan Bantan")
    camat = mime.body_text(office.last_to(CAMAT)).replace("\r\n", "\n")
    assert camat.startswith("Yth. Camat Bantan,\n")
    assert ("Perubahan jadwal kegiatan LPT-2026-0001 sesuai pemberitahuan Bapak/Ibu telah kami catat: "
            "semula Senin, 7 Desember 2026 pukul 09.00 WIB, menjadi Selasa, 8 Desember 2026 pukul 09.00 WIB.") in camat
    kadis = mime.body_text(office.last_to(KADIS)).replace("\r\n", "\n")
    assert "Pemohon mengubah jadwal kegiatan LPT-2026-0001: semula Senin, 7 Desember 2026" in kadis
    assert "diubah oleh pemohon: jadwal diubah" not in camat + kadis


def test_the_kadis_asked_to_sign_sees_who_initialled_and_when(tmp_path):
    from harness import KABID, KADIS, SEKDIS, Office
    from test_mail_text import approve, to_signing

    from daemon.mail import mime
    office = Office(tmp_path)
    to_signing(office)
    kabid = mime.body_text(office.last_to(KABID)).replace("\r\n", "\n")
    assert "telah diparaf oleh" not in kabid  # the first signer: nobody before
    approve(office, KABID)
    sekdis = mime.body_text(office.last_to(SEKDIS)).replace("\r\n", "\n")
    assert ("Surat Perintah Tugas ini telah diparaf oleh Muhammad Fadli, S.Kom., M.T. "
            "(Kepala Bidang Informasi dan Komunikasi Publik) pada ") in sekdis
    approve(office, SEKDIS)
    kadis = mime.body_text(office.last_to(KADIS)).replace("\r\n", "\n")
    assert "telah diparaf oleh Muhammad Fadli, S.Kom., M.T. (Kepala Bidang" in kadis
    assert "; Hj. Rosnaini, S.Sos., M.Si. (Sekretaris Dinas Komunikasi, Informatika dan Statistik) pada " in kadis
    assert "WIB.\n\nMohon Bapak menandatangani Surat Perintah Tugas terlampir." in kadis
