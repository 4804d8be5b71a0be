"""A request's coverage results (news, photos, videos): what came in, what is missing, and the
story the publishing channels take from them."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core import indonesian
from daemon.core.context import Context
from daemon.core.models import DeliveryFile, Request
from daemon.delivery import folders
from daemon.delivery import news as newsmod
from daemon.publish.story import Photo, Story

log = logging.getLogger("daemon.sop.results")
NEWS, PHOTO, VIDEO = "news", "photo", "video"


def accepted(s: Session, req: Request) -> list[DeliveryFile]:
    """The request's accepted files, oldest first (a replaced version is left out)."""
    return list(s.scalars(select(DeliveryFile).where(DeliveryFile.request_id == req.id,
                                                     DeliveryFile.status == "accepted")
                          .order_by(DeliveryFile.id)))


def refused(s: Session, req: Request) -> list[dict]:
    """The request's files set aside (to _KARANTINA) and why, for the mails that list what came."""
    rows = s.scalars(select(DeliveryFile).where(DeliveryFile.request_id == req.id,
                                                DeliveryFile.status == "quarantined").order_by(DeliveryFile.id))
    return [{"name": f.name, "reason": f.reason or "-"} for f in rows]


def year_of(ctx: Context, req: Request) -> int:
    """The year folder of a request: its code's year (LPT-2026-0007)."""
    return int(req.code.split("-")[1])


def folder(ctx: Context, req: Request) -> Path:
    """The request's folder in the share, made (with its BACA-SAYA.txt) if it is not there."""
    return folders.create_request_folder(Path(ctx.cfg.paths.dropbox), req.code, req.title,
                                         year_of(ctx, req), ctx.cfg.delivery.require_mount)


def shown_folder(ctx: Context, req: Request) -> str:
    """The request's folder as the team opens it (never the server's own path). A share that is
    away does not stop the request: the folder is named all the same, and made when it is back."""
    root = Path(ctx.cfg.paths.dropbox)
    try:
        relpath = folder(ctx, req).relative_to(root).as_posix()
    except OSError as exc:
        log.warning("%s: cannot make its folder in the share (%s); named all the same", req.code, exc)
        relpath = folders.folder_relpath(req.code, req.title, year_of(ctx, req))
    return folders.public_path(ctx.cfg.delivery.public_root, relpath, root)


def path_of(ctx: Context, f: DeliveryFile) -> Path:
    """Where the file is on this server: under the share (folder) or the state dir (mail)."""
    root = Path(ctx.cfg.paths.dropbox) if f.source == "folder" else ctx.cfg.state_dir
    return root / f.relpath


def read_news(ctx: Context, files: list[DeliveryFile]) -> tuple[newsmod.News | None, str | None]:
    """The newest news text that has a title and a body, else (None, why not)."""
    why = None
    for f in reversed([f for f in files if f.kind == NEWS]):
        try:
            found = newsmod.read_news(path_of(ctx, f))
        except (OSError, ValueError) as exc:
            why = f"{f.name}: {exc}"
            continue
        if found.title and found.body:
            return found, None
        why = f"{f.name}: naskah berita harus memuat judul (baris pertama) dan isi berita"
    return None, why


def missing(ctx: Context, files: list[DeliveryFile]) -> list[str]:
    """What the delivery still lacks, named for the team (empty: complete)."""
    out = []
    found, why = read_news(ctx, files)
    if found is None:
        out.append("naskah berita (berkas .docx, .txt atau .md, atau isi surel) dengan judul "
                   "pada baris pertama dan isi berita" + (f" — {why}" if why else ""))
    if not any(f.kind == PHOTO for f in files):
        out.append("sekurang-kurangnya satu foto kegiatan (.jpg atau .png)")
    return out


def newest(files: list[DeliveryFile]) -> datetime | None:
    return max((f.created_at for f in files), default=None)


def quiet(s: Session, req: Request, payload: dict) -> list[DeliveryFile]:
    """The accepted files when a 'settled' timer fires, or [] when more came in after it was
    set (the later file's own timer does the check)."""
    files = accepted(s, req)
    since = datetime.fromisoformat(payload["since"]) if payload.get("since") else None
    last = newest(files)
    if last is None or (since is not None and last > since):
        return []
    return files


def story(ctx: Context, s: Session, req: Request) -> Story:
    """What the channels publish: the news text, the photos with captions, the request's facts."""
    files = accepted(s, req)
    found, why = read_news(ctx, files)
    if found is None:
        raise ValueError(f"{req.code}: tidak ada naskah berita yang lengkap ({why or 'tidak ada'})")
    when = req.event_start.astimezone(ctx.cfg.tz) if req.event_start else None
    where = ", ".join(p for p in (req.location, f"Kecamatan {req.kecamatan}" if req.kecamatan else None) if p)
    caption = f"{found.title}" + (f", {where}" if where else "") + (
        f", {indonesian.format_date(when.date())}" if when else "")
    photos = [Photo(path=path_of(ctx, f), caption=caption, alt=f"Foto kegiatan: {found.title}")
              for f in files if f.kind == PHOTO]
    return Story(code=req.code, title=found.title, body=found.body, lead=found.lead, photos=photos,
                 kecamatan=req.kecamatan, unit=req.requester, event_date=when.date() if when else None,
                 place=req.location)
