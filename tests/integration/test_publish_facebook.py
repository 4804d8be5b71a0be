"""The Facebook Page channel against a local Graph API that keeps the documented contract and records every call."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from daemon.core.config_publish import FacebookCfg
from daemon.devservers import free_port
from daemon.publish.errors import PermanentError, TransientError
from daemon.publish.facebook import FacebookPage
from daemon.publish.story import Photo, Story

pytestmark = pytest.mark.integration

PAGE = "1234567890"
TOKEN = "EAAB-halaman-token"


def graph_error(message: str, type_: str, code: int, subcode: int | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": code, "error_subcode": subcode,
                      "fbtrace_id": "AbCdEf123"}}


EXPIRED = graph_error("Error validating access token: Session has expired on Monday, 30-Nov-26.",
                      "OAuthException", 190, 463)


class FakeGraph:
    """The Graph API's Page photo and feed edges, in memory."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.photos: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        # (HTTP status, JSON body or None for an HTML page, also_do_the_work) for the next requests
        self.inject: list[tuple[int, dict[str, Any] | None, bool]] = []
        self._ids = iter(range(900001, 999999))
        self.lock = threading.Lock()

    def new_id(self) -> str:
        return str(next(self._ids))

    def handle(self, method: str, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
        with self.lock:
            self.calls.append((method, path, fields))
            injected = self.inject.pop(0) if self.inject else None
            if injected and not injected[2]:
                return injected[0], injected[1]
            status, body = self._route(method, path, fields)
            return (injected[0], injected[1]) if injected else (status, body)

    def _route(self, method: str, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
        if fields.get("access_token") != TOKEN:
            return 400, graph_error("Invalid OAuth access token - Cannot parse access token", "OAuthException", 190)
        if path == f"/v21.0/{PAGE}/photos" and method == "POST":
            source = fields.get("source")
            if not isinstance(source, bytes) or not source.startswith(b"\xff\xd8"):
                return 400, graph_error("(#324) Requires upload file", "OAuthException", 324)
            photo_id = self.new_id()
            published = fields.get("published", "true") != "false"
            self.photos[photo_id] = {"published": published, "caption": fields.get("caption", ""),
                                     "size": len(source), "attached": False}
            if not published:
                return 200, {"id": photo_id}
            post = {"id": f"{PAGE}_{self.new_id()}", "message": fields.get("caption", ""), "media": [photo_id]}
            self.posts.append(post)
            return 200, {"id": photo_id, "post_id": post["id"]}
        if path == f"/v21.0/{PAGE}/feed" and method == "POST":
            media = []
            for i in range(len(fields)):
                raw = fields.get(f"attached_media[{i}]")
                if raw is None:
                    break
                fbid = json.loads(raw)["media_fbid"]
                photo = self.photos.get(fbid)
                if photo is None or photo["published"] or photo["attached"]:
                    return 400, graph_error(f"(#100) Invalid media_fbid {fbid}", "OAuthException", 100)
                media.append(fbid)
            for fbid in media:
                self.photos[fbid]["attached"] = True
            post = {"id": f"{PAGE}_{self.new_id()}", "message": fields.get("message", ""), "media": media}
            self.posts.append(post)
            return 200, {"id": post["id"]}
        if path == f"/v21.0/{PAGE}/feed" and method == "GET":
            return 200, {"data": [{"id": p["id"], "message": p["message"]} for p in reversed(self.posts)]}
        return 400, graph_error("Unknown path components", "OAuthException", 2500)

    def uploads(self) -> list[tuple[str, dict[str, Any]]]:
        return [(m, f) for m, p, f in self.calls if p.endswith("/photos")]


def parse_fields(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    query = urllib.parse.urlsplit(handler.path).query
    fields: dict[str, Any] = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
    ctype = handler.headers.get("Content-Type", "")
    if ctype.startswith("multipart/form-data"):
        msg = email.message_from_bytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body,
                                       policy=email.policy.HTTP)
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[name] = payload if part.get_filename() else payload.decode()
    elif body:
        fields.update({k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()})
    return fields


@pytest.fixture
def graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload = fake.handle(self.command, urllib.parse.urlsplit(self.path).path,
                                          parse_fields(self, body))
            data = (json.dumps(payload) if payload is not None else "<html>Sorry, something went wrong.</html>")
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if payload is not None else "text/html")
            self.send_header("Content-Length", str(len(data.encode())))
            self.end_headers()
            self.wfile.write(data.encode())

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}/v21.0"
    server.shutdown()
    server.server_close()


@pytest.fixture
def story(tmp_path: Path) -> Story:
    photos = []
    for n in range(1, 4):
        path = tmp_path / f"foto{n}.jpg"
        Image.new("RGB", (640, 480), (40 * n, 90, 160)).save(path, "JPEG")
        photos.append(Photo(path, f"Keterangan foto {n}", f"Teks alternatif {n}"))
    return Story(code="LPT-2026-0007", title="Bupati Meninjau Gotong Royong di Bukit Batu",
                 body="Bupati Bengkalis meninjau gotong royong warga.\n\nKegiatan berlangsung sejak pagi.",
                 lead="Bupati Bengkalis meninjau gotong royong warga.", photos=photos, kecamatan="Bukit Batu")


def page(tmp_path: Path, graph_url: str, token: str = TOKEN) -> FacebookPage:
    (tmp_path / "fb-token").write_text(token + "\n")
    return FacebookPage(FacebookCfg(page_id=PAGE, token_file=str(tmp_path / "fb-token"), graph_url=graph_url,
                                    timeout=5))


def test_it_makes_one_page_post_with_every_photo(graph, story, tmp_path) -> None:
    fake, url = graph
    progress: dict[str, Any] = {}
    result = page(tmp_path, url).publish(story, progress)

    uploads = fake.uploads()
    assert [f["published"] for _, f in uploads] == ["false", "false", "false"]
    assert [f["caption"] for _, f in uploads] == ["Keterangan foto 1", "Keterangan foto 2", "Keterangan foto 3"]
    assert len(fake.posts) == 1
    post = fake.posts[0]
    assert post["media"] == [progress["photo_ids"][str(n)] for n in (1, 2, 3)]
    assert post["message"].startswith("Bupati Meninjau Gotong Royong di Bukit Batu\n\n")
    assert "Kegiatan berlangsung sejak pagi." in post["message"]
    assert result.remote_id == post["id"] == progress["post_id"]
    assert result.url == f"https://www.facebook.com/{PAGE}/posts/{post['id'].split('_')[1]}"


def test_it_does_not_post_twice_when_retried(graph, story, tmp_path) -> None:
    fake, url = graph
    fb = page(tmp_path, url)
    progress: dict[str, Any] = {}
    first = fb.publish(story, progress)
    calls = len(fake.calls)
    again = fb.publish(story, progress)
    assert again.remote_id == first.remote_id
    assert len(fake.calls) == calls
    assert len(fake.posts) == 1


def test_it_resumes_uploads_after_a_server_error(graph, story, tmp_path) -> None:
    fake, url = graph
    fb = page(tmp_path, url)
    progress: dict[str, Any] = {}
    saved: list[dict[str, Any]] = []
    real_handle = fake.handle

    def second_fails(method: str, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
        if len(fake.uploads()) == 1 and path.endswith("/photos"):  # the second upload meets a 500
            fake.calls.append((method, path, fields))
            return 500, graph_error("An unknown error has occurred.", "OAuthException", 1)
        return real_handle(method, path, fields)

    fake.handle = second_fails  # type: ignore[method-assign]
    with pytest.raises(TransientError, match="code 1"):
        fb.publish(story, progress, checkpoint=lambda p: saved.append(json.loads(json.dumps(p))))
    assert list(progress["photo_ids"]) == ["1"]
    assert saved[-1]["photo_ids"] == progress["photo_ids"]
    fake.handle = real_handle  # type: ignore[method-assign]

    fb.publish(story, json.loads(json.dumps(saved[-1])))  # as stored in the database
    assert len(fake.photos) == 3  # photo 1 was not uploaded again
    assert len(fake.posts) == 1 and len(fake.posts[0]["media"]) == 3


def test_it_finds_its_post_when_the_answer_was_lost(graph, story, tmp_path) -> None:
    fake, url = graph
    fb = page(tmp_path, url)
    saved: list[dict[str, Any]] = []
    # photos upload fine; the feed post is made but its answer is lost to a 502
    real_route = fake._route

    def lose_feed_answer(method: str, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
        status, body = real_route(method, path, fields)
        if method == "POST" and path.endswith("/feed"):
            return 502, None
        return status, body

    fake._route = lose_feed_answer  # type: ignore[method-assign]
    with pytest.raises(TransientError, match="HTTP 502"):
        fb.publish(story, {}, checkpoint=lambda p: saved.append(json.loads(json.dumps(p))))
    fake._route = real_route  # type: ignore[method-assign]
    assert len(fake.posts) == 1

    result = fb.publish(story, saved[-1])
    assert len(fake.posts) == 1
    assert result.remote_id == fake.posts[0]["id"]


def test_it_posts_a_single_photo_directly(graph, story, tmp_path) -> None:
    fake, url = graph
    one = Story(code=story.code, title=story.title, body=story.body, photos=story.photos[:1])
    result = page(tmp_path, url).publish(one, {})
    assert [f["published"] for _, f in fake.uploads()] == ["true"]
    assert not [c for c in fake.calls if c[1].endswith("/feed")]
    assert result.remote_id == fake.posts[0]["id"]


def test_it_treats_an_expired_token_as_permanent(graph, story, tmp_path) -> None:
    fake, url = graph
    fake.inject = [(400, EXPIRED, False)]
    with pytest.raises(PermanentError, match="fb-token") as err:
        page(tmp_path, url).publish(story, {})
    assert "Session has expired" in str(err.value) and "463" in str(err.value)
    assert TOKEN not in str(err.value)


def test_it_treats_a_wrong_token_as_permanent(graph, story, tmp_path) -> None:
    _, url = graph
    with pytest.raises(PermanentError, match="code 190"):
        page(tmp_path, url, token="salah").publish(story, {})


def test_it_treats_a_missing_permission_as_permanent(graph, story, tmp_path) -> None:
    fake, url = graph
    fake.inject = [(403, graph_error("(#200) Permissions error", "OAuthException", 200), False)]
    with pytest.raises(PermanentError, match="permission"):
        page(tmp_path, url).publish(story, {})


@pytest.mark.parametrize("status, body", [
    (500, None),
    (503, graph_error("Service temporarily unavailable", "FacebookApiException", 2)),
    (400, graph_error("(#4) Application request limit reached", "OAuthException", 4)),
    (400, graph_error("(#32) Page request limit reached", "OAuthException", 32)),
])
def test_it_treats_server_errors_and_rate_limits_as_transient(graph, story, tmp_path, status, body) -> None:
    fake, url = graph
    fake.inject = [(status, body, False)]
    with pytest.raises(TransientError):
        page(tmp_path, url).publish(story, {})


def test_it_treats_an_unreachable_graph_as_transient(story, tmp_path) -> None:
    with pytest.raises(TransientError):
        page(tmp_path, f"http://127.0.0.1:{free_port()}/v21.0").publish(story, {})


def test_it_treats_a_missing_photo_as_permanent(graph, story, tmp_path) -> None:
    fake, url = graph
    gone = Story(code=story.code, title=story.title, body=story.body,
                 photos=[*story.photos[:1], Photo(tmp_path / "hilang.jpg", "Hilang", "Hilang")])
    with pytest.raises(PermanentError, match="hilang.jpg"):
        page(tmp_path, url).publish(gone, {})
    assert fake.posts == []


def test_after_the_kasi_approves_the_page_gets_one_post_and_the_admin_the_package(graph, tmp_path) -> None:
    """Through the engine: step 13 posts to the Page once (a rerun of its job posts nothing) and
    mails the social-media admin a package cut for each platform."""
    from harness import KASI, NEWS, Office, drop, jpeg, quiet, reply, to_coverage
    from sqlalchemy import select

    from daemon.core.config_publish import FacebookCfg, SocialCfg
    from daemon.core.models import Job, Publication
    from daemon.mail import mime

    fake, url = graph
    office = Office(tmp_path)
    token = tmp_path / "page-token"
    token.write_text(TOKEN + "\n")
    office.cfg.publish.facebook = FacebookCfg(page_id=PAGE, token_file=str(token), graph_url=url)
    office.cfg.publish.social = SocialCfg(admin="medsos@bengkaliskab.go.id", hashtags=["#Bengkalis"],
                                          platforms=["instagram", "x"])
    req = to_coverage(office)
    drop(office, req, "berita.txt", NEWS.encode())
    drop(office, req, "foto-1.jpg", jpeg())
    drop(office, req, "foto-2.jpg", jpeg((10, 160, 60)))
    quiet(office)
    office.deliver(reply(office.last_to(KASI), KASI, "Setuju"))
    assert office.request().state == "done"
    assert len(fake.posts) == 1 and len(fake.photos) == 2
    with office.factory() as s:
        pub = s.scalars(select(Publication).where(Publication.channel == "facebook")).one()
        assert pub.status == "done" and pub.remote_id == fake.posts[0]["id"]
        job = s.scalars(select(Job).where(Job.kind == "publish", Job.payload["channel"].as_string() == "facebook")).one()
    calls = len(fake.calls)
    office.jobs.handlers["publish"](job)  # a rerun after a lost acknowledgement
    assert len(fake.calls) == calls and len(fake.posts) == 1
    package = office.last_to("medsos@bengkaliskab.go.id")
    names = sorted(a.filename for a in mime.attachments(package))
    assert names == ["instagram-01.jpg", "instagram-02.jpg", "instagram-square-01.jpg",
                     "instagram-square-02.jpg", "x-01.jpg", "x-02.jpg"]
    assert "#Bengkalis" in mime.body_text(package)
