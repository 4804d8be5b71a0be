"""Delivered files become DeliveryFile rows once; refused ones are quarantined with a reason beside them."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from daemon.core.db import transaction
from daemon.core.models import DeliveryFile, Request
from daemon.delivery.folders import create_request_folder
from daemon.delivery.intake import (
    quarantine,
    record_attachment,
    record_file,
    record_refused,
    refuse,
)

CODE = "LPT-2026-0007"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)  # 10.00 WIB


def jpeg(color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def factory(sqlite_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sqlite_factory) as s:
        s.add(Request(code=CODE, title="Peresmian Gedung Sekolah", requester_email="camat@bengkaliskab.go.id"))
    return sqlite_factory


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    create_request_folder(root, CODE, "Peresmian Gedung Sekolah", 2026)
    return root


def folder(share: Path) -> Path:
    return next((share / "2026").iterdir())


def ids(factory: sessionmaker[Session]):  # noqa: ANN201
    with factory() as s:
        request_id = s.execute(select(Request.id).where(Request.code == CODE)).scalar_one()
    return lambda code: request_id if code == CODE else None


def count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return s.execute(select(func.count()).select_from(DeliveryFile)).scalar_one()


def test_an_accepted_photo_is_recorded_with_its_hash_and_request(factory, share: Path) -> None:
    path = folder(share) / "foto 1.jpg"
    path.write_bytes(jpeg())
    with transaction(factory) as s:
        row = record_file(s, share, path, ids(factory))
    assert (row.source, row.kind, row.status, row.reason) == ("folder", "photo", "accepted", None)
    assert row.relpath == "2026/LPT-2026-0007 Peresmian Gedung Sekolah/foto 1.jpg" and row.name == "foto 1.jpg"
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and row.size == path.stat().st_size
    assert row.request_id == ids(factory)(CODE) and row.mtime == pytest.approx(path.stat().st_mtime)


def test_the_same_file_again_returns_the_same_row(factory, share: Path) -> None:
    path = folder(share) / "foto.jpg"
    path.write_bytes(jpeg())
    with transaction(factory) as s:
        first = record_file(s, share, path, ids(factory)).id
    with transaction(factory) as s:
        assert record_file(s, share, path, ids(factory)).id == first
    assert count(factory) == 1


def test_a_changed_file_replaces_the_older_row(factory, share: Path) -> None:
    path = folder(share) / "foto.jpg"
    path.write_bytes(jpeg((1, 2, 3)))
    with transaction(factory) as s:
        old = record_file(s, share, path, ids(factory)).id
    path.write_bytes(jpeg((200, 200, 0)))
    with transaction(factory) as s:
        new = record_file(s, share, path, ids(factory))
    with factory() as s:
        assert s.get(DeliveryFile, old).status == "replaced"
        assert s.get(DeliveryFile, new.id).status == "accepted" and new.id != old


def test_a_file_refused_by_content_gets_a_quarantined_row(factory, share: Path) -> None:
    path = folder(share) / "foto.jpg"
    path.write_text("bukan foto")
    with transaction(factory) as s:
        row = record_file(s, share, path, ids(factory))
    assert (row.status, row.kind) == ("quarantined", "other") and "bukan gambar" in row.reason


def test_an_unreadable_file_is_recorded_as_refused_not_raised(factory, share: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = folder(share) / "rahasia.jpg"
    path.write_bytes(jpeg())
    real_open = os.open

    def denied(p, flags, *args):  # noqa: ANN001, ANN202 - tests run as root, who reads anything
        if str(p) == str(path):
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, flags, *args)

    monkeypatch.setattr(os, "open", denied)
    with transaction(factory) as s:
        row = record_file(s, share, path, ids(factory))
    assert row.status == "quarantined" and "hak akses" in row.reason and row.sha256 == ""


def test_a_file_outside_any_request_folder_has_no_request(factory, share: Path) -> None:
    (share / "2026" / "lepas.jpg").write_bytes(jpeg())
    with transaction(factory) as s:
        assert record_file(s, share, share / "2026" / "lepas.jpg", ids(factory)).request_id is None


def test_quarantine_moves_the_file_and_writes_the_reason_beside_it(share: Path) -> None:
    path = folder(share) / "foto.jpg"
    path.write_text("bukan foto")
    dest = quarantine(share, path, "Nama berkas berakhiran .jpg tetapi isinya bukan gambar.", now=NOW)
    assert dest == share / "_KARANTINA" / "2026-11-30" / "foto.jpg"
    assert dest.read_text() == "bukan foto" and not path.exists()
    note = (dest.parent / "foto.jpg.alasan.txt").read_text(encoding="utf-8")
    assert "isinya bukan gambar" in note and "2026/LPT-2026-0007 Peresmian Gedung Sekolah/foto.jpg" in note
    assert "Senin, 30 November 2026 pukul 10.00 WIB" in note and "karantina" in note


def test_quarantine_never_overwrites(share: Path) -> None:
    for n in range(3):
        (folder(share) / "foto.jpg").write_text(f"versi {n}")
        quarantine(share, folder(share) / "foto.jpg", "alasan", now=NOW)
    day = share / "_KARANTINA" / "2026-11-30"
    assert (day / "foto (3).jpg").read_text() == "versi 2" and (day / "foto.jpg").read_text() == "versi 0"
    assert (day / "foto (2).jpg.alasan.txt").exists()


def test_quarantine_moves_a_symlink_itself_never_its_target(share: Path, tmp_path: Path) -> None:
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0")
    os.symlink(target, folder(share) / "pw.txt")
    dest = quarantine(share, folder(share) / "pw.txt", "Tautan simbolik", now=NOW)
    assert dest.is_symlink() and os.readlink(dest) == str(target)
    assert target.read_text() == "root:x:0:0"


def test_quarantine_refuses_a_path_reached_through_a_symlinked_folder(share: Path, tmp_path: Path) -> None:
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd").write_text("root")
    os.symlink(outside, folder(share) / "etc")
    with pytest.raises(ValueError):
        quarantine(share, folder(share) / "etc" / "passwd", "x", now=NOW)
    assert (outside / "passwd").read_text() == "root"


def test_quarantine_gives_a_hostile_name_a_safe_one(share: Path) -> None:
    path = folder(share) / "foto\nbaru.jpg"
    path.write_text("x")
    assert quarantine(share, path, "Nama mengandung karakter kendali", now=NOW).name == "foto baru.jpg"


def test_record_refused_keeps_one_row_per_quarantined_file(factory, share: Path) -> None:
    original = folder(share) / "foto.jpg"
    original.write_bytes(jpeg())
    with transaction(factory) as s:
        good = record_file(s, share, original, ids(factory)).id
    original.write_text("x")  # overwritten by a broken copy, which is refused and moved away
    dest = quarantine(share, original, "alasan", now=NOW)
    rel, orig = dest.relative_to(share).as_posix(), original.relative_to(share).as_posix()
    with transaction(factory) as s:
        row = record_refused(s, share, rel, "Berkas kosong", request_id=ids(factory)(CODE), original=orig)
        again = record_refused(s, share, rel, "Berkas kosong")
    assert again.id == row.id and (row.status, row.reason, row.name, row.size) == ("quarantined", "Berkas kosong",
                                                                                   "foto.jpg", 1)
    assert row.relpath == "_KARANTINA/2026-11-30/foto.jpg" and row.request_id == ids(factory)(CODE)
    with factory() as s:
        assert s.get(DeliveryFile, good).status == "replaced"
    assert count(factory) == 2


def test_refuse_quarantines_and_records_in_one_call(factory, share: Path) -> None:
    path = folder(share) / "catatan\x07.txt"
    path.write_text("x")
    with transaction(factory) as s:
        row = refuse(s, share, path, "Nama mengandung karakter kendali", ids(factory))
    assert not path.exists() and (share / row.relpath).read_text() == "x"
    assert row.relpath.startswith("_KARANTINA/") and row.name == "catatan\x07.txt"
    assert row.request_id == ids(factory)(CODE) and row.status == "quarantined"


def test_a_mail_attachment_is_saved_under_the_request_and_recorded_once(factory, tmp_path: Path) -> None:
    state = tmp_path / "state"
    with transaction(factory) as s:
        rid = ids(factory)(CODE)
        row = record_attachment(s, state, rid, "foto 1.jpg", jpeg(), "fotografer@bengkaliskab.go.id", "<m1@x>")
        again = record_attachment(s, state, rid, "foto 1.jpg", jpeg(), "fotografer@bengkaliskab.go.id", "<m1@x>")
    assert again.id == row.id
    assert (row.source, row.kind, row.status, row.sender) == ("mail", "photo", "accepted", "fotografer@bengkaliskab.go.id")
    assert row.relpath == "deliveries/LPT-2026-0007/foto 1.jpg" and (state / row.relpath).read_bytes() == jpeg()


def test_a_mail_attachment_with_a_hostile_name_stays_inside_the_request_folder(factory, tmp_path: Path) -> None:
    state = tmp_path / "state"
    with transaction(factory) as s:
        row = record_attachment(s, state, ids(factory)(CODE), "..\\..\\../etc/passwd", b"Judul\nIsi\n", None, "<m2@x>")
    assert row.relpath == "deliveries/LPT-2026-0007/passwd" and row.kind == "news"
    assert not (tmp_path / "etc").exists()


def test_a_refused_mail_attachment_is_quarantined_with_its_reason(factory, tmp_path: Path) -> None:
    state = tmp_path / "state"
    with transaction(factory) as s:
        row = record_attachment(s, state, ids(factory)(CODE), "foto.jpg", b"bukan foto", "a@b.id", "<m3@x>")
    assert row.status == "quarantined" and "bukan gambar" in row.reason
    assert row.relpath.startswith("deliveries/_KARANTINA/") and (state / row.relpath).read_bytes() == b"bukan foto"
    assert Path(f"{state / row.relpath}.alasan.txt").exists()
    assert not (state / "deliveries" / CODE / "foto.jpg").exists()
