"""Step 15's BagIt bag on real files: valid for bagit, filed by month, reused or replaced on a retry,
never half in place, and written in constant memory."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import bagit
import pytest

from daemon.archive import bag
from daemon.archive.bag import ArchiveError, Item, verify_bag, write_bag

ROOT = Path(__file__).resolve().parents[2]
CODE = "LPT-2026-0007"
WHEN = date(2026, 11, 7)
INFO = {"Source-Organization": "Diskominfotik Kabupaten Bengkalis", "Contact-Email": "umum@disdik.example",
        "Judul": "Musrenbang Kecamatan\nBantan", "Tanggal-Acara": "Senin, 7 Desember 2026 pukul 09.00 WIB",
        "Tempat": "Aula Kantor Camat Bantan", "Unit-Pengusul": "Dinas Pendidikan"}


def sources(tmp_path: Path) -> list[Item]:
    photo = tmp_path / "src" / "IMG 0001.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(bytes(range(256)) * 4099)
    video = tmp_path / "src" / "video.mp4"
    video.write_bytes(b"\x00\x01video" * 300_001)
    return [Item("surat-permintaan.eml", b"From: a@b\r\nSubject: x\r\n\r\nisi\r\n"),
            Item("hasil-liputan/foto/IMG 0001.jpg", photo),
            Item("hasil-liputan/video/video.mp4", video),
            Item("../../etc/passwd", b"outside?"),
            Item("naskah/Surat Tugas (final).docx", b"PK docx"),
            Item("naskah/surat tugas (final).docx", b"PK another")]


def manifest(path: Path) -> dict[str, str]:
    lines = (path / "manifest-sha256.txt").read_text().splitlines()
    return {name: digest for digest, name in (ln.split(None, 1) for ln in lines)}


def sha256(source: Path | bytes) -> str:
    return hashlib.sha256(source if isinstance(source, bytes) else source.read_bytes()).hexdigest()


def test_it_writes_a_valid_bag_filed_by_year_and_month(tmp_path: Path) -> None:
    items = sources(tmp_path)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    assert path == tmp_path / "arsip" / "2026" / "11" / CODE
    bagit.Bag(str(path)).validate(processes=1)
    got = manifest(path)
    assert len(got) == len(items)
    names = {e.arcname: e.source for e in bag.plan(items)}
    for arcname, source in names.items():
        assert got[f"data/{arcname}"] == sha256(source)
        assert (path / "data" / arcname).read_bytes() == (source if isinstance(source, bytes)
                                                           else source.read_bytes())
    assert "data/hasil-liputan/foto/IMG_0001.jpg" in got
    # traversal dropped, the case-only clash made unique
    assert "data/etc/passwd" in got and not (tmp_path / "arsip" / "etc").exists()
    assert {"data/naskah/Surat_Tugas_final_.docx", "data/naskah/surat_tugas_final_-2.docx"} <= set(got)
    assert sorted(p.name for p in path.parent.iterdir()) == [CODE]  # no temp folder left


def test_it_puts_the_requests_facts_in_bag_info(tmp_path: Path) -> None:
    items = sources(tmp_path)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    tags = bagit.Bag(str(path)).info
    assert tags["External-Identifier"] == CODE
    assert tags["Judul"] == "Musrenbang Kecamatan Bantan"  # the newline did not break the tag file
    assert tags["Tempat"] == "Aula Kantor Camat Bantan"
    assert tags["Unit-Pengusul"] == "Dinas Pendidikan"
    assert tags["Source-Organization"] == INFO["Source-Organization"]
    total = sum(len(s) if isinstance(s, bytes) else s.stat().st_size for s in (i.source for i in items))
    assert tags["Payload-Oxum"] == f"{total}.{len(items)}"
    assert tags["Bag-Size"].endswith("MB")
    assert "Bagging-Date" in tags
    # tag names are ASCII; values may be UTF-8
    assert all(line.split(":", 1)[0].isascii() for line in (path / "bag-info.txt").read_text().splitlines())


def test_it_reuses_a_valid_bag_on_a_retry(tmp_path: Path) -> None:
    items = sources(tmp_path)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    marker = (path / "bag-info.txt").stat().st_ino
    again = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    assert again == path
    assert (path / "bag-info.txt").stat().st_ino == marker  # the same bag, not rewritten


def test_a_retry_with_a_new_file_replaces_the_bag(tmp_path: Path) -> None:
    items = sources(tmp_path)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    write_bag(tmp_path / "arsip", CODE, WHEN, items + [Item("hasil-liputan/berita/berita.txt", b"Bengkalis")], INFO)
    assert "data/hasil-liputan/berita/berita.txt" in manifest(path)
    verify_bag(path)
    assert sorted(p.name for p in path.parent.iterdir()) == [CODE]


def test_a_retry_with_changed_history_replaces_the_bag(tmp_path: Path) -> None:
    items = sources(tmp_path) + [Item("riwayat.txt", b"2026-11-30 09:00:00 WIB | langkah 1 | received\n")]
    path = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    items[-1] = Item("riwayat.txt", b"2026-11-30 09:00:00 WIB | langkah 2 | received\n")  # same size
    write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    assert b"langkah 2" in (path / "data" / "riwayat.txt").read_bytes()
    verify_bag(path)


def test_a_request_whose_date_moved_keeps_one_bag(tmp_path: Path) -> None:
    items = sources(tmp_path)
    old = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    new = write_bag(tmp_path / "arsip", CODE, date(2026, 12, 2), items, INFO)
    assert new == tmp_path / "arsip" / "2026" / "12" / CODE
    assert not old.exists() and list(old.parent.iterdir()) == []
    verify_bag(new)


def test_a_corrupted_bag_is_detected_and_replaced_by_a_retry(tmp_path: Path) -> None:
    items = sources(tmp_path)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    victim = path / "data" / "hasil-liputan" / "video" / "video.mp4"
    data = bytearray(victim.read_bytes())
    data[1000] ^= 0x01
    victim.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="video.mp4"):
        verify_bag(path)
    assert write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO) == path
    verify_bag(path)
    assert victim.read_bytes() == (tmp_path / "src" / "video.mp4").read_bytes()
    assert sorted(p.name for p in path.parent.iterdir()) == [CODE]


def test_a_crash_mid_write_leaves_no_bag_and_does_not_block_the_next_attempt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = sources(tmp_path)
    real = bag.copy_hashed
    calls = []

    def dies_on_the_third(source, target):
        calls.append(target)
        if len(calls) == 3:
            target.write_bytes(b"half a vid")
            raise OSError("disk pulled out")
        return real(source, target)

    monkeypatch.setattr(bag, "copy_hashed", dies_on_the_third)
    with pytest.raises(OSError, match="disk pulled out"):
        write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    month = tmp_path / "arsip" / "2026" / "11"
    assert list(month.iterdir()) == []  # neither a half bag in place nor a temp folder
    monkeypatch.setattr(bag, "copy_hashed", real)
    verify_bag(write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO))


def test_a_source_that_cannot_be_read_keeps_the_old_bag(tmp_path: Path) -> None:
    items = sources(tmp_path)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, items, INFO)
    before = manifest(path)
    gone = tmp_path / "src" / "deleted.jpg"
    with pytest.raises(FileNotFoundError):
        write_bag(tmp_path / "arsip", CODE, WHEN, items + [Item("foto/deleted.jpg", gone)], INFO)
    assert manifest(path) == before
    verify_bag(path)
    assert sorted(p.name for p in path.parent.iterdir()) == [CODE]


def test_leftovers_of_a_killed_attempt_are_cleared(tmp_path: Path) -> None:
    month = tmp_path / "arsip" / "2026" / "11"
    junk = month / f".{CODE}.dead0000beef.tmp" / "data"
    junk.mkdir(parents=True)
    (junk / "half.mp4").write_bytes(b"x" * 100)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, sources(tmp_path), INFO)
    assert sorted(p.name for p in month.iterdir()) == [CODE]
    verify_bag(path)


def test_every_file_and_folder_is_fsynced_before_the_bag_is_renamed_into_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: set[str] = set()
    real_fsync, real_rename = os.fsync, os.rename
    renamed_after: list[set[str]] = []

    def fsync(fd: int) -> None:
        synced.add(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def rename(a, b) -> None:
        renamed_after.append(set(synced))
        real_rename(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    path = write_bag(tmp_path / "arsip", CODE, WHEN, sources(tmp_path), INFO)
    tmp = next(Path(p) for p in renamed_after[0] if re.fullmatch(rf".*/\.{CODE}\.[0-9a-f]+\.tmp", p))
    everything = {str(tmp / p.relative_to(path)) for p in path.rglob("*")} | {str(tmp)}
    assert everything - renamed_after[0] == set()
    assert str(path.parent) in synced  # the rename itself, flushed in the month folder


def test_verify_bag_names_a_missing_bag(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="not valid"):
        verify_bag(tmp_path / "nothing")


def test_unsafe_names_become_safe_relative_paths() -> None:
    assert bag.safe_arcname("../../etc/passwd") == "etc/passwd"
    assert bag.safe_arcname("/abs/./x\\..\\y.txt") == "abs/x/y.txt"
    assert bag.safe_arcname("Foto Acara Camat é%0A\n.jpg") == "Foto_Acara_Camat_e_0A_.jpg"
    assert bag.safe_arcname(".hidden") == "hidden"
    assert bag.safe_arcname("..") == "_"
    names = [e.arcname for e in bag.plan([Item("a", b""), Item("a/b", b""), Item("A", b"")])]
    assert names == ["a", "a_b", "A-2"]


MEMORY_PROBE = textwrap.dedent("""
    import os, resource, sys
    from datetime import date
    from pathlib import Path
    from daemon.archive.bag import Item, write_bag
    src, root = Path(sys.argv[1]), Path(sys.argv[2])
    with open(src, "wb") as fh:
        fh.truncate(300 << 20)  # sparse: 300 MiB to read, nothing kept in our memory
        fh.seek(150 << 20)
        fh.write(os.urandom(1 << 20))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    write_bag(root, "LPT-2026-0001", date(2026, 11, 1), [Item("video/besar.mp4", src)], {})
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before, after)
""")


def test_a_large_video_is_archived_in_constant_memory(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "big.mp4"), str(tmp_path / "arsip")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    before, after = (int(x) for x in done.stdout.split())
    growth_mib = (after - before) / 1024  # ru_maxrss is in KiB on Linux
    assert growth_mib < 50, f"peak RSS grew by {growth_mib:.0f} MiB for a 300 MiB file"
    bag_dir = tmp_path / "arsip" / "2026" / "11" / "LPT-2026-0001"
    assert (bag_dir / "data" / "video" / "besar.mp4").stat().st_size == 300 << 20
    verify_bag(bag_dir)
