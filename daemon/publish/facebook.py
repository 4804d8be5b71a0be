"""Publish a story to the office's Facebook Page through the Graph API, once, however often it is retried.

The documented contract for a multi-photo Page post: each photo is uploaded unpublished
(`POST /{page-id}/photos`, `published=false`, multipart `source`) and answers `{"id": ...}`; one
`POST /{page-id}/feed` with `message` and `attached_media[i]={"media_fbid": ...}` makes the post
(`{"id": "pageid_postid"}`). A single photo is posted directly with `published=true`.
`progress` keeps the photo ids and the post id; with a post id a retry does nothing. A crash after
the feed call but before its id was stored is caught by `posting`: the retry looks for a recent
Page post with the same message before posting again.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from daemon.core.config_publish import FacebookCfg
from daemon.publish.errors import PermanentError, TransientError
from daemon.publish.story import Result, Story

log = logging.getLogger("daemon.publish.facebook")

Checkpoint = Callable[[dict[str, Any]], None]

TOKEN_CODES = {190, 102}  # expired, invalidated or malformed access token; session expired
PERMISSION_CODES = {3, 10} | set(range(200, 300))  # missing permission / capability
TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 368, 613}  # unknown/service errors, rate and spam limits


def post_url(post_id: str) -> str:
    page, _, post = post_id.partition("_")
    return f"https://www.facebook.com/{page}/posts/{post}" if post else f"https://www.facebook.com/{post_id}"


def message_of(story: Story) -> str:
    return "\n\n".join([story.title, *story.paragraphs()])


class FacebookPage:
    """One Facebook Page ([publish.facebook]); the Page access token is read from token_file on each publish."""

    def __init__(self, cfg: FacebookCfg, client: httpx.Client | None = None):
        self.cfg = cfg
        self.graph = cfg.graph_url.rstrip("/")
        self._own_client = client is None
        self.client = client or httpx.Client(timeout=cfg.timeout)

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> "FacebookPage":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def token(self) -> str:
        try:
            token = Path(self.cfg.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PermanentError(f"Facebook token_file {self.cfg.token_file}: {exc.strerror}") from None
        if not token:
            raise PermanentError(f"Facebook token_file {self.cfg.token_file} is empty")
        return token

    def _call(self, method: str, edge: str, token: str, **kw: Any) -> dict[str, Any]:
        """One Graph call; errors are sorted into transient and permanent by their Graph error code."""
        what = f"Facebook {method} /{edge}"
        if method == "GET":
            kw["params"] = {**kw.get("params", {}), "access_token": token}
        else:
            kw["data"] = {**kw.get("data", {}), "access_token": token}
        try:
            resp = self.client.request(method, f"{self.graph}/{edge}", timeout=self.cfg.timeout, **kw)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{what}: timed out ({exc.__class__.__name__})") from exc
        except httpx.TransportError as exc:  # the message names no URL, so never the token
            raise TransientError(f"{what}: {exc.__class__.__name__}") from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        if resp.status_code < 400 and error is None and isinstance(data, dict):
            return data
        if not isinstance(error, dict):
            if resp.status_code >= 500 or resp.status_code == 429:
                raise TransientError(f"{what}: HTTP {resp.status_code}")
            raise PermanentError(f"{what}: HTTP {resp.status_code} {resp.text[:200]!r}")
        code = error.get("code")
        detail = (f"{what}: {error.get('message', '')} (code {code}, subcode {error.get('error_subcode')}, "
                  f"type {error.get('type')}, fbtrace_id {error.get('fbtrace_id')})")
        if code in TOKEN_CODES:
            raise PermanentError(f"the Page access token was refused; put a new one in {self.cfg.token_file}. "
                                 + detail)
        if code in PERMISSION_CODES:
            raise PermanentError("the Page token lacks a permission (pages_manage_posts, pages_read_engagement). "
                                 + detail)
        if code in TRANSIENT_CODES or error.get("is_transient") or resp.status_code >= 500:
            raise TransientError(detail)
        raise PermanentError(detail)

    def _photo(self, token: str, path: Path, data: dict[str, Any]) -> dict[str, Any]:
        mime = mimetypes.guess_type(path.name)[0] or "image/jpeg"
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below; httpx streams it into the multipart body
        except OSError as exc:
            raise PermanentError(f"photo {path}: {exc.strerror}") from None
        with fh:
            return self._call("POST", f"{self.cfg.page_id}/photos", token, data=data,
                              files={"source": (path.name, fh, mime)})

    def _find_posted(self, token: str, message: str) -> str | None:
        """A recent Page post with exactly this message: the one a crashed attempt made."""
        found = self._call("GET", f"{self.cfg.page_id}/feed", token, params={"fields": "id,message", "limit": 25})
        for post in found.get("data", []):
            if post.get("message", "").strip() == message.strip():
                return str(post["id"])
        return None

    def publish(self, story: Story, progress: dict[str, Any] | None = None,
                checkpoint: Checkpoint | None = None) -> Result:
        """Post the story with its photos; `progress` is updated in place as each step completes."""
        progress = progress if progress is not None else {}
        save = checkpoint or (lambda _p: None)
        if progress.get("post_id"):
            return Result(progress["post_id"], post_url(progress["post_id"]), progress)
        token = self.token()
        message = message_of(story)
        if progress.get("posting"):
            found = self._find_posted(token, message)
            if found:
                log.warning("%s: Facebook post %s found after an interrupted attempt", story.code, found)
                return self._done(story, progress, found, save)

        if len(story.photos) == 1:
            photo = story.photos[0]
            progress["posting"] = True
            save(progress)
            made = self._photo(token, photo.path, {"caption": message, "published": "true"})
            return self._done(story, progress, str(made.get("post_id") or made["id"]), save)

        photo_ids: dict[str, str] = progress.setdefault("photo_ids", {})
        for n, photo in enumerate(story.photos, 1):
            if str(n) in photo_ids:
                continue
            made = self._photo(token, photo.path, {"caption": photo.caption, "published": "false"})
            photo_ids[str(n)] = str(made["id"])
            save(progress)
            log.info("%s: photo %d uploaded to Facebook (unpublished) as %s", story.code, n, made["id"])
        data = {"message": message}
        for i in range(len(story.photos)):
            data[f"attached_media[{i}]"] = json.dumps({"media_fbid": photo_ids[str(i + 1)]})
        progress["posting"] = True
        save(progress)
        made = self._call("POST", f"{self.cfg.page_id}/feed", token, data=data)
        return self._done(story, progress, str(made["id"]), save)

    def _done(self, story: Story, progress: dict[str, Any], post_id: str, save: Checkpoint) -> Result:
        progress.pop("posting", None)
        progress["post_id"] = post_id
        save(progress)
        log.info("%s: Facebook post %s made", story.code, post_id)
        return Result(post_id, post_url(post_id), progress)
