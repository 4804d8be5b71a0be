"""The website channel without WordPress: each story becomes an HTML page with its photos in a
local folder ([publish.website] folder), ready to be served by any web server or copied to one.

Layout: `<folder>/<code-slug>/index.html` (e.g. `lpt-2026-0007/index.html`), the photos beside it
shrunk for the web (`lpt-2026-0007-01.jpg`, ...), a `post.json` with what the page says, and
`<folder>/index.html` listing the published stories, newest first. Every file is written whole
(temporary file, then rename), the page after its photos; a retry rewrites the same files, so a
story is never posted twice. A draft ([publish.website] status = "draft") is marked as such and
left out of the list.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from daemon.core import indonesian
from daemon.core.config_publish import WebsiteCfg
from daemon.core.durable import atomic_write
from daemon.publish.errors import PermanentError
from daemon.publish.images import jpeg_bytes, open_upright
from daemon.publish.slug import slugify
from daemon.publish.story import Photo, Result, Story

log = logging.getLogger("daemon.publish.website_folder")

WEB_SIDE = 1600  # longest side of a photo on the page, in pixels
Checkpoint = Callable[[dict[str, Any]], None]
STYLE = ("body{font-family:Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
         "line-height:1.6;color:#222}figure{margin:1.5rem 0}img{max-width:100%;height:auto}"
         "figcaption{font-size:.9rem;color:#555}.meta{color:#666;font-size:.9rem}"
         ".draf{background:#fff3cd;padding:.5rem 1rem;border:1px solid #e0c46c}")


class FolderSite:
    """A folder of HTML pages standing in for the office's website; `publish` may be called again."""

    def __init__(self, cfg: WebsiteCfg, office_name: str = ""):
        if not cfg.folder:
            raise PermanentError("[publish.website] has neither url nor folder")
        self.cfg, self.root, self.office_name = cfg, Path(cfg.folder), office_name

    def close(self) -> None:
        """Nothing held open (the same shape as the WordPress channel)."""

    def publish(self, story: Story, progress: dict[str, Any] | None = None,
                checkpoint: Checkpoint | None = None) -> Result:
        progress = progress if progress is not None else {}
        slug = slugify(story.code)
        page_dir = self.root / slug
        try:
            photos = [self._photo(photo, page_dir / f"{slug}-{n:02d}.jpg")
                      for n, photo in enumerate(story.photos, 1)]
            meta = {"code": story.code, "title": story.title, "lead": story.lead,
                    "status": self.cfg.status, "category": self.cfg.category,
                    "event_date": story.event_date.isoformat() if story.event_date else None,
                    "place": story.place, "kecamatan": story.kecamatan, "unit": story.unit,
                    "photos": [p.name for p, _ in photos]}
            atomic_write(page_dir / "post.json", json.dumps(meta, ensure_ascii=False, indent=2).encode())
            atomic_write(page_dir / "index.html", self.page(story, photos).encode("utf-8"))
            self.write_index()
        except OSError as exc:
            raise PermanentError(f"website folder {self.root}: {exc.strerror or exc}") from None
        url = (page_dir / "index.html").resolve().as_uri()
        progress.update(done=True, url=url, folder=str(page_dir))
        if checkpoint:
            checkpoint(progress)
        log.info("%s: page written to %s (%s)", story.code, page_dir, self.cfg.status)
        return Result(slug, url, progress)

    def _photo(self, photo: Photo, dest: Path) -> tuple[Path, Photo]:
        """The photo upright and no larger than WEB_SIDE, as a JPEG beside the page."""
        try:
            im = open_upright(photo.path)
        except OSError as exc:
            raise PermanentError(f"photo {photo.path.name}: {exc}") from None
        im.thumbnail((WEB_SIDE, WEB_SIDE))
        atomic_write(dest, jpeg_bytes(im), sync_dir=False)
        return dest, photo

    def page(self, story: Story, photos: list[tuple[Path, Photo]]) -> str:
        def esc(v: str | None) -> str:
            return html.escape(v or "", quote=True)
        meta = [v for v in (story.place, story.kecamatan and f"Kecamatan {story.kecamatan}",
                            story.event_date and indonesian.format_date(story.event_date)) if v]
        paras = story.paragraphs()
        figures = [f'<figure><img src="{esc(p.name)}" alt="{esc(ph.alt)}">'
                   + (f"<figcaption>{esc(ph.caption)}</figcaption>" if ph.caption else "") + "</figure>"
                   for p, ph in photos]
        body = ([f"<p>{esc(t)}</p>" for t in paras[:1]] + figures[:1]
                + [f"<p>{esc(t)}</p>" for t in paras[1:]] + figures[1:])
        draft = ('<p class="draf">Draf: belum diterbitkan.</p>' if self.cfg.status == "draft" else "")
        robots = '<meta name="robots" content="noindex">' if self.cfg.status == "draft" else ""
        return (f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">{robots}'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{esc(story.title)}</title><style>{STYLE}</style></head><body>\n"
                f'<p class="meta"><a href="../index.html">{esc(self.office_name or "Berita")}</a>'
                f" · {esc(self.cfg.category)}</p>{draft}\n<h1>{esc(story.title)}</h1>\n"
                f'<p class="meta">{esc(" · ".join(meta))} · {esc(story.code)}</p>\n'
                + "\n".join(body) + "\n</body></html>\n")

    def write_index(self) -> None:
        """The list of published stories, newest request code first."""
        items = []
        for meta_file in sorted(self.root.glob("*/post.json"), reverse=True):
            try:
                meta = json.loads(meta_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a page another tool broke does not stop the list
            if meta.get("status") == "publish":
                items.append(f'<li><a href="{html.escape(meta_file.parent.name)}/index.html">'
                             f'{html.escape(meta.get("title", ""))}</a> '
                             f'<span class="meta">{html.escape(meta.get("code", ""))}</span></li>')
        title = html.escape(self.office_name or "Berita")
        atomic_write(self.root / "index.html", (
            f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n<ul>\n" + "\n".join(items)
            + "\n</ul>\n</body></html>\n").encode("utf-8"))
