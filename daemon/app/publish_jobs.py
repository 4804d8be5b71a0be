"""The publishing jobs (steps 12-15): each channel's slow outside work runs here, outside any
transaction, resuming from the progress kept on its publication row; its end moves the step."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.orm import Session, sessionmaker

from daemon.archive import bag, collect
from daemon.core.context import Context
from daemon.core.jobs import ClaimedJob, PermanentJobError
from daemon.core.models import Request
from daemon.publish import errors, press, social, website_folder
from daemon.publish.story import Story
from daemon.sop import engine, publishing, results, writer
from daemon.sop.kinds.publish import JOB

log = logging.getLogger("daemon.app.publish")
Keep = Callable[[dict], None]
KIND = JOB


def run(ctx: Context, factory: sessionmaker[Session], job: ClaimedJob) -> dict[str, Any]:
    """Do one channel for one request; a retry picks up what an earlier attempt made."""
    channel = job.payload["channel"]
    with factory() as s:
        req = s.get(Request, job.payload["request_id"])
        if req is None:
            raise PermanentJobError(f"request {job.payload['request_id']} is gone")
        pub = publishing.row(s, req, channel)
        progress = dict(pub.progress or {})
        if pub.status == "done":  # finished before a crash lost the job's end: nothing twice
            return {"remote_id": pub.remote_id, "url": pub.url, "progress": progress, **progress.get("result", {})}
        s.commit()
        if channel == "archive":
            return _archive(ctx, s, req)
        try:
            story = results.story(ctx, s, req)
        except ValueError as exc:
            raise PermanentJobError(str(exc)) from None
    out_dir = ctx.cfg.state_dir / "publish" / req.code / channel
    keep = lambda p: _keep(factory, job, p)  # noqa: E731 - each step made is saved at once
    try:
        return CHANNELS[channel](ctx, story, progress, out_dir, keep)
    except errors.PermanentError as exc:
        raise PermanentJobError(f"{publishing.label(channel)}: {exc}") from None


def _keep(factory: sessionmaker[Session], job: ClaimedJob, progress: dict) -> None:
    """Save what an attempt has made so far (e.g. media uploaded), so a retry after a failure
    or a crash does not make it again."""
    with factory() as s, s.begin():
        req = s.get(Request, job.payload["request_id"])
        publishing.row(s, req, job.payload["channel"]).progress = dict(progress)


def _remote(channel: Any, story: Story, progress: dict, keep: Keep) -> dict:
    """A channel that makes something at a remote site (WordPress, a Facebook Page)."""
    try:
        res = channel.publish(story, progress, checkpoint=keep)
    finally:
        channel.close()
    return {"remote_id": str(res.remote_id), "url": res.url, "progress": res.progress}


def _website(ctx: Context, story: Story, progress: dict, out: Path, keep: Keep) -> dict:
    cfg = ctx.cfg.publish.website
    if not cfg.url:  # no WordPress: the pages go to a local folder
        return _remote(website_folder.FolderSite(cfg, ctx.cfg.office.name), story, progress, keep)
    # httpx loads when a WordPress post is made, not at start
    from daemon.publish import website
    return _remote(website.WordPress(cfg), story, progress, keep)


def _facebook(ctx: Context, story: Story, progress: dict, out: Path, keep: Keep) -> dict:
    # httpx loads when a Facebook post is made, not at start
    from daemon.publish import facebook
    return _remote(facebook.FacebookPage(ctx.cfg.publish.facebook), story, progress, keep)


def _social(ctx: Context, story: Story, progress: dict, out: Path, keep: Keep) -> dict:
    package = social.build_package(story, ctx.cfg.publish.social, out)
    return {"caption": package.caption, "files": [[p.name, str(p)] for p in package.files]}


def _press(ctx: Context, story: Story, progress: dict, out: Path, keep: Keep) -> dict:
    cfg = ctx.cfg.publish.press
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, data, _caption in press.shrink_for_mail(story.photos, press.attachment_budget(cfg.max_mail_mb)):
        path = out / name
        path.write_bytes(data)
        files.append([name, str(path)])
    subject, body = press.release_text(story, ctx.cfg.office.name, cfg.contact,
                                       city=ctx.rules.office.office.city, on=ctx.local_now().date())
    return {"subject": subject, "body": body, "files": files}


def _archive(ctx: Context, s: Session, req: Request) -> dict:
    items = collect.items_for(s, req, Path(ctx.cfg.paths.dropbox), ctx.cfg.state_dir, ctx.cfg.tz)
    info = collect.info_for(req, ctx.rules.office.office.name, ctx.cfg.tz)
    when = collect.filing_date(req, ctx.cfg.tz)
    path = bag.write_bag(Path(ctx.cfg.paths.archive), req.code, when, list(items), info)
    return {"remote_id": str(path), "url": None, "missing": list(items.missing)}


CHANNELS: dict[str, Callable[[Context, Story, dict, Path, Keep], dict]] = {
    "website": _website, "facebook": _facebook, "social": _social, "press": _press}


def done(ctx: Context, s: Session, job: ClaimedJob, result: dict) -> None:
    """The channel is done: its row keeps the remote id, and the step hears of it."""
    req = s.get(Request, job.payload["request_id"])
    pub = publishing.row(s, req, job.payload["channel"])
    pub.status, pub.remote_id, pub.url = "done", result.get("remote_id"), result.get("url")
    pub.progress = {**(result.get("progress") or pub.progress or {}), "result": {
        k: v for k, v in result.items() if k not in ("progress",)}}
    if result.get("missing"):
        pub.detail = "berkas hilang: " + ", ".join(result["missing"])[:400]
    engine.timer(ctx, s, {"request_id": req.id, "step": job.payload["step"], "timer": "published",
                          "channel": job.payload["channel"], "ok": True, "result": result})


def failed(ctx: Context, s: Session, job: ClaimedJob, error: str) -> None:
    """The channel failed for good: the operator is told, and the other channels go on."""
    req = s.get(Request, job.payload["request_id"])
    if req is not None:
        pub = publishing.row(s, req, job.payload["channel"])
        pub.status, pub.detail = "failed", error[:500]
    writer.job_failed(ctx, s, job, error)
    if req is not None:
        engine.timer(ctx, s, {"request_id": req.id, "step": job.payload["step"], "timer": "published",
                              "channel": job.payload["channel"], "ok": False})
