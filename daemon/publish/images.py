"""Open photos for re-encoding: decoded only as large as needed, upright, in RGB, one at a time."""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow (~2 MB) is imported when a photo is opened, not in the main process at start
    from PIL import Image

JPEG_QUALITY = 85


def open_upright(path: Path, min_side: int | None = None) -> Image.Image:
    """The photo upright (EXIF orientation applied) in RGB; a JPEG is decoded at the smallest
    scale whose shorter side still reaches `min_side` (whatever the orientation), to spare memory."""
    from PIL import Image, ImageOps
    with Image.open(path) as im:
        if min_side and im.format == "JPEG":
            w, h = im.size
            scale = min_side / min(w, h)
            if scale < 1:
                im.draft("RGB", (math.ceil(w * scale), math.ceil(h * scale)))
        upright = ImageOps.exif_transpose(im)
        if upright is None:  # Pillow < 9.4 returned None for in_place; keep the loaded image
            upright = im.copy()
        if upright.mode in ("RGBA", "LA", "P", "PA"):
            rgba = upright.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return upright.convert("RGB") if upright.mode != "RGB" else upright


def jpeg_bytes(im: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
    return buf.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so a reader (or a retry) never sees half of it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
