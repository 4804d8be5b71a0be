"""The press release for the media contacts: its text in formal Indonesian and photos shrunk to fit one mail."""

from __future__ import annotations

import re

from datetime import date, datetime

from daemon.core.indonesian import format_date, office_zone
from daemon.core.rules_office import MediaContact
from daemon.publish.errors import TooLargeError
from daemon.publish.images import jpeg_bytes, open_upright
from daemon.publish.story import Photo, Story

# (largest side, JPEG quality), tried in order until all photos fit the budget
LADDER: tuple[tuple[int, int], ...] = (
    (2048, 85), (2048, 75), (1600, 75), (1280, 70), (1024, 65), (800, 60), (640, 55), (480, 50))
TEXT_ALLOWANCE = 64 * 1024  # the mail's text parts and headers


def attachment_budget(max_mail_mb: float) -> int:
    """Raw attachment bytes that fit a mail of max_mail_mb once base64 adds a third."""
    return max(0, int(max_mail_mb * 1024 * 1024 * 3 / 4) - TEXT_ALLOWANCE)


def _encode(photo: Photo, side: int, quality: int) -> bytes:
    im = open_upright(photo.path, min_side=side)
    try:
        im.thumbnail((side, side))  # never upscales
        return jpeg_bytes(im, quality)
    finally:
        im.close()


def shrink_for_mail(photos: list[Photo], budget_bytes: int) -> list[tuple[str, bytes, str]]:
    """(file name, JPEG bytes, caption) per photo, together at most budget_bytes: largest side 2048 px
    first, then lower quality and size step by step. Photos are read one at a time."""
    last_total = 0
    for side, quality in LADDER:
        out: list[tuple[str, bytes, str]] = []
        total = 0
        for n, photo in enumerate(photos, 1):
            data = _encode(photo, side, quality)
            total += len(data)
            if total > budget_bytes and (side, quality) != LADDER[-1]:
                break  # this step is too big already; try the next
            out.append((f"foto-{n:02d}.jpg", data, photo.caption))
        if total <= budget_bytes:
            return out
        last_total = total
    side, quality = LADDER[-1]
    raise TooLargeError(f"{len(photos)} photos need {last_total:,} bytes even at {side} px and quality "
                        f"{quality}; the mail budget is {budget_bytes:,} bytes (raise [publish.press] "
                        "max_mail_mb or send fewer photos)")


DATELINE = re.compile(r"^([A-Z][A-Z .'-]{2,40}?)\s+[-–—]\s+")


def release_text(story: Story, office_name: str, contact: str | None, *, city: str = "Bengkalis",
                 on: date | None = None, to: MediaContact | None = None) -> tuple[str, str]:
    """(subject, body) of the press release; the dateline reads "Bengkalis, Senin, 30 November 2026".
    With `to` (one media contact of office.yaml) the mail opens with a salutation to that newsroom."""
    day = on or datetime.now(office_zone()).date()
    paragraphs = story.paragraphs() or [story.title]
    lines: list[str] = []
    if to is not None:
        lines += [f"Yth. {to.name}", f"Redaksi {to.outlet}", "", "Dengan hormat,",
                  f"Bersama ini kami sampaikan siaran pers {office_name} beserta foto kegiatan "
                  "untuk dapat dimuat.", ""]
    # a lead that opens with its own dateline ("BANTAN - ...") keeps it after the date
    lead = DATELINE.sub("", paragraphs[0]) if DATELINE.match(paragraphs[0]) else paragraphs[0]
    place = DATELINE.match(paragraphs[0])
    where = place.group(1).strip().title() if place else city
    lines += ["SIARAN PERS", office_name, "", story.title.strip(), "",
              f"{where}, {format_date(day)} - {lead}"]
    for para in paragraphs[1:]:
        lines += ["", para]
    captions = [p.caption.strip() for p in story.photos if p.caption.strip()]
    if captions:
        lines += ["", "Keterangan foto:"]
        lines += [f"{n}. {text}" for n, text in enumerate(captions, 1)]
    if contact:
        lines += ["", f"Narahubung: {contact}"]
    closing = (f"Siaran pers ini disampaikan oleh {office_name} dan dapat dimuat oleh rekan-rekan media. "
               f"Foto terlampir dapat digunakan dengan mencantumkan sumber: {office_name}.")
    lines += ["", closing]
    if to is not None:
        lines += ["", "Atas perhatian dan kerja sama Bapak/Ibu, kami ucapkan terima kasih."]
    lines += ["", f"Nomor referensi: {story.code}"]
    return f"Siaran Pers: {story.title.strip()}", "\n".join(lines) + "\n"
