"""The website channel without WordPress: [publish.website] folder gets an HTML page per story
with its photos, written whole, rewritten (never doubled) on a retry, listed when published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import KASI, NEWS, Office, drop, jpeg, quiet, reply, to_coverage
from PIL import Image
from sqlalchemy import select

from daemon.core.config import load_config
from daemon.core.config_publish import WebsiteCfg
from daemon.core.errors import ConfigError
from daemon.core.models import Event, Publication
from daemon.devservers.config import to_toml
from daemon.publish.story import Photo, Story
from daemon.publish.website_folder import WEB_SIDE, FolderSite


def camera_photo(path: Path, size=(4000, 3000), orientation: int | None = None) -> Path:
    im = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation  # rotated 90°: a phone held upright
    im.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def story(tmp_path: Path) -> Story:
    return Story(code="LPT-2026-0007", title="Bupati & Warga <Gotong Royong>",
                 body="Paragraf pertama.\n\nParagraf kedua tentang \"parit\".",
                 lead="Paragraf pertama.",
                 photos=[Photo(camera_photo(tmp_path / "DSC_0001.JPG", orientation=6), "Bupati & warga.", "Bupati"),
                         Photo(camera_photo(tmp_path / "DSC_0002.jpg", (800, 600)), "Warga.", "Warga di parit")],
                 kecamatan="Bukit Batu", place="Desa Sejangat")


def test_it_writes_a_page_with_its_photos_shrunk_and_upright(tmp_path):
    site = FolderSite(WebsiteCfg(folder=str(tmp_path / "web"), status="publish"), "Diskominfotik Bengkalis")
    res = site.publish(story(tmp_path))
    page = tmp_path / "web" / "lpt-2026-0007" / "index.html"
    assert res.remote_id == "lpt-2026-0007" and res.url == page.resolve().as_uri()
    text = page.read_text(encoding="utf-8")
    assert "<h1>Bupati &amp; Warga &lt;Gotong Royong&gt;</h1>" in text  # escaped, never raw HTML
    assert "Paragraf kedua tentang &quot;parit&quot;." in text and 'lang="id"' in text
    assert 'src="lpt-2026-0007-01.jpg" alt="Bupati"' in text and "<figcaption>Bupati &amp; warga." in text
    with Image.open(page.parent / "lpt-2026-0007-01.jpg") as big:
        assert big.size == (WEB_SIDE * 3 // 4, WEB_SIDE)  # 4000x3000 turned upright, then shrunk
    with Image.open(page.parent / "lpt-2026-0007-02.jpg") as small:
        assert small.size == (800, 600)  # never enlarged
    index = (tmp_path / "web" / "index.html").read_text(encoding="utf-8")
    assert 'href="lpt-2026-0007/index.html"' in index and "Diskominfotik Bengkalis" in index


def test_a_retry_rewrites_the_same_page_and_lists_it_once(tmp_path):
    site = FolderSite(WebsiteCfg(folder=str(tmp_path / "web"), status="publish"))
    progress: dict = {}
    saved = []
    site.publish(story(tmp_path), progress, checkpoint=lambda p: saved.append(dict(p)))
    site.publish(story(tmp_path), {})
    assert [p.name for p in (tmp_path / "web").iterdir() if p.is_dir()] == ["lpt-2026-0007"]
    assert sorted(p.name for p in (tmp_path / "web" / "lpt-2026-0007").iterdir()) == [
        "index.html", "lpt-2026-0007-01.jpg", "lpt-2026-0007-02.jpg", "post.json"]  # no temporary files
    assert (tmp_path / "web" / "index.html").read_text().count("lpt-2026-0007/index.html") == 1
    assert saved and saved[-1]["done"] is True


def test_a_draft_is_marked_and_left_out_of_the_list(tmp_path):
    site = FolderSite(WebsiteCfg(folder=str(tmp_path / "web")))  # status defaults to draft
    site.publish(story(tmp_path))
    page = (tmp_path / "web" / "lpt-2026-0007" / "index.html").read_text()
    assert "Draf: belum diterbitkan" in page and 'content="noindex"' in page
    assert "lpt-2026-0007" not in (tmp_path / "web" / "index.html").read_text()
    assert json.loads((tmp_path / "web" / "lpt-2026-0007" / "post.json").read_text())["status"] == "draft"


def test_a_photo_that_cannot_be_read_fails_the_channel_with_its_name(tmp_path):
    from daemon.publish.errors import PermanentError
    bad = tmp_path / "rusak.jpg"
    bad.write_bytes(b"not a picture")
    s = Story(code="LPT-2026-0008", title="Judul", body="Isi.", photos=[Photo(bad)])
    with pytest.raises(PermanentError, match="rusak.jpg"):
        FolderSite(WebsiteCfg(folder=str(tmp_path / "web"))).publish(s)


def config_with(tmp_path: Path, website: dict) -> Path:
    path = tmp_path / "liputan.toml"
    path.write_text(to_toml({
        "office": {"name": "Diskominfotik", "domain": "x.go.id", "operator": "op@x.go.id"},
        "mailbox": {"host": "127.0.0.1", "port": 143, "username": "a@x.go.id"},
        "smtp": {"host": "127.0.0.1", "port": 25, "from": "a@x.go.id"},
        "paths": {"database": "sqlite:///l.db", "state": "state", "dropbox": "d", "archive": "a"},
        "publish.website": website}), encoding="utf-8")
    return path


def test_the_folder_is_read_beside_the_config_and_one_of_url_or_folder_is_needed(tmp_path):
    cfg = load_config(config_with(tmp_path, {"folder": "situs", "status": "publish"}))
    assert cfg.publish.website.folder == str(tmp_path / "situs") and cfg.publish.website.url is None
    with pytest.raises(ConfigError, match="url .* or folder"):
        load_config(config_with(tmp_path, {"status": "publish"}))
    with pytest.raises(ConfigError, match="username"):
        load_config(config_with(tmp_path, {"url": "https://example.org"}))


def test_an_approved_report_is_published_to_the_folder_when_no_wordpress_is_set(tmp_path):
    office = Office(tmp_path)
    office.cfg.publish.website = WebsiteCfg(folder=str(tmp_path / "situs"), status="publish")
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    quiet(office)
    office.deliver(reply(office.last_to(KASI), KASI, "Setuju"))
    assert office.request().state == "done"
    with office.factory() as s:
        pub = s.scalars(select(Publication).where(Publication.channel == "website")).one()
        notes = [e.note or "" for e in s.scalars(select(Event).where(Event.step == 12))]
    assert pub.status == "done" and pub.url.startswith("file://")
    page = tmp_path / "situs" / req.code.lower() / "index.html"
    assert "Musrenbang Kecamatan Bantan Tetapkan 42 Usulan Prioritas" in page.read_text(encoding="utf-8")
    assert not any("tidak dikonfigurasi" in n for n in notes)
    with Image.open(page.parent / f"{req.code.lower()}-01.jpg") as photo:
        assert photo.format == "JPEG"
