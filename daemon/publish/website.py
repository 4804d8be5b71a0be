"""Publish a story to the office's WordPress through its REST API, so that a retry never posts twice.

The order makes every step findable again:
1. the post is made first, as a draft, tagged with the request code (tag slug `lpt-2026-0007`);
2. each photo is uploaded under a stable file name (`lpt-2026-0007-01.jpg`, media slug
   `lpt-2026-0007-01`), attached to the post, then given its caption and alt text;
3. the post gets its content, featured image and final status ([publish.website] status).
`progress` records the post id, each media id and `done`; it is updated in place (and handed to
`checkpoint` after every step), so a caller that stores it after an error resumes where it stopped.
When progress is lost, the post is found again by its code tag and each photo by its media slug.
"""

from __future__ import annotations

import html
import logging
import mimetypes
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from daemon.core.config_publish import WebsiteCfg
from daemon.core.errors import ConfigError
from daemon.publish.errors import PermanentError, TransientError
from daemon.publish.slug import slugify
from daemon.publish.story import Photo, Result, Story

log = logging.getLogger("daemon.publish.website")

CHUNK = 256 * 1024
Checkpoint = Callable[[dict[str, Any]], None]


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def paragraphs_html(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def figure_html(media_id: int, src: str, photo: Photo) -> str:
    caption = f"<figcaption>{html.escape(photo.caption, quote=False)}</figcaption>" if photo.caption else ""
    return (f'<figure class="wp-block-image"><img src="{html.escape(src)}" alt="{html.escape(photo.alt)}" '
            f'class="wp-image-{media_id}"/>{caption}</figure>')


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


class WordPress:
    """One WordPress site ([publish.website]); `publish` is safe to call again after any failure."""

    def __init__(self, cfg: WebsiteCfg, client: httpx.Client | None = None):
        self.cfg = cfg
        self.base = cfg.url.rstrip("/")
        try:
            password = cfg.secret()
        except ConfigError as exc:
            raise PermanentError(f"WordPress password: {exc}") from None
        self.auth = httpx.BasicAuth(cfg.username, password)
        self._own_client = client is None
        self.client = client or httpx.Client(timeout=cfg.timeout)
        self._pretty: bool | None = None  # /wp-json/ works (pretty permalinks) or only ?rest_route=
        self._logged_in = False

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> "WordPress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP -------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            resp = self.client.request(method, url, timeout=self.cfg.timeout, **kw)
        except httpx.TimeoutException as exc:
            raise TransientError(f"WordPress {method} {url}: timed out ({exc.__class__.__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"WordPress {method} {url}: {exc.__class__.__name__}: {exc}") from exc
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            raise TransientError(f"WordPress {method} {url}: HTTP {resp.status_code} {resp.text[:300]}")
        return resp

    def _detect(self) -> None:
        """Find out once whether the REST API lives at /wp-json/ or only at ?rest_route=."""
        if self._pretty is not None:
            return
        for pretty, url, params in ((True, f"{self.base}/wp-json/", None),
                                    (False, f"{self.base}/", {"rest_route": "/"})):
            resp = self._send("GET", url, params=params)
            if resp.status_code == 200 and "json" in resp.headers.get("content-type", ""):
                try:
                    index = resp.json()
                except ValueError:
                    continue
                if isinstance(index, dict) and "wp/v2" in index.get("namespaces", []):
                    self._pretty = pretty
                    log.info("WordPress %s: REST API at %s", self.base,
                             "/wp-json/" if pretty else "?rest_route=")
                    return
        raise PermanentError(f"no WordPress REST API (wp/v2) at {self.base}: neither /wp-json/ nor "
                             "?rest_route=/ answered; check [publish.website] url")

    def _api(self, method: str, route: str, *, params: dict[str, Any] | None = None,
             allow: tuple[str, ...] = (), **kw: Any) -> tuple[int, Any]:
        """Call /wp/v2<route>; a 4xx whose WordPress error code is not in `allow` is a PermanentError."""
        self._detect()
        params = dict(params or {})
        if self._pretty:
            url = f"{self.base}/wp-json/wp/v2{route}"
        else:
            url = f"{self.base}/"
            params = {"rest_route": f"/wp/v2{route}", **params}
        resp = self._send(method, url, params=params, auth=self.auth, **kw)
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code >= 400:
            code = data.get("code", "") if isinstance(data, dict) else ""
            if code in allow:
                return resp.status_code, data
            message = data.get("message", "") if isinstance(data, dict) else resp.text[:300]
            if resp.status_code == 401:
                raise PermanentError(f"WordPress {self.base} refused user '{self.cfg.username}' ({code}: {message}); "
                                     "check the application password in [publish.website]")
            if resp.status_code == 403:
                raise PermanentError(f"WordPress {self.base}: user '{self.cfg.username}' may not {method} "
                                     f"{route} ({code}: {message})")
            raise PermanentError(f"WordPress {method} {route}: HTTP {resp.status_code} {code}: {message}")
        if data is None:
            raise TransientError(f"WordPress {method} {route}: HTTP {resp.status_code} but no JSON "
                                 f"({resp.text[:200]!r})")
        return resp.status_code, data

    def check_login(self) -> None:
        """Fail early and clearly when the credentials are wrong (WordPress otherwise just treats us as a visitor)."""
        if self._logged_in:
            return
        _, me = self._api("GET", "/users/me", params={"context": "edit"})
        caps = me.get("capabilities", {}) if isinstance(me, dict) else {}
        if caps and not (caps.get("publish_posts") and caps.get("upload_files")):
            raise PermanentError(f"WordPress user '{self.cfg.username}' may not publish posts or upload files; "
                                 "give it the Author or Editor role")
        self._logged_in = True

    # --- terms, posts, media ----------------------------------------------------------------

    def term(self, kind: str, name: str, slug: str | None = None) -> int:
        """The id of a category or tag (kind "categories" / "tags"), made when missing."""
        slug = slug or slugify(name)
        _, found = self._api("GET", f"/{kind}", params={"slug": slug})
        if found:
            return int(found[0]["id"])
        status, made = self._api("POST", f"/{kind}", json={"name": name, "slug": slug}, allow=("term_exists",))
        if status >= 400:  # made meanwhile, or the same name under another slug
            return int(made["data"]["term_id"])
        log.info("WordPress %s: made %s '%s' (%s)", self.base, kind, name, made["id"])
        return int(made["id"])

    def find_post(self, code: str, post_id: int | None = None) -> dict[str, Any] | None:
        """The story's post: by the id from progress, else by the request code's tag."""
        if post_id:
            status, post = self._api("GET", f"/posts/{post_id}", params={"context": "edit"},
                                     allow=("rest_post_invalid_id",))
            if status < 400 and post.get("status") != "trash":
                return post
            log.warning("%s: WordPress post %s is gone; looking for it by tag", code, post_id)
        _, tags = self._api("GET", "/tags", params={"slug": slugify(code)})
        if not tags:
            return None
        _, posts = self._api("GET", "/posts", params={"tags": tags[0]["id"], "status": "any", "context": "edit",
                                                      "orderby": "id", "order": "asc", "per_page": 10})
        if len(posts) > 1:
            log.warning("%s: %d WordPress posts carry the code tag; using the first (%s)",
                        code, len(posts), posts[0]["id"])
        return posts[0] if posts else None

    def find_media(self, slug: str) -> dict[str, Any] | None:
        _, found = self._api("GET", "/media", params={"slug": slug, "context": "edit"})
        return found[0] if found else None

    def upload(self, path: Path, filename: str, post_id: int) -> dict[str, Any]:
        """Upload one file as media attached to the post, streamed from disk."""
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise PermanentError(f"photo {path}: {exc.strerror}") from None
        headers = {"Content-Type": mime, "Content-Length": str(size),
                   "Content-Disposition": f'attachment; filename="{filename}"'}
        _, media = self._api("POST", "/media", params={"post": post_id}, content=_file_chunks(path),
                             headers=headers)
        return media

    # --- the channel ------------------------------------------------------------------------

    def publish(self, story: Story, progress: dict[str, Any] | None = None,
                checkpoint: Checkpoint | None = None) -> Result:
        """Make (or finish) the story's post; `progress` is updated in place as each step completes."""
        progress = progress if progress is not None else {}
        save = checkpoint or (lambda _p: None)
        if progress.get("done") and progress.get("post_id"):
            return Result(str(progress["post_id"]), progress.get("url"), progress)
        self.check_login()

        tag_ids = [self.term("tags", story.code.upper(), slugify(story.code))]
        for name in (story.kecamatan, story.unit):
            if name:
                tag_ids.append(self.term("tags", name))
        category_id = self.term("categories", self.cfg.category)
        # title, excerpt and captions are HTML in WordPress; alt_text is plain (WordPress escapes it)
        fields = {"title": _text(story.title), "excerpt": _text(story.lead), "tags": tag_ids,
                  "categories": [category_id]}

        post = self.find_post(story.code, progress.get("post_id"))
        if post is None:
            _, post = self._api("POST", "/posts", json={
                **fields, "status": "draft", "content": paragraphs_html(story.paragraphs())})
            log.info("%s: WordPress draft %s made", story.code, post["id"])
        post_id = int(post["id"])
        if progress.get("post_id") != post_id:
            if progress.get("post_id"):  # the recorded post is gone: check its media again too
                progress.pop("media", None)
            progress["post_id"] = post_id
            save(progress)

        media: dict[str, Any] = progress.setdefault("media", {})  # "1" -> {"id", "src"}
        for n, photo in enumerate(story.photos, 1):
            if str(n) in media:
                continue
            slug = f"{slugify(story.code)}-{n:02d}"
            found = self.find_media(slug)
            if found is None:
                found = self.upload(photo.path, slug + (photo.path.suffix.lower() or ".jpg"), post_id)
                log.info("%s: photo %d uploaded to WordPress as media %s", story.code, n, found["id"])
            self._api("POST", f"/media/{found['id']}", json={
                "caption": _text(photo.caption), "alt_text": photo.alt, "post": post_id,
                "title": _text(f"{story.title} ({n})")})
            media[str(n)] = {"id": int(found["id"]), "src": found.get("source_url", "")}
            save(progress)

        parts = [paragraphs_html(story.paragraphs())]
        parts += [figure_html(media[str(n)]["id"], media[str(n)]["src"], photo)
                  for n, photo in enumerate(story.photos, 1) if n > 1]
        final = {**fields, "status": self.cfg.status, "content": "\n".join(parts)}
        if story.photos:
            final["featured_media"] = media["1"]["id"]
        _, post = self._api("POST", f"/posts/{post_id}", json=final)
        progress.update(done=True, url=post.get("link"))
        save(progress)
        log.info("%s: WordPress post %s is %s at %s", story.code, post_id, post.get("status"), post.get("link"))
        return Result(str(post_id), post.get("link"), progress)
