"""A file refused from the shared folder is mailed about: to the request's team (the operator
for a file of no request), in Indonesian, one mail per request and short window, so a burst of
50 bad files makes one mail that names each with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import NEWS, OPERATOR, Office, drop, jpeg, to_coverage

from daemon.app.folder import FolderIntake
from daemon.mail import mime


@pytest.fixture
def office(tmp_path, db_url):
    return Office(tmp_path, database=db_url)


def told(office: Office, address: str) -> list:
    return [m for m in office.mail_to(address) if "tidak dapat diterima" in mime.header(m, "Subject")]


def window(office: Office) -> None:
    office.clock.advance(seconds=office.cfg.delivery.refused_notice_seconds + 1)
    office.settle()


def test_fifty_bad_files_make_one_mail_to_the_team(office):
    req = to_coverage(office)
    team = [m["email"] for m in req.team]
    for n in range(50):
        drop(office, req, f"foto-{n:02d}.jpg", b"bukan gambar %d" % n)
    drop(office, req, "berita.txt", NEWS.encode())  # a good file is not in it
    office.settle()
    assert told(office, team[0]) == [], "told once the window is over, not per file"
    window(office)
    (mail,) = told(office, team[0])
    assert sorted(mime.addresses(mail, "To")) == sorted(team)
    assert req.code in mime.header(mail, "Subject") and "50 berkas" in mime.header(mail, "Subject")
    body = mime.body_text(mail)
    assert body.startswith("Yth. Bapak/Ibu Tim Peliputan,")
    assert all(f"- foto-{n:02d}.jpg: " in body for n in range(50)) and "berita.txt" not in body
    assert "_KARANTINA" in body and ".alasan.txt" in body
    reason = body.split("- foto-00.jpg: ", 1)[1].splitlines()[0]
    assert reason.startswith("Nama berkas berakhiran .jpg tetapi isinya bukan gambar")  # the table's text
    window(office)
    assert len(told(office, team[0])) == 1  # nothing new: no second mail
    drop(office, req, "video.mp4", b"bukan video")  # later: a mail of its own, naming only it
    window(office)
    later = told(office, team[0])[-1]
    assert len(told(office, team[0])) == 2 and "video.mp4" in mime.body_text(later)
    assert "foto-00.jpg" not in mime.body_text(later) and "1 berkas" in mime.header(later, "Subject")


def test_a_file_of_no_request_is_told_to_the_operator(office):
    root = Path(office.cfg.paths.dropbox)
    folder = root / "2026" / "LPT-2026-0999 Salah Kode"
    folder.mkdir(parents=True)
    intake = FolderIntake(office.ctx, office.factory)
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(NEWS, encoding="utf-8")
        intake.ready(folder / name)
    window(office)
    (mail,) = told(office, OPERATOR)
    body = mime.body_text(mail)
    assert body.startswith("Yth. Operator Liputan,") and "- a.txt: Tidak ada permintaan liputan" in body
    assert "- b.txt: " in body and "diawali kode permohonan yang terdaftar" in body


def test_a_refused_unsafe_file_is_told_too(office):
    req = to_coverage(office)
    intake = FolderIntake(office.ctx, office.factory)
    from harness import folder_of
    bad = folder_of(office, req) / "foto.jpg"
    bad.write_bytes(jpeg())
    intake.refused(bad, "Nama berkas tidak aman")
    window(office)
    (mail,) = told(office, req.team[0]["email"])
    assert "- foto.jpg: Nama berkas tidak aman" in mime.body_text(mail)
