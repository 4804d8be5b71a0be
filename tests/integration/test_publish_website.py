"""The WordPress channel against a real WordPress (Debian's package, private MariaDB), read back through REST."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from daemon.core.config_publish import WebsiteCfg
from daemon.devservers import free_port
from daemon.devservers.wordpress import WordPress as WordPressServer
from daemon.publish.errors import PermanentError, TransientError
from daemon.publish.story import Photo, Story
from daemon.publish.website import WordPress

pytestmark = pytest.mark.integration
log = logging.getLogger(__name__)


def rest(wp: WordPressServer, route: str, **params: Any) -> Any:
    """Read the site back as an editor would, without the code under test."""
    resp = httpx.get(f"{wp.url}/", params={"rest_route": f"/wp/v2{route}", "context": "edit", **params},
                     auth=(wp.user, wp.app_password), timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


def cfg(wp: WordPressServer, **kw: Any) -> WebsiteCfg:
    return WebsiteCfg(**{"url": wp.url, "username": wp.user, "password": wp.app_password,
                         "status": "publish", "category": "Berita Daerah", "timeout": 30, **kw})


def make_story(tmp_path: Path, code: str) -> Story:
    big, small = tmp_path / "DSC_0001.JPG", tmp_path / "DSC_0002.jpg"
    Image.radial_gradient("L").resize((1800, 1200)).convert("RGB").save(big, "JPEG", quality=90)
    Image.new("RGB", (800, 600), (30, 120, 200)).save(small, "JPEG")
    return Story(
        code=code, title="Bupati & Warga Gotong Royong di Desa <Sejangat>",
        body="Bupati Bengkalis bersama warga bergotong royong membersihkan parit.\n\n"
             "Kegiatan dimulai pukul 07.30 WIB & diikuti 150 warga.",
        lead="Bupati Bengkalis bersama warga bergotong royong membersihkan parit.",
        photos=[Photo(big, "Bupati menyerahkan bantuan alat kebersihan.", "Bupati menyerahkan cangkul kepada warga"),
                Photo(small, "Warga membersihkan parit.", "Warga bekerja di parit")],
        kecamatan="Bukit Batu", unit="Bidang IKP")


def posts_tagged(wp: WordPressServer, code: str) -> list[dict[str, Any]]:
    tags = rest(wp, "/tags", slug=code.lower())
    return rest(wp, "/posts", tags=tags[0]["id"], status="any") if tags else []


def media_of(wp: WordPressServer, post_id: int) -> list[dict[str, Any]]:
    return rest(wp, "/media", parent=post_id, per_page=100)


def test_it_publishes_the_story_with_its_photos(wordpress, tmp_path) -> None:
    story = make_story(tmp_path, "LPT-2026-0007")
    with WordPress(cfg(wordpress)) as site:
        result = site.publish(story, {})

    post = rest(wordpress, f"/posts/{result.remote_id}")
    assert post["status"] == "publish"
    assert post["title"]["raw"] == "Bupati &amp; Warga Gotong Royong di Desa &lt;Sejangat&gt;"
    assert post["title"]["rendered"] == "Bupati &amp; Warga Gotong Royong di Desa &lt;Sejangat&gt;"
    content = post["content"]["raw"]
    assert content.startswith("<p>Bupati Bengkalis bersama warga bergotong royong membersihkan parit.</p>\n"
                              "<p>Kegiatan dimulai pukul 07.30 WIB &amp; diikuti 150 warga.</p>")
    assert content.count("<p>Bupati Bengkalis bersama warga") == 1  # the lead is not repeated
    assert post["excerpt"]["raw"] == story.lead
    assert result.url == post["link"]

    media = {m["id"]: m for m in media_of(wordpress, post["id"])}
    first, second = result.progress["media"]["1"]["id"], result.progress["media"]["2"]["id"]
    assert set(media) == {first, second}
    assert post["featured_media"] == first
    assert media[first]["slug"] == "lpt-2026-0007-01" and media[second]["slug"] == "lpt-2026-0007-02"
    assert media[first]["media_details"]["width"] == 1800
    assert media[first]["source_url"].endswith("/lpt-2026-0007-01.jpg")
    assert media[first]["caption"]["raw"] == "Bupati menyerahkan bantuan alat kebersihan."
    assert media[first]["alt_text"] == "Bupati menyerahkan cangkul kepada warga"
    assert media[second]["caption"]["raw"] == "Warga membersihkan parit."
    assert media[second]["alt_text"] == "Warga bekerja di parit"
    assert f'class="wp-image-{second}"' in content and 'alt="Warga bekerja di parit"' in content
    assert "<figcaption>Warga membersihkan parit.</figcaption>" in content

    categories = [rest(wordpress, f"/categories/{c}")["name"] for c in post["categories"]]
    assert categories == ["Berita Daerah"]
    tags = {rest(wordpress, f"/tags/{t}")["slug"]: rest(wordpress, f"/tags/{t}")["name"] for t in post["tags"]}
    assert tags == {"lpt-2026-0007": "LPT-2026-0007", "bukit-batu": "Bukit Batu", "bidang-ikp": "Bidang IKP"}


def test_it_does_not_post_twice_when_retried(wordpress, tmp_path) -> None:
    story = make_story(tmp_path, "LPT-2026-0008")
    site = WordPress(cfg(wordpress))
    progress: dict[str, Any] = {}
    first = site.publish(story, progress)
    total_media = len(rest(wordpress, "/media", per_page=100))

    again = site.publish(story, json.loads(json.dumps(progress)))  # progress as stored
    assert again.remote_id == first.remote_id

    lost = site.publish(story, {})  # progress lost: found by the code tag and the media slugs
    assert lost.remote_id == first.remote_id
    assert lost.progress["media"] == first.progress["media"]
    assert [p["id"] for p in posts_tagged(wordpress, story.code)] == [int(first.remote_id)]
    assert len(media_of(wordpress, int(first.remote_id))) == 2
    assert len(rest(wordpress, "/media", per_page=100)) == total_media
    site.close()


def test_it_resumes_after_a_crash_between_upload_and_record(wordpress, tmp_path) -> None:
    """The first photo reaches WordPress but its answer is lost; the retry must not upload it again."""
    story = make_story(tmp_path, "LPT-2026-0009")
    uploads = []

    def lose_first_upload_answer(response: httpx.Response) -> None:
        req = response.request
        if "content-disposition" in req.headers:  # a media upload, not a media update
            uploads.append(req.url)
            if len(uploads) == 1:
                raise httpx.ReadError("connection reset by peer", request=req)

    saved: list[dict[str, Any]] = []
    flaky = httpx.Client(timeout=30, event_hooks={"response": [lose_first_upload_answer]})
    with pytest.raises(TransientError):
        WordPress(cfg(wordpress), client=flaky).publish(
            story, {}, checkpoint=lambda p: saved.append(json.loads(json.dumps(p))))
    flaky.close()
    assert saved and "post_id" in saved[-1] and not saved[-1].get("media")
    assert posts_tagged(wordpress, story.code)[0]["status"] == "draft"  # nothing half-made is public

    result = WordPress(cfg(wordpress)).publish(story, saved[-1])
    assert len(media_of(wordpress, int(result.remote_id))) == 2
    assert len(posts_tagged(wordpress, story.code)) == 1
    assert rest(wordpress, f"/posts/{result.remote_id}")["status"] == "publish"


def test_it_keeps_a_draft_when_configured_and_finds_it_again(wordpress, tmp_path) -> None:
    story = make_story(tmp_path, "LPT-2026-0010")
    site = WordPress(cfg(wordpress, status="draft"))
    first = site.publish(story, {})
    assert rest(wordpress, f"/posts/{first.remote_id}")["status"] == "draft"
    assert site.publish(story, {}).remote_id == first.remote_id
    assert len(posts_tagged(wordpress, story.code)) == 1


def test_it_refuses_a_wrong_password_permanently(wordpress, tmp_path) -> None:
    story = make_story(tmp_path, "LPT-2026-0011")
    with pytest.raises(PermanentError, match="application password"):
        WordPress(cfg(wordpress, password="xxxx xxxx xxxx xxxx xxxx xxxx")).publish(story, {})
    assert posts_tagged(wordpress, story.code) == []


def test_it_calls_an_unreachable_site_transient(wordpress, tmp_path) -> None:
    with pytest.raises(TransientError):
        WordPress(cfg(wordpress, url=f"http://127.0.0.1:{free_port()}", timeout=5)).publish(
            make_story(tmp_path, "LPT-2026-0012"), {})


def test_it_uses_wp_json_when_the_site_has_pretty_permalinks(tmp_path_factory, tmp_path) -> None:
    server = WordPressServer(tmp_path_factory.mktemp("wordpress-pretty"), permalinks="/%postname%/")
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        pytest.fail(f"cannot start the test WordPress: {exc}", pytrace=False)
    try:
        requests: list[str] = []
        client = httpx.Client(timeout=30, event_hooks={"request": [lambda r: requests.append(str(r.url))]})
        site = WordPress(cfg(server), client=client)
        result = site.publish(make_story(tmp_path, "LPT-2026-0013"), {})
        assert site._pretty is True
        assert all("rest_route" not in url for url in requests)
        assert any("/wp-json/wp/v2/media" in url for url in requests)
        assert result.url.endswith("/bupati-warga-gotong-royong-di-desa-sejangat/")
        assert len(rest(server, "/media", parent=int(result.remote_id))) == 2
        client.close()
    finally:
        server.stop()


def test_it_names_the_packages_to_install_when_wordpress_is_missing(monkeypatch, tmp_path) -> None:
    import daemon.devservers.wordpress as devserver

    monkeypatch.setattr(devserver, "WP_ROOT", tmp_path / "no-wordpress")
    with pytest.raises(RuntimeError, match="apt-get install -y --no-install-recommends wordpress php-cli "
                                           "php-mysql mariadb-server"):
        devserver.WordPress(tmp_path / "wp")


def test_it_makes_the_post_again_when_someone_deleted_it(wordpress, tmp_path) -> None:
    story = make_story(tmp_path, "LPT-2026-0014")
    site = WordPress(cfg(wordpress))
    progress: dict[str, Any] = {}
    first = site.publish(story, progress)
    resp = httpx.delete(f"{wordpress.url}/", params={"rest_route": f"/wp/v2/posts/{first.remote_id}",
                                                     "force": "true"}, auth=(wordpress.user, wordpress.app_password))
    assert resp.status_code == 200, resp.text
    deleted_media = first.progress["media"]["2"]["id"]
    resp = httpx.delete(f"{wordpress.url}/", params={"rest_route": f"/wp/v2/media/{deleted_media}",
                                                     "force": "true"}, auth=(wordpress.user, wordpress.app_password))
    assert resp.status_code == 200, resp.text

    progress["done"] = False  # the operator asks for the post again
    again = site.publish(story, progress)
    assert again.remote_id != first.remote_id
    post = rest(wordpress, f"/posts/{again.remote_id}")
    assert post["featured_media"] == first.progress["media"]["1"]["id"]  # the surviving photo, found by its slug
    assert again.progress["media"]["2"]["id"] != deleted_media  # the deleted one uploaded again
    assert {m["id"] for m in media_of(wordpress, int(again.remote_id))} == {
        again.progress["media"]["1"]["id"], again.progress["media"]["2"]["id"]}
