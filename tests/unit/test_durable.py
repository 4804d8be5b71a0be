"""Atomic, fsynced writes of raw mail and generated letters: no temp file left, never a partial file."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
import yaml

from daemon.core import durable
from daemon.paperwork import letter_context, letters

ROOT = Path(__file__).resolve().parents[2]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def test_atomic_write_creates_folders_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = durable.atomic_write(tmp_path / "a" / "b" / "x.bin", b"123" * 1000)
    assert path.read_bytes() == b"123" * 1000
    assert leftovers(tmp_path) == []


def test_atomic_write_fsyncs_the_file_and_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real(fd)))
    durable.atomic_write(tmp_path / "x.bin", b"data")
    file, folder = synced[-2:]
    assert Path(file).parent == tmp_path and Path(file).name.startswith(".x.bin.")
    assert folder == str(tmp_path)


def _batch(folder: Path, n: int) -> list[tuple[Path, bytes]]:
    return [(folder / "2026" / "12" / f"{i}.eml", b"pesan %d" % i) for i in range(n)]


def test_a_batch_is_made_durable_with_one_syncfs_before_any_name_points_at_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch's temp files are on disk (one syncfs) before any is renamed into place; then
    the folder is fsynced; no file is fsynced on its own."""
    if durable._syncfs() is None:
        pytest.skip("no syncfs(2) here (Linux 5.8+)")
    order: list[str] = []
    real_syncfs, real_replace, real_fsync = durable.syncfs, os.replace, os.fsync
    monkeypatch.setattr(durable, "syncfs", lambda folder: (order.append("syncfs"), real_syncfs(folder)))
    monkeypatch.setattr(os, "replace", lambda a, b: (order.append("rename"), real_replace(a, b)))
    monkeypatch.setattr(os, "fsync", lambda fd: (order.append("fsync " + os.readlink(f"/proc/self/fd/{fd}")),
                                                 real_fsync(fd)))
    files = _batch(tmp_path, 6)
    durable.write_new(files)
    assert [p.read_bytes() for p, _ in files] == [d for _, d in files] and leftovers(tmp_path) == []
    synced = [o for o in order if o.startswith("fsync")]
    assert order.index("syncfs") < order.index("rename") and order.count("syncfs") == 1
    assert synced[-1] == f"fsync {tmp_path / '2026' / '12'}" and not any(s.endswith(".tmp") for s in synced)


def test_a_small_batch_or_no_syncfs_fsyncs_each_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real(fd)))
    durable.write_new(_batch(tmp_path / "small", durable.SYNCFS_MIN_FILES - 1))
    assert sum(s.endswith(".tmp") for s in synced) == durable.SYNCFS_MIN_FILES - 1
    synced.clear()
    monkeypatch.setattr(durable, "_LIBC", [None])  # another system, or Linux before 5.8
    files = _batch(tmp_path / "other", 5)
    durable.write_new(files)
    assert sum(s.endswith(".tmp") for s in synced) == 5 and all(p.is_file() for p, _ in files)


def test_a_failed_syncfs_leaves_no_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk refused the batch: no name points at data that may not be on disk."""
    if durable._syncfs() is None:
        pytest.skip("no syncfs(2) here (Linux 5.8+)")

    def broken(folder: Path) -> None:
        raise OSError(5, "Input/output error", str(folder))

    monkeypatch.setattr(durable, "syncfs", broken)
    files = _batch(tmp_path, 5)
    with pytest.raises(OSError):
        durable.write_new(files)
    assert not any(p.exists() for p, _ in files) and leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = durable.atomic_write(tmp_path / "x.bin", b"old")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        durable.atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_rendered_letter_is_complete_and_leaves_no_temp_file(tmp_path: Path) -> None:
    office = yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))
    request = {"code": "LPT-2026-0001", "title": "Musrenbang", "location": "Aula", "requester": "Camat"}
    ctx = letter_context.spt_context(office, request, office["staff"][:1], "1/2026",
                                     office["roles"]["kadis"], [], None)
    out = tmp_path / "documents" / "LPT-2026-0001" / "spt.docx"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"an older, shorter version")
    assert letters.render(letters.SPT_TEMPLATE, ctx, out) == out
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert "Musrenbang" in z.read("word/document.xml").decode("utf-8")
    assert leftovers(tmp_path) == []
