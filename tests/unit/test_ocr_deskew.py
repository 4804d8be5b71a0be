"""Scanned letters photographed at a slant (2-8 degrees) or fed in sideways or upside down are
straightened before Tesseract reads them, so their date, time and title are read."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw, ImageFont

from daemon.reading import documents, ocr
from daemon.reading.documents import Document
from daemon.reading.extract import _read

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LETTER = ["PEMERINTAH KABUPATEN BENGKALIS", "KECAMATAN BANTAN", "Jalan Pemuda Nomor 12, Bantan", "",
          "Nomor : 005/KEC-BTN/XI/2026", "Hal : Permohonan Peliputan", "", "Kepada Yth.",
          "Kepala Dinas Komunikasi, Informatika dan Statistik", "di Bengkalis", "", "Dengan hormat,",
          "Bersama ini kami mohon kiranya dapat meliput kegiatan sebagai berikut:",
          "Acara : Musyawarah Perencanaan Pembangunan Kecamatan Bantan",
          "Hari/Tanggal : Selasa, 12 Januari 2027", "Pukul : 09.00 WIB s.d. selesai",
          "Tempat : Aula Kantor Camat Bantan", "",
          "Demikian kami sampaikan, atas perhatian Bapak diucapkan terima kasih.", "", "Camat Bantan"]


def page() -> Image.Image:
    """The letter typed on an A4 page at 150 dpi."""
    img = Image.new("L", (1240, 1754), 255)
    draw, font = ImageDraw.Draw(img), ImageFont.truetype(FONT, 26)
    for i, line in enumerate(LETTER):
        draw.text((110, 120 + 44 * i), line, font=font, fill=0)
    return img


def scanned(angle: float) -> bytes:
    """The page as a scanner or a phone hands it over: turned counter-clockwise by `angle`, as JPEG."""
    img = page().rotate(angle, expand=True, fillcolor=255, resample=Image.BICUBIC)
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize("angle", [4, -7, 8, 90, 180])
def test_a_slanted_or_turned_scan_is_read(angle: float) -> None:
    text = documents.ocr_image_bytes(scanned(angle))
    (ev,) = _read(Document(text, "ocr", [], "scan.jpg"), NOW).events
    assert ev.title == "Musyawarah Perencanaan Pembangunan Kecamatan Bantan"
    assert ev.day == date(2027, 1, 12)
    assert ev.time is not None and ev.time.start == time(9, 0) and ev.time.until_done
    assert ev.location == "Aula Kantor Camat Bantan"


@pytest.mark.parametrize("angle", [0.0, 2.5, -4.0, 6.0, -8.0])
def test_the_slant_is_measured(angle: float) -> None:
    img = page().rotate(angle, expand=True, fillcolor=255, resample=Image.BICUBIC)
    assert ocr.skew_angle(img) == pytest.approx(-angle, abs=0.35)


def test_an_empty_page_is_left_as_it_is() -> None:
    blank = Image.new("L", (800, 1100), 255)
    assert ocr.skew_angle(blank) == 0.0
    assert ocr.straighten(blank, osd=lambda im: {"rotate": 0, "orientation_conf": 0.0}).size == blank.size


def test_orientation_checks_that_fail_or_doubt_turn_nothing() -> None:
    img = page()

    def broken(_im):
        raise RuntimeError("Too few characters. Skipping this page")

    assert ocr.page_rotation(img, osd=broken) == 0
    assert ocr.page_rotation(img, osd=lambda im: {"rotate": 180, "orientation_conf": 0.4}) == 0
    assert ocr.page_rotation(img, osd=lambda im: {"rotate": 90, "orientation_conf": 9.0}) == 90


def test_tesseract_orientation_finds_an_upside_down_page() -> None:
    assert ocr.page_rotation(page().rotate(180, expand=True, fillcolor=255)) == 180
    assert ocr.page_rotation(page()) == 0
