"""What `liputan demo` leaves behind, checked and named: every step in each request's history,
the letters, the website page, the archive bag (verified) and the mail sent to the channels."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.archive.bag import ArchiveError, verify_bag
from daemon.core.context import Context
from daemon.core.models import Document, Event, Outbox, Publication, Request

CHANNEL_MAILS = (("social_package", "social-media package"), ("press", "press release"))


def shown(path: str | Path | None, base: Path) -> str:
    if not path:
        return "-"
    try:
        return str(Path(path).resolve().relative_to(base))
    except ValueError:
        return str(path)


def summary(ctx: Context, factory: sessionmaker[Session], base: Path) -> bool:
    """Print where everything is; False when a step is missing from a history or a bag is bad."""
    steps = [s.number for s in ctx.rules.sop.steps]
    ok = True
    mails = mail_files(base / "mail")
    print(f"\nWhat the demo left in {base}:")
    with factory() as s:
        for req in s.scalars(select(Request).order_by(Request.id)):
            seen = set(s.scalars(select(Event.step).where(Event.request_id == req.id, Event.step.is_not(None))))
            skipped = sorted(set(s.scalars(select(Event.step).where(Event.request_id == req.id,
                                                                    Event.kind == "skipped"))) - {None})
            missing = [n for n in steps if n not in seen]
            where = "on Bengkalis island" if req.outside_island is False else "on the mainland"
            print(f"\n{req.code}  {req.title} ({req.kecamatan or '?'}, {where})")
            if missing:
                ok = False
                print(f"  MISSING from the history: steps {missing}")
            else:
                print(f"  all {len(steps)} steps in its history"
                      + (f"; skipped (whole step or a channel): {skipped}" if skipped else ""))
            latest = {d.kind: d for d in s.scalars(select(Document).where(Document.request_id == req.id)
                                                   .order_by(Document.id))}  # each letter's last version
            for doc in latest.values():
                pdf = f" + {shown(doc.pdf_path, base)}" if doc.pdf_path else ""
                print(f"  letter  {doc.kind:<16} {doc.number or '':<28} {shown(doc.path, base)}{pdf}")
            for pub in s.scalars(select(Publication).where(Publication.request_id == req.id).order_by(Publication.id)):
                ok = report_channel(pub, base) and ok
            report_mails(s, req, mails, base)
    print(f"\n  every mail sent: {shown(base / 'mail', base)}/;  daemon log: daemon.log;  "
          f"history: liputan show CODE -c {base / 'liputan.toml'}")
    return ok


def report_channel(pub: Publication, base: Path) -> bool:
    if pub.channel == "website":
        folder = (pub.progress or {}).get("folder")
        page = Path(folder) / "index.html" if folder else None
        print(f"  post    website ({'local folder' if page else 'WordPress'})   {shown(page or pub.url, base)}")
        return page is None or page.is_file()
    if pub.channel == "archive":
        try:
            verify_bag(Path(pub.remote_id or ""))
        except ArchiveError as exc:
            print(f"  bag     NOT VALID: {exc}")
            return False
        print(f"  bag     archive (BagIt, verified)     {shown(pub.remote_id, base)}")
        return True
    if pub.status == "skipped":
        print(f"  skipped {pub.channel} (not configured)")
    return True


def mail_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """The demo's sent mail by Message-ID: (file, To)."""
    out = {}
    for path in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out[str(msg.get("Message-ID", "")).strip()] = (path, str(msg.get("To", "")))
    return out


def report_mails(s: Session, req: Request, mails: dict[str, tuple[Path, str]], base: Path) -> None:
    """The request's own mail to the channels (social media, press), each with its file."""
    for kind, label in CHANNEL_MAILS:
        for mid in s.scalars(select(Outbox.message_id).where(Outbox.request_id == req.id, Outbox.kind == kind)
                             .order_by(Outbox.id)):
            path, to = mails.get(mid.strip(), (None, "?"))
            print(f"  mail    {label:<20} to {to:<34} {shown(path, base) if path else '(not sent yet)'}")
