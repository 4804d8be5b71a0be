"""Request folders in the shared folder: safe names, BACA-SAYA.txt, reuse after a title edit, public paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from daemon.delivery.folders import (
    README_NAME,
    create_request_folder,
    folder_relpath,
    public_path,
    request_code_of,
    safe_name,
)

CODE = "LPT-2026-0007"
REL = "2026/LPT-2026-0007 Peresmian Gedung Sekolah"
SERVER = Path("/srv/liputan/dropbox")


def test_it_names_the_folder_by_year_code_and_title() -> None:
    assert folder_relpath(CODE, "Peresmian Gedung Sekolah", 2026) == REL


def test_it_makes_a_hostile_title_safe_on_windows_and_linux() -> None:
    name = folder_relpath(CODE, ' Rapat: "Evaluasi" A/B\\C <Tahap> 1|2*?\x00\x07\tbaru\n\r  akhir... ', 2026)
    year, folder = name.split("/")
    assert year == "2026"
    assert folder == "LPT-2026-0007 Rapat Evaluasi A B C Tahap 1 2 baru akhir"
    assert not set('\\:*?"<>|') & set(folder)
    assert all(ord(ch) >= 32 for ch in folder)


def test_it_strips_trailing_dots_and_spaces_and_collapses_whitespace() -> None:
    assert folder_relpath(CODE, "Kunjungan   Kerja \u00a0 Bupati. . .  ", 2026) == f"2026/{CODE} Kunjungan Kerja Bupati"
    assert safe_name("...") == ""


def test_it_caps_a_long_title_at_a_word_boundary() -> None:
    title = "Rapat Koordinasi Penanganan Banjir Rob dan Abrasi Pantai di Kecamatan Bantan dan Bengkalis Tahun 2026"
    folder = folder_relpath(CODE, title, 2026).split("/")[1]
    tail = folder[len(CODE) + 1:]
    assert len(tail) <= 60
    assert title.startswith(tail) and title[len(tail)] == " "  # cut between words


def test_an_empty_title_leaves_just_the_code() -> None:
    assert folder_relpath(CODE, " ?* ", 2026) == f"2026/{CODE}"


def test_it_refuses_a_malformed_code() -> None:
    with pytest.raises(ValueError):
        folder_relpath("LPT-2026-7/../..", "x", 2026)


def test_it_creates_the_folder_with_a_formal_readme(tmp_path: Path) -> None:
    folder = create_request_folder(tmp_path, CODE, "Peresmian Gedung Sekolah", 2026)
    assert folder == tmp_path / REL and folder.is_dir()
    text = (folder / README_NAME).read_bytes().decode("utf-8")
    assert "\r\n" in text  # readable in Notepad
    for phrase in (CODE, "Peresmian Gedung Sekolah", "Naskah berita", ".docx", ".txt", ".md", "Baris pertama",
                   "judul", "Foto", ".jpg", ".png", "Video", "otomatis", "selesai disalin", "Kepala Seksi",
                   "pratinjau"):
        assert phrase in text, phrase


def test_creating_it_again_changes_nothing(tmp_path: Path) -> None:
    folder = create_request_folder(tmp_path, CODE, "Peresmian Gedung Sekolah", 2026)
    readme = folder / README_NAME
    readme.write_text("edited by hand")
    assert create_request_folder(tmp_path, CODE, "Peresmian Gedung Sekolah", 2026) == folder
    assert readme.read_text() == "edited by hand"
    assert sorted(p.name for p in (tmp_path / "2026").iterdir()) == [folder.name]


def test_an_edited_title_reuses_the_folder_of_the_same_code(tmp_path: Path) -> None:
    first = create_request_folder(tmp_path, CODE, "Peresmian Gedung Sekolah", 2026)
    (first / "foto.jpg").write_bytes(b"x")
    again = create_request_folder(tmp_path, CODE, "Peresmian Gedung SD Negeri 3", 2026)
    assert again == first and (again / "foto.jpg").exists()
    other = create_request_folder(tmp_path, "LPT-2026-0070", "Peresmian Gedung Sekolah", 2026)
    assert other != first and other.name.startswith("LPT-2026-0070 ")


def test_a_symlink_named_like_the_request_is_not_reused(tmp_path: Path) -> None:
    (tmp_path / "2026").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, tmp_path / "2026" / f"{CODE} Palsu")
    folder = create_request_folder(tmp_path, CODE, "Asli", 2026)
    assert folder.name == f"{CODE} Asli" and not folder.is_symlink()
    assert list(outside.iterdir()) == []


def test_public_path_joins_a_unc_root_with_backslashes() -> None:
    expected = r"\\fileserver\hasil-liputan\2026\LPT-2026-0007 Peresmian Gedung Sekolah"
    assert public_path(r"\\fileserver\hasil-liputan", REL, SERVER) == expected
    assert public_path("\\\\fileserver\\hasil-liputan\\", REL, SERVER) == expected
    assert public_path("Z:\\Hasil Liputan\\", REL, SERVER) == "Z:\\Hasil Liputan\\2026\\" + REL.split("/")[1]


def test_public_path_percent_encodes_the_segments_of_an_smb_url() -> None:
    got = public_path("smb://fileserver/hasil-liputan/", "2026/LPT-2026-0007 Rapat #2 & 50% Tamu", SERVER)
    assert got == "smb://fileserver/hasil-liputan/2026/LPT-2026-0007%20Rapat%20%232%20%26%2050%25%20Tamu"


def test_public_path_joins_a_plain_https_share() -> None:
    got = public_path("https://berkas.bengkaliskab.go.id/s/liputan", REL, SERVER)
    assert got == "https://berkas.bengkaliskab.go.id/s/liputan/2026/LPT-2026-0007%20Peresmian%20Gedung%20Sekolah"


def test_public_path_keeps_a_drive_folder_link_whole_and_adds_a_breadcrumb() -> None:
    link = "https://drive.google.com/drive/folders/1AbCdEfGhIjK?usp=sharing"
    got = public_path(link, REL, SERVER)
    assert got == f"{link} > 2026 > LPT-2026-0007 Peresmian Gedung Sekolah"


def test_without_a_public_root_only_the_path_inside_the_share_is_shown() -> None:
    assert public_path(None, REL, SERVER) == REL
    absolute = public_path(None, str(SERVER / REL), SERVER)
    assert absolute == REL and str(SERVER) not in absolute
    assert public_path(r"\\fs\share", str(SERVER / REL), SERVER) == r"\\fs\share\2026" + "\\" + REL.split("/")[1]
    with pytest.raises(ValueError):
        public_path(None, "/etc/passwd", SERVER)
    with pytest.raises(ValueError):
        public_path(None, "2026/../../etc", SERVER)


def test_request_code_of_finds_the_request_folder_a_path_sits_in() -> None:
    assert request_code_of(f"{REL}/foto.jpg") == CODE
    assert request_code_of(f"{REL}/Foto Acara/hari 1/foto.jpg") == CODE
    assert request_code_of("2026\\LPT-2026-0007\\naskah.docx") == CODE
    assert request_code_of(REL) == CODE
    assert request_code_of("foto.jpg") is None
    assert request_code_of("2026/foto.jpg") is None
    assert request_code_of("2026/Foto Bebas/foto.jpg") is None
    assert request_code_of("Arsip/LPT-2026-0007 X/foto.jpg") is None
    assert request_code_of("2026/LPT-2026-00071 X/foto.jpg") is None
    assert request_code_of("2026/LPT-2026-0007x/foto.jpg") is None


def test_no_request_folder_is_made_where_the_share_is_unmounted(tmp_path, monkeypatch) -> None:
    from daemon.delivery import share
    root = tmp_path / "mnt"
    root.mkdir()
    monkeypatch.setattr(share.os.path, "ismount", lambda p: True)  # the share mounted
    assert share.problem(root) is None
    monkeypatch.setattr(share.os.path, "ismount", lambda p: False)  # unmounted: an empty folder
    assert share.problem(root)[0] == "unmounted"
    with pytest.raises(FileNotFoundError):
        create_request_folder(root, CODE, "Peresmian Gedung Sekolah", 2026)
    assert list(root.iterdir()) == []
    assert share.problem(tmp_path, require_mount=True)[0] == "unmounted"
