"""Issue 9's proof, as an operator runs it: `liputan run` on real Dovecot, SMTP and WordPress;
files copied into the request's folder (one written slowly) lead to a preview, a "setuju", a
WordPress post read back through its REST API, a press mail per media contact and an archive bag
that bagit validates; SIGKILL during the website post and again before the press step posts
nothing twice."""

from __future__ import annotations

import email
import email.policy
import io
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import bagit
import httpx
import pytest
from docx import Document as Docx
from harness import letter, reply, wait_for
from PIL import Image
from test_workflow_bodies import BANTAN

from daemon.devservers.wordpress import WordPress

pytestmark = pytest.mark.integration
KADIS, KABID, KASI = "kadis@bengkaliskab.go.id", "kabid.ikp@bengkaliskab.go.id", "kasi.liputan@bengkaliskab.go.id"
CAMAT = "camat.bantan@bengkaliskab.go.id"


def parsed(received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.data, policy=email.policy.default)


class Daemon:
    def __init__(self, config_path: Path):
        self.config_path, self.proc = config_path, None

    def start(self) -> None:
        log = open(self.config_path.parent / "daemon.log", "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "daemon.app.cli", "run", "-c",
                                      str(self.config_path)], stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def rest(wp: WordPress, route: str, **params):
    resp = httpx.get(f"{wp.url}/", params={"rest_route": f"/wp/v2{route}", "context": "edit", **params},
                     auth=(wp.user, wp.app_password), timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


def posts_tagged(wp: WordPress, code: str) -> list[dict]:
    tags = rest(wp, "/tags", slug=code.lower())
    if not tags:
        return []
    return rest(wp, "/posts", tags=tags[0]["id"], status="any")


def jpeg(color, size=(2400, 1600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=95)
    return out.getvalue()


def news_docx(path: Path) -> None:
    doc = Docx()
    doc.add_paragraph("Musrenbang Kecamatan Bantan Tetapkan 42 Usulan Prioritas")
    doc.add_paragraph("BANTAN - Musyawarah Perencanaan Pembangunan Kecamatan Bantan menetapkan 42 "
                      "usulan prioritas pembangunan untuk tahun 2027.")
    doc.add_paragraph("Camat Bantan meminta seluruh kepala desa mengawal usulan tersebut.")
    doc.save(path)


def slow_copy(data: bytes, dest: Path, chunk: int = 256 * 1024, pause: float = 0.3) -> None:
    """A file written in chunks, as a slow network copy does."""
    with open(dest, "wb") as fh:
        for i in range(0, len(data), chunk):
            fh.write(data[i:i + chunk])
            fh.flush()
            time.sleep(pause)


def publication(db: Path, channel: str) -> str | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT status FROM publication WHERE channel = ?", (channel,)).fetchone()
    return row[0] if row else None


def test_files_in_the_folder_are_previewed_published_once_and_archived(
        make_config, dovecot, mailbox_user, smtp, wordpress, tmp_path):
    cfg = make_config(extra={
        "delivery": {"public_root": "\\\\fileserver\\hasil-liputan", "observer": "inotify",
                     "stable_seconds": 0.5, "settle_seconds": 2, "rescan_seconds": 5},
        "publish.website": {"url": wordpress.url, "username": wordpress.user,
                            "password": wordpress.app_password, "status": "publish",
                            "category": "Berita Daerah"},
        "publish.press": {"enabled": True, "max_mail_mb": 2}})
    db = Path(cfg.paths.database.removeprefix("sqlite:///"))
    if not cfg.paths.database.startswith("sqlite:///"):
        pytest.skip("the proof reads the SQLite database directly; PostgreSQL runs the same code")
    daemon = Daemon(cfg.source)
    daemon.start()
    try:
        def mail_to(address, subject_part=""):
            return [parsed(m) for m in list(smtp.messages) if address in m.rcpt_tos
                    and subject_part in parsed(m)["Subject"]]

        def answer(address, text, subject_part=""):
            last = wait_for(lambda: mail_to(address, subject_part), 90, f"mail to {address}")[-1]
            dovecot.append(mailbox_user, "INBOX", reply(last, address, text).as_bytes(policy=email.policy.SMTP))
            return last

        dovecot.append(mailbox_user, "INBOX", letter(CAMAT, "Permohonan Peliputan", BANTAN,
                                                     display="Kantor Camat Bantan").as_bytes(policy=email.policy.SMTP))
        for who in (KADIS, KABID, KASI):
            answer(who, "Setuju")
            time.sleep(0.5)
        # the Kabid's second step (the coverage order) comes after the Kasi's plan
        wait_for(lambda: len(mail_to(KABID)) >= 2, 90, "the Kabid's second task")
        answer(KABID, "Setuju")
        folder = wait_for(lambda: list((Path(cfg.paths.dropbox) / "2026").glob("LPT-2026-* *")), 90,
                          "the request's folder")[0]
        assignment = wait_for(lambda: [m for m in smtp.messages if "Penugasan" in parsed(m)["Subject"]
                                       or "penugasan" in parsed(m)["Subject"].lower()], 60, "the assignment")
        assert "\\\\fileserver\\hasil-liputan\\2026\\" + folder.name in parsed(assignment[-1]).get_body(
            ("plain",)).get_content()
        code = folder.name.split(" ")[0]
        calendar = Path(cfg.paths.state) / "jadwal.ics"  # kept current for calendar subscription
        wait_for(lambda: calendar.is_file() and f"UID:{code}@" in calendar.read_text(), 30, "jadwal.ics")

        news_docx(folder / "Berita Musrenbang.docx")
        slow_copy(jpeg((180, 40, 40)), folder / "DSC_0001.JPG")
        (folder / "DSC_0002.jpg").write_bytes(jpeg((30, 90, 160)))
        preview = answer(KASI, "Setuju", "persetujuan publikasi")
        assert len([p for p in preview.walk() if p.get("Content-ID")]) == 2

        # kill 1: while the website post is being made (its draft exists, photos uploading)
        wait_for(lambda: posts_tagged(wordpress, code), 90, "the WordPress post")
        daemon.kill()
        daemon.start()
        # kill 2: the website is done, the press step has not sent its mail yet
        wait_for(lambda: publication(db, "website") == "done", 90, "the website channel")
        daemon.kill()
        daemon.start()
        wait_for(lambda: publication(db, "archive") == "done", 120, "the archive")

        posts = posts_tagged(wordpress, code)
        assert len(posts) == 1 and posts[0]["status"] == "publish"
        post = posts[0]
        assert post["title"]["raw"] == "Musrenbang Kecamatan Bantan Tetapkan 42 Usulan Prioritas"
        media = rest(wordpress, "/media", parent=post["id"])
        assert len(media) == 2 and post["featured_media"] in {m["id"] for m in media}
        assert all(m["alt_text"] and m["caption"]["raw"] for m in media)

        contacts = ["redaksi@riaupos.example", "redaksi@tribunpekanbaru.example", "redaksi@bengkalispos.example"]
        press = [m for m in list(smtp.messages) if parsed(m)["X-Liputan-Kind"] == "press"]
        assert sorted(r for m in press for r in m.rcpt_tos) == sorted(contacts)
        assert all(len(m.data) < 2 * 1024 * 1024 for m in press)

        with sqlite3.connect(db) as conn:
            bag_path = conn.execute("SELECT remote_id FROM publication WHERE channel = 'archive'").fetchone()[0]
        bag = bagit.Bag(bag_path)
        bag.validate()
        payload = set(bag.payload_files())
        assert "data/surat-permintaan.eml" in payload
        assert any(p.endswith("DSC_0001.JPG") for p in payload)
    finally:
        daemon.stop()
