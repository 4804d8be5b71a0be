"""The report (step 11): the team's delivery is checked; once complete, the Kasi gets a preview
(title, lead, thumbnails) to answer "setuju", or "revisi: ..." back to the writer."""

from __future__ import annotations

from sqlalchemy import select

from daemon.core.models import Event, Task
from daemon.core.rules_sop import Step
from daemon.sop import people, results
from daemon.sop.kinds.base import Entered, Kind, service_standard, tag
from daemon.sop.run import Run

THUMBNAILS = 6  # photos shown in the preview; all of them are published


class Report(Kind):
    name = "report"

    def enter(self, run: Run, step: Step, note: str = "") -> Entered:
        files = results.accepted(run.s, run.req)
        revision = last_revision(run, step)
        if revision is not None and (results.newest(files) is None or results.newest(files) <= revision.time):
            ask_writers(run, step, revision.note or "")
            return "wait"
        if files and not results.missing(run.ctx, files):
            return "task"
        if files:
            ask_missing(run, step, files)
        return "wait"

    def on_timer(self, run: Run, step: Step, payload: dict) -> str | None:
        """The delivery went quiet: preview it when complete (again, if files came after the
        last preview or revision), else ask for what is missing."""
        if payload.get("timer") != "settled":
            return None
        files = results.quiet(run.s, run.req, payload)
        revision = last_revision(run, step)
        newest = results.newest(files)
        if newest is None or (revision is not None and newest <= revision.time):
            return None
        if results.missing(run.ctx, files):
            ask_missing(run, step, files)
            return None
        return "task"

    def waiting_note(self, step: Step) -> str:
        return f"menunggu: {step.name} (berita dan foto dari tim)"

    def task_label(self, step: Step, task: Task) -> str:
        return "pratinjau hasil liputan kepada kasi"

    def ask(self, run: Run, step: Step, task: Task, note: str = "") -> None:
        ctx, req = run.ctx, run.req
        files = results.accepted(run.s, req)
        found, _ = results.read_news(ctx, files)
        photos = [f for f in files if f.kind == results.PHOTO]
        thumbs = [{"thumb": str(results.path_of(ctx, f)), "cid": f"foto{i}.{req.code.lower()}"}
                  for i, f in enumerate(photos[:THUMBNAILS], 1)]
        person, title, _ = people.person(ctx, task.who[0], task.role)
        run.fx.mail("preview", [task.who[0]], cc=task.who[1:], message_id=task.message_id,
                    attach=thumbs, r=req, tag=tag(req), office=ctx.rules.office, step=step,
                    person=person, acting_title=title, news=found, thumbs=thumbs,
                    photos=len(photos), videos=sum(f.kind == results.VIDEO for f in files),
                    files=[f.name for f in files], deadline=task.deadline,
                    news_files=[f.name for f in files if f.kind == results.NEWS],
                    photo_files=[f.name for f in photos],
                    video_files=[f.name for f in files if f.kind == results.VIDEO],
                    refused=results.refused(run.s, req),
                    standard=service_standard(step.minutes))


def last_revision(run: Run, step: Step) -> Event | None:
    """The latest "revisi" decided on this step, if any."""
    return run.s.scalars(select(Event).where(Event.request_id == run.req.id, Event.step == step.number,
                                             Event.kind == "decided", Event.decision == "revise")
                         .order_by(Event.id.desc()).limit(1)).first()


def writers(run: Run) -> list[str]:
    """Who hands in the news: the team (those with the 'berita' task first)."""
    team = run.req.team or []
    first = [m["email"] for m in team if "berita" in (m.get("task") or "").lower()]
    return first + [m["email"] for m in team if m["email"] not in first]


def ask_missing(run: Run, step: Step, files: list) -> None:
    missing = results.missing(run.ctx, files)
    run.record("incomplete", step=step.number, note="belum lengkap: " + "; ".join(missing))
    if to := writers(run):
        run.fx.mail("results_missing", to, r=run.req, tag=tag(run.req), office=run.ctx.rules.office,
                    missing=missing, files=[f.name for f in files], folder=folder_shown(run),
                    refused=results.refused(run.s, run.req))


def ask_writers(run: Run, step: Step, note: str) -> None:
    if to := writers(run):
        run.fx.mail("results_revise", to, r=run.req, tag=tag(run.req), office=run.ctx.rules.office,
                    note=note, folder=folder_shown(run))


def folder_shown(run: Run) -> str:
    return results.shown_folder(run.ctx, run.req)
