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
