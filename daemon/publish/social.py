"""The social-media package for the accounts posted to by hand: a caption and photos cut to each platform's size."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from daemon.core.config_publish import SocialCfg
from daemon.publish.images import jpeg_bytes, open_upright, write_atomic
from daemon.publish.story import Story

# platform -> (file name prefix, (width, height)); every photo is cut to each size
FORMATS: dict[str, list[tuple[str, tuple[int, int]]]] = {
    "instagram": [("instagram", (1080, 1350)), ("instagram-square", (1080, 1080))],
    "x": [("x", (1600, 900))],
    "tiktok": [("tiktok", (1080, 1920))],
}


@dataclass(frozen=True)
class Package:
    caption: str
    files: list[Path]


def hashtag(text: str) -> str | None:
    """A hashtag in "#BukitBatu" style: ASCII letters and digits, each word capitalised; None when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_text)
    return "#" + "".join(w[:1].upper() + w[1:] for w in words) if words else None


def hashtags(story: Story, cfg: SocialCfg) -> list[str]:
    """The configured hashtags, then the kecamatan's, without duplicates (compared ignoring case)."""
    out: list[str] = []
    for raw in [*cfg.hashtags, story.kecamatan or ""]:
        tag = hashtag(raw)
        if tag and tag.lower() not in {t.lower() for t in out}:
            out.append(tag)
    return out


def caption(story: Story, cfg: SocialCfg) -> str:
    lead = " ".join(story.lead.split()) or next(iter(story.paragraphs()), "")
    parts = [story.title.strip(), lead, " ".join(hashtags(story, cfg))]
    return "\n\n".join(p for p in parts if p)


def build_package(story: Story, cfg: SocialCfg, out_dir: Path) -> Package:
    """Write `<format>-NN.jpg` for every photo and platform into out_dir (files of an earlier run are replaced)."""
    from PIL import Image, ImageOps  # here: Pillow stays out of the main process at start
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = [fmt for platform in cfg.platforms for fmt in FORMATS[platform]]
    need = max((max(size) for _, size in formats), default=0)
    files: list[Path] = []
    for n, photo in enumerate(story.photos, 1):
        im = open_upright(photo.path, min_side=need)  # one photo in memory at a time
        try:
            for prefix, size in formats:
                cut = ImageOps.fit(im, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
                path = out_dir / f"{prefix}-{n:02d}.jpg"
                write_atomic(path, jpeg_bytes(cut))
                cut.close()
                files.append(path)
        finally:
            im.close()
    return Package(caption(story, cfg), files)
