"""What may be taken from the share: names, symlinks, request folders, and which mounts need polling."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from daemon.core.quarantine_reasons import shown
from daemon.delivery.folders import create_request_folder
from daemon.delivery.safety import (
    is_network_fs,
    judge,
    mount_fstype,
    unsafe_name_reason,
)

MOUNTS = r"""sysfs /sys sysfs rw,nosuid 0 0
/dev/sda1 / ext4 rw,relatime 0 0
//fileserver/hasil /srv/hasil\040liputan cifs rw,vers=3.0 0 0
fileserver:/export /mnt/nfs nfs4 rw 0 0
user@host:/x /mnt/ssh fuse.sshfs rw 0 0
tmpfs /srv/hasil\040liputan/cache tmpfs rw 0 0
"""
MB = 1024 * 1024


@pytest.mark.parametrize("path, fstype, network", [
    ("/srv/hasil liputan/2026", "cifs", True),
    ("/srv/hasil liputan", "cifs", True),
    ("/srv/hasil liputan/cache/x", "tmpfs", False),
    ("/srv/hasil", "ext4", False),
    ("/mnt/nfs/a/b", "nfs4", True),
    ("/mnt/ssh", "fuse.sshfs", True),
    ("/home/liputan", "ext4", False),
])
def test_it_finds_the_mount_a_share_lies_on(path: str, fstype: str, network: bool) -> None:
    assert mount_fstype(Path(path), MOUNTS) == fstype
    assert is_network_fs(Path(path), MOUNTS) is network


def test_it_reads_the_real_proc_mounts(tmp_path: Path) -> None:
    assert mount_fstype(tmp_path) not in (None, "")


@pytest.mark.parametrize("name", ["..evil", "..", ".", "...", "foto\nbaru.jpg", "bel\x07.txt", "-rf", "a\x00b"])
def test_unsafe_names_are_refused_with_a_reason(name: str) -> None:
    assert unsafe_name_reason(name)


@pytest.mark.parametrize("name", ["foto.jpg", ".hidden.jpg", "a..b.jpg", "Foto Acara (1).jpg", "naskah-final.docx"])
def test_ordinary_names_are_safe(name: str) -> None:
    assert unsafe_name_reason(name) is None


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    create_request_folder(root, "LPT-2026-0007", "Peresmian", 2026)
    return root


def folder(share: Path) -> Path:
    return share / "2026" / "LPT-2026-0007 Peresmian"


def test_a_file_in_a_request_folder_or_below_is_taken(share: Path) -> None:
    (folder(share) / "Foto").mkdir()
    (folder(share) / "Foto" / "naskah.txt").write_text("Judul\nIsi\n")
    path = folder(share) / "Foto" / "naskah.txt"
    assert judge(share, path, MB) == (path, None)


@pytest.mark.parametrize("rel", ["luar.txt", "2026/luar.txt", "Arsip/LPT-2026-0007 X/luar.txt", "2026/Bebas/luar.txt"])
def test_a_file_outside_any_request_folder_is_refused(share: Path, rel: str) -> None:
    path = share / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Judul\nIsi\n")
    assert judge(share, path, MB) == (path, shown("file_outside_request"))


def test_a_file_under_a_symlinked_folder_reports_the_link(share: Path) -> None:
    os.symlink("/etc", folder(share) / "etc")
    assert judge(share, folder(share) / "etc" / "passwd", MB) == (folder(share) / "etc", shown("file_symlink"))


def test_a_file_under_an_unsafe_folder_reports_the_folder(share: Path) -> None:
    bad = folder(share) / "..evil"
    bad.mkdir()
    (bad / "foto.txt").write_text("Judul\nIsi\n")
    target, reason = judge(share, bad / "foto.txt", MB)
    assert target == bad and "dua titik" in reason


def test_a_hard_link_is_refused(share: Path, tmp_path: Path) -> None:
    (tmp_path / "asli.txt").write_text("Judul\nIsi\n")
    os.link(tmp_path / "asli.txt", folder(share) / "naskah.txt")
    assert judge(share, folder(share) / "naskah.txt", MB) == (folder(share) / "naskah.txt", shown("file_hardlink"))


def test_junk_quarantine_and_gone_files_are_ignored(share: Path) -> None:
    (folder(share) / "Thumbs.db").write_bytes(b"\0")
    assert judge(share, folder(share) / "Thumbs.db", MB) is None
    assert judge(share, folder(share) / "BACA-SAYA.txt", MB) is None
    assert judge(share, share / "_KARANTINA" / "2026-11-30" / "x.jpg", MB) is None
    assert judge(share, folder(share) / "hilang.jpg", MB) is None
    assert judge(share, Path("/etc/passwd"), MB) is None
