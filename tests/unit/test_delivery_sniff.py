"""Delivered files judged by content: real photos, videos by their header, news texts; everything else refused."""

from __future__ import annotations

import io
import os
import struct
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from PIL import Image

from daemon.delivery.sniff import classify, is_ignored

MB = 1024 * 1024


def photo_bytes(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.mark.parametrize("fmt, name", [("JPEG", "foto.jpg"), ("PNG", "foto.png"), ("JPEG", "IMG_0001.JPEG")])
def test_a_real_photo_is_a_photo(tmp_path: Path, fmt: str, name: str) -> None:
    assert classify(write(tmp_path, name, photo_bytes(fmt))).kind == "photo"


def test_a_photo_with_a_wrong_extension_is_still_judged_by_content(tmp_path: Path) -> None:
    assert classify(write(tmp_path, "foto.png", photo_bytes("JPEG"))).kind == "photo"


def test_a_jpg_that_is_text_is_refused_with_a_reason(tmp_path: Path) -> None:
    verdict = classify(write(tmp_path, "foto.jpg", b"ini bukan foto, hanya teks biasa\n"))
    assert verdict.kind is None and not verdict.accepted
    assert verdict.reason == ("Nama berkas berakhiran .jpg tetapi isinya bukan gambar. Mohon kirim foto "
                              "aslinya dalam format JPG atau PNG.")


def test_a_damaged_png_is_refused(tmp_path: Path) -> None:
    data = bytearray(photo_bytes("PNG", (200, 200)))
    data[60] ^= 0xFF  # inside IDAT: the CRC no longer matches
    verdict = classify(write(tmp_path, "rusak.png", bytes(data)))
    assert verdict.kind is None and "rusak" in verdict.reason


def test_a_gif_is_refused_naming_the_formats_accepted(tmp_path: Path) -> None:
    verdict = classify(write(tmp_path, "animasi.gif", photo_bytes("GIF")))
    assert verdict.kind is None and "GIF" in verdict.reason and "JPG atau PNG" in verdict.reason


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\0" * 100))
    data += png_chunk(b"IEND", b"")
    started = time.monotonic()
    verdict = classify(write(tmp_path, "bom.png", data))
    assert time.monotonic() - started < 1
    assert verdict.kind is None and "Resolusi gambar terlalu besar" in verdict.reason


def test_a_minimal_mp4_header_is_a_video(tmp_path: Path) -> None:
    data = box(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41") + box(b"free", b"") + box(b"mdat", b"\0" * 64)
    assert classify(write(tmp_path, "video.mp4", data)).kind == "video"


@pytest.mark.parametrize("name, data", [
    ("iphone.mov", box(b"ftyp", b"qt  \0\0\0\0qt  ") + box(b"wide", b"")),
    ("hp.3gp", box(b"ftyp", b"3gp4\0\0\0\0isom3gp4") + b"\0" * 32),
    ("lama.mov", box(b"moov", box(b"mvhd", b"\0" * 100))),
    ("video.mkv", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\0" * 40),
    ("video.avi", b"RIFF\x00\x10\x00\x00AVI LIST" + b"\0" * 40),
    ("rekaman.ts", (b"\x47\x40\x00\x10" + b"\xff" * 184) * 6),
    ("00001.MTS", (b"\0\0\0\0\x47\x40\x00\x10" + b"\xff" * 184) * 6),
    ("dvd.mpg", b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01" + b"\0" * 40),
])
def test_other_video_containers_are_recognised_by_their_magic(tmp_path: Path, name: str, data: bytes) -> None:
    assert classify(write(tmp_path, name, data)).kind == "video"


def test_a_heic_photo_is_refused_with_advice(tmp_path: Path) -> None:
    verdict = classify(write(tmp_path, "IMG_0002.HEIC", box(b"ftyp", b"heic\0\0\0\0mif1heic") + b"\0" * 64))
    assert verdict.kind is None and "HEIC" in verdict.reason and "JPG" in verdict.reason


def test_a_2_gib_sparse_file_of_zeros_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "besar.mp4"
    with open(path, "wb") as fh:
        fh.truncate(2 << 30)
    started = time.monotonic()
    verdict = classify(path)
    elapsed = time.monotonic() - started
    assert verdict.kind is None and verdict.reason.startswith("Nama berkas berakhiran .mp4 tetapi isinya bukan video")
    assert elapsed < 0.5, elapsed


def test_a_zero_byte_file_is_refused(tmp_path: Path) -> None:
    verdict = classify(write(tmp_path, "foto.jpg", b""))
    assert verdict.kind is None and "kosong" in verdict.reason


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "foto.jpg", photo_bytes("JPEG") + b"\0" * (2 * MB))
    assert classify(path, max_bytes=10 * MB).kind == "photo"
    verdict = classify(path, max_bytes=1 * MB)
    assert verdict.kind is None and "Ukuran berkas 2,0 MB melebihi batas 1,0 MB." in verdict.reason


def test_a_docx_made_by_word_is_news(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Bupati Resmikan Gedung Sekolah")
    document.add_paragraph("BENGKALIS - Bupati meresmikan gedung baru.")
    document.save(tmp_path / "naskah.docx")
    assert classify(tmp_path / "naskah.docx").kind == "news"


def test_a_zip_that_is_no_docx_and_an_old_doc_are_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "foto.zip", "w") as zf:
        zf.writestr("foto.jpg", b"x")
    assert "ZIP" in classify(tmp_path / "foto.zip").reason
    assert ".docx" in classify(write(tmp_path, "naskah.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)).reason
    broken = write(tmp_path, "naskah.docx", (tmp_path / "foto.zip").read_bytes()[:40])
    assert classify(broken).kind is None


@pytest.mark.parametrize("name, data", [
    ("naskah.txt", "Bupati Hadiri \u201cPekan Budaya\u201d\r\nCaf\u00e9 dibuka.\r\n".encode("cp1252")),
    ("naskah.md", "\ufeff# Judul\n\nIsi berita dengan huruf \u00e9.\n".encode("utf-8")),
    ("naskah.txt", "Judul\r\nIsi\r\n".encode("utf-16")),
    ("NASKAH", b"Judul\nIsi berita.\n"),
])
def test_text_news_in_utf8_cp1252_or_utf16_is_news(tmp_path: Path, name: str, data: bytes) -> None:
    assert classify(write(tmp_path, name, data)).kind == "news"


def test_a_text_with_g_where_ts_packets_would_start_is_still_text(tmp_path: Path) -> None:
    text = bytearray(b"Gubernur " + b"berita " * 200)
    for offset in (188, 376):
        text[offset] = ord("G")
    assert classify(write(tmp_path, "naskah.txt", bytes(text))).kind == "news"


def test_a_text_that_reads_like_a_quicktime_atom_is_still_text(tmp_path: Path) -> None:
    assert classify(write(tmp_path, "naskah.txt", b"The wide road to Bengkalis\nIsi berita.\n")).kind == "news"


def test_text_under_another_extension_is_refused(tmp_path: Path) -> None:
    verdict = classify(write(tmp_path, "laporan.pdf.exe", b"Judul\nIsi\n"))
    assert verdict.kind is None and ".exe" in verdict.reason and "teks biasa" in verdict.reason


def test_an_unknown_binary_is_refused_naming_what_is_accepted(tmp_path: Path) -> None:
    verdict = classify(write(tmp_path, "data.bin", bytes(range(256)) * 8))
    assert verdict.kind is None
    for accepted in (".docx", ".txt", ".jpg", ".png", ".mp4"):
        assert accepted in verdict.reason


def test_a_symlink_is_never_opened(tmp_path: Path) -> None:
    target = write(tmp_path, "asli.jpg", photo_bytes("JPEG"))
    os.symlink(target, tmp_path / "tautan.jpg")
    verdict = classify(tmp_path / "tautan.jpg")
    assert verdict.kind is None and "symlink" in verdict.reason


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipa.txt")
    started = time.monotonic()
    verdict = classify(tmp_path / "pipa.txt")
    assert verdict.kind is None and "Bukan berkas biasa" in verdict.reason
    assert time.monotonic() - started < 1


def test_an_unreadable_file_is_refused_with_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "rahasia.jpg", photo_bytes("JPEG"))
    real_open = os.open

    def denied(p, flags, *args):  # noqa: ANN001, ANN202 - root reads anything, so deny by hand
        if str(p) == str(path):
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, flags, *args)

    monkeypatch.setattr(os, "open", denied)
    verdict = classify(path)
    assert verdict.kind is None and "hak akses" in verdict.reason


@pytest.mark.parametrize("name", ["BACA-SAYA.txt", "baca-saya.TXT", "Thumbs.db", ".DS_Store", "desktop.ini",
                                  "~$naskah.docx", "video.mp4.part", "foto.jpg.crdownload", ".~lock.naskah.docx#",
                                  "._foto.jpg"])
def test_junk_and_our_readme_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["naskah.docx", "foto.jpg", "BACA-SAYA (2).txt", "video.mp4", "partai.txt"])
def test_real_deliveries_are_not_ignored(name: str) -> None:
    assert not is_ignored(name)
