"""Publishing (steps 12-14) and the archive (step 15): each channel is a job; the step is done
once every channel has ended (published, skipped or failed), so a failure never blocks the next."""

from __future__ import annotations

import mimetypes

from daemon.core.rules_sop import Step
from daemon.sop import publishing
from daemon.sop.kinds.base import Entered, Kind, tag
from daemon.sop.publishing import ENDED
from daemon.sop.run import Run

JOB = "publish"
DEFAULT_CHANNELS = {"archive": ["archive"]}


class Publish(Kind):
    """`kind: publish` (channels from `channels:`) and `kind: archive` (the archive channel)."""

    def __init__(self, name: str = "publish"):
        self.name = name

    def channels(self, step: Step) -> list[str]:
        return list(step.channels) or DEFAULT_CHANNELS.get(self.name, [])

    def enter(self, run: Run, step: Step, note: str = "") -> Entered:
        started = False
        for channel in self.channels(step):
            pub = publishing.row(run.s, run.req, channel)
            if pub.status in ENDED:
                continue
            if not publishing.configured(run.ctx, channel):
                pub.status, pub.detail = "skipped", "tidak dikonfigurasi"
                run.record("skipped", step=step.number,
                           note=f"{publishing.label(channel)}: tidak dikonfigurasi, dilewati")
                continue
            run.fx.job(JOB, {"request_id": run.req.id, "step": step.number, "channel": channel},
                       key=f"{JOB}:{run.req.code}:{channel}")
            started = True
        return "wait" if started else "done"

    def on_timer(self, run: Run, step: Step, payload: dict) -> str | None:
        """A channel's job ended (payload: channel, ok, result): its mail goes out, and the step
        is done when every channel has ended."""
        if payload.get("timer") != "published":
            return None
        if payload.get("ok"):
            deliver(run, step, payload["channel"], payload.get("result") or {})
        ended = {c: publishing.row(run.s, run.req, c).status in ENDED for c in self.channels(step)}
        return "done" if all(ended.values()) else None

    def done_note(self, step: Step, payload: dict) -> str:
        return f"selesai: {', '.join(publishing.label(c) for c in self.channels(step))}"

    def waiting_note(self, step: Step) -> str:
        return f"menunggu: {step.name} (dikerjakan otomatis)"


def files_items(files: list[list[str]]) -> list[dict]:
    """Attachment items for files the job made: [name, path] pairs."""
    return [{"file": path, "name": name, "type": mimetypes.guess_type(name)[0] or "application/octet-stream"}
            for name, path in files]


def deliver(run: Run, step: Step, channel: str, result: dict) -> None:
    """The mail a channel's result makes: the release to each contact, the package to the admin."""
    ctx, req = run.ctx, run.req
    if channel == "press":
        for contact in ctx.rules.office.media:
            pub = publishing.row(run.s, req, f"press:{contact.email.lower()}")
            if pub.status in ENDED:
                continue  # mailed before this retry
            pub.status, pub.detail = "done", f"dikirim ke {contact.name} ({contact.outlet})"
            run.fx.mail("press", [contact.email], attach=files_items(result.get("files", [])),
                        r=req, tag=tag(req), office=ctx.rules.office, contact=contact,
                        office_name=ctx.cfg.office.name,
                        subject_line=result.get("subject", req.title), body=result.get("body", ""))
        run.record("published", step=step.number,
                   note=f"rilis dikirim ke {len(ctx.rules.office.media)} media massa")
    elif channel == "social":
        admin = ctx.cfg.publish.social.admin
        run.fx.mail("social_package", [admin], attach=files_items(result.get("files", [])), r=req,
                    tag=tag(req), office=ctx.rules.office, caption=result.get("caption", ""),
                    files=[n for n, _ in result.get("files", [])])
        run.record("published", step=step.number, note=f"paket media sosial dikirim ke {admin}")
    elif result.get("url") or result.get("remote_id"):
        run.record("published", step=step.number,
                   note=f"{publishing.label(channel)}: {result.get('url') or result.get('remote_id')}")

