"""The social-media package and the press release: real images cut, turned upright and shrunk; the release's wording."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from daemon.core.config_publish import SocialCfg
from daemon.core.rules_office import MediaContact
from daemon.publish.errors import TooLargeError
from daemon.publish.images import open_upright
from daemon.publish.press import attachment_budget, release_text, shrink_for_mail
from daemon.publish.social import build_package, hashtag
from daemon.publish.story import Photo, Story

RED, BLUE = (230, 20, 20), (20, 20, 230)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    out = {}
    # a camera-sized photo, 6000x4000
    big = Image.linear_gradient("L").resize((6000, 4000))
    Image.merge("RGB", (big, big.transpose(Image.Transpose.FLIP_LEFT_RIGHT), big)).save(
        folder / "big.jpg", "JPEG", quality=90)
    # noise compresses badly: the mail budget has to work for it
    noise = Image.effect_noise((2400, 1600), 90)
    Image.merge("RGB", (noise, noise.rotate(180), noise)).save(folder / "noise.jpg", "JPEG", quality=92)
    # stored landscape (red left, blue right) with EXIF orientation 6: upright it is portrait, red on top
    sideways = Image.new("RGB", (400, 300), BLUE)
    sideways.paste(Image.new("RGB", (200, 300), RED), (0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways.save(folder / "rotated.jpg", "JPEG", quality=95, exif=exif.tobytes())
    Image.new("RGB", (800, 600), (10, 160, 60)).save(folder / "small.jpg", "JPEG")
    Image.new("RGBA", (500, 500), (0, 0, 0, 0)).save(folder / "clear.png")
    for name in ("big", "noise", "rotated", "small", "clear"):
        out[name] = next(folder.glob(f"{name}.*"))
    return out


def story_with(paths: list[Path], kecamatan: str | None = "Bukit Batu") -> Story:
    return Story(code="LPT-2026-0007", title="Bupati Meninjau Gotong Royong",
                 body="Bupati Bengkalis meninjau gotong royong warga Desa Sejangat.\n\nKegiatan diikuti 150 warga.",
                 lead="Bupati Bengkalis meninjau gotong royong warga Desa Sejangat.",
                 photos=[Photo(p, f"Keterangan foto {n}", f"Alt {n}") for n, p in enumerate(paths, 1)],
                 kecamatan=kecamatan, event_date=date(2026, 11, 28), place="Desa Sejangat")


def is_red(px: tuple[int, ...]) -> bool:
    return px[0] > 180 and px[2] < 80


def is_blue(px: tuple[int, ...]) -> bool:
    return px[2] > 180 and px[0] < 80


# --- social ---------------------------------------------------------------------------------

def test_it_cuts_every_photo_to_every_platform_size(photos, tmp_path) -> None:
    story = story_with([photos["big"], photos["rotated"]])
    package = build_package(story, SocialCfg(admin="medsos@bengkaliskab.go.id"), tmp_path / "paket")
    sizes = {p.name: Image.open(p).size for p in package.files}
    assert sizes == {
        "instagram-01.jpg": (1080, 1350), "instagram-square-01.jpg": (1080, 1080),
        "x-01.jpg": (1600, 900), "tiktok-01.jpg": (1080, 1920),
        "instagram-02.jpg": (1080, 1350), "instagram-square-02.jpg": (1080, 1080),
        "x-02.jpg": (1600, 900), "tiktok-02.jpg": (1080, 1920)}
    assert all(Image.open(p).format == "JPEG" for p in package.files)
    assert all(p.parent == tmp_path / "paket" for p in package.files)


def test_it_turns_an_exif_rotated_photo_upright(photos, tmp_path) -> None:
    package = build_package(story_with([photos["rotated"]]), SocialCfg(admin="a@b.id", platforms=["instagram"]),
                            tmp_path)
    square = Image.open(tmp_path / "instagram-square-01.jpg").convert("RGB")
    # upright the red half is on top; left untouched it would be on the left
    assert is_red(square.getpixel((300, 100))) and is_blue(square.getpixel((300, 980)))
    assert [p.name for p in package.files] == ["instagram-01.jpg", "instagram-square-01.jpg"]


def test_it_cuts_only_the_configured_platforms(photos, tmp_path) -> None:
    package = build_package(story_with([photos["small"], photos["clear"]]), SocialCfg(admin="a@b.id", platforms=["x"]),
                            tmp_path)
    assert [p.name for p in package.files] == ["x-01.jpg", "x-02.jpg"]
    assert Image.open(tmp_path / "x-01.jpg").size == (1600, 900)  # a small photo is enlarged to fill


def test_it_decodes_a_big_jpeg_only_as_large_as_needed(photos) -> None:
    im = open_upright(photos["big"], min_side=1920)
    assert min(im.size) >= 1920 and im.size[0] < 6000  # draft mode: 3000x2000, not 6000x4000


def test_it_writes_the_caption_with_normalised_hashtags_once(photos, tmp_path) -> None:
    cfg = SocialCfg(admin="a@b.id", hashtags=["#DiskominfotikBengkalis", "bengkalis", "#Bengkalis",
                                               "pemkab bengkalis", "  "])
    package = build_package(story_with([photos["small"]], kecamatan="Bengkalis"), cfg, tmp_path)
    assert package.caption == ("Bupati Meninjau Gotong Royong\n\n"
                               "Bupati Bengkalis meninjau gotong royong warga Desa Sejangat.\n\n"
                               "#DiskominfotikBengkalis #Bengkalis #PemkabBengkalis")
    other = build_package(story_with([], kecamatan="Bukit Batu"), cfg, tmp_path)
    assert other.caption.endswith("#DiskominfotikBengkalis #Bengkalis #PemkabBengkalis #BukitBatu")
    assert other.files == []


@pytest.mark.parametrize("raw, tag", [("Bukit Batu", "#BukitBatu"), ("#bengkalis", "#Bengkalis"),
                                      ("Rupat Utara", "#RupatUtara"), ("Siak Kecil!", "#SiakKecil"),
                                      ("Pinggir", "#Pinggir"), ("#", None)])
def test_it_makes_hashtags_in_bengkalis_style(raw, tag) -> None:
    assert hashtag(raw) == tag


# --- press ----------------------------------------------------------------------------------

def test_it_keeps_the_photos_under_the_mail_budget(photos) -> None:
    paths = [photos["big"], photos["noise"], photos["rotated"]]
    budget = 900_000
    files = shrink_for_mail(story_with(paths).photos, budget)
    assert sum(len(data) for _, data, _ in files) <= budget
    assert [name for name, _, _ in files] == ["foto-01.jpg", "foto-02.jpg", "foto-03.jpg"]
    assert [caption for _, _, caption in files] == ["Keterangan foto 1", "Keterangan foto 2", "Keterangan foto 3"]
    sizes = [Image.open(io.BytesIO(data)).size for _, data, _ in files]
    assert all(max(size) < 2048 for size in sizes[:2])  # had to go below the first step
    assert sizes[2] == (300, 400)  # upright, and never enlarged


def test_it_starts_at_2048_pixels_without_enlarging(photos) -> None:
    files = shrink_for_mail(story_with([photos["big"], photos["small"]]).photos, attachment_budget(8))
    sizes = [Image.open(io.BytesIO(data)).size for _, data, _ in files]
    assert sizes == [(2048, 1365), (800, 600)]


def test_it_says_clearly_when_even_small_photos_do_not_fit(photos) -> None:
    with pytest.raises(TooLargeError, match="budget is 5,000 bytes"):
        shrink_for_mail(story_with([photos["noise"], photos["big"]]).photos, 5_000)


def test_it_leaves_room_for_base64_in_the_budget() -> None:
    assert attachment_budget(8) == 8 * 1024 * 1024 * 3 // 4 - 64 * 1024


def test_it_writes_the_release_in_formal_indonesian(photos) -> None:
    subject, body = release_text(story_with([photos["small"], photos["big"]]), "Dinas Komunikasi, Informatika "
                                 "dan Statistik Kabupaten Bengkalis", "Nurul Hidayah (0812-7654-3210)",
                                 on=date(2026, 11, 30))
    assert subject == "Siaran Pers: Bupati Meninjau Gotong Royong"
    assert body.splitlines()[:6] == [
        "SIARAN PERS", "Dinas Komunikasi, Informatika dan Statistik Kabupaten Bengkalis", "",
        "Bupati Meninjau Gotong Royong", "",
        "Bengkalis, Senin, 30 November 2026 - Bupati Bengkalis meninjau gotong royong warga Desa Sejangat."]
    assert "\nKegiatan diikuti 150 warga.\n" in body
    assert "Keterangan foto:\n1. Keterangan foto 1\n2. Keterangan foto 2\n" in body
    assert "Narahubung: Nurul Hidayah (0812-7654-3210)" in body
    assert body.count("Bupati Bengkalis meninjau gotong royong") == 1


def test_it_leaves_out_the_contact_line_when_none_is_set(photos) -> None:
    _, body = release_text(story_with([]), "Diskominfotik Bengkalis", None, on=date(2026, 12, 1))
    assert "Narahubung" not in body and "Keterangan foto" not in body
    assert "Bengkalis, Selasa, 1 Desember 2026 - " in body


def test_it_greets_one_newsroom_when_sent_to_a_media_contact(photos) -> None:
    contact = MediaContact(name="Budi Santoso", outlet="Riau Pos", email="redaksi@riaupos.co")
    _, body = release_text(story_with([]), "Diskominfotik Bengkalis", None, on=date(2026, 11, 30), to=contact)
    assert body.startswith("Yth. Budi Santoso\nRedaksi Riau Pos\n\nDengan hormat,\n")
    assert "untuk dapat dimuat.\n\nSIARAN PERS\nDiskominfotik Bengkalis\n" in body
    assert "kerja sama Bapak/Ibu, kami ucapkan terima kasih." in body


def test_a_lead_with_its_own_dateline_is_not_dated_twice():
    from datetime import date

    from daemon.publish.press import release_text
    from daemon.publish.story import Story

    story = Story(code="LPT-2026-0001", title="Judul", body="BANTAN - Isi pertama.\n\nIsi kedua.",
                  lead="BANTAN - Isi pertama.")
    _, body = release_text(story, "Diskominfotik", None, on=date(2026, 12, 7))
    assert "Bantan, Senin, 7 Desember 2026 - Isi pertama." in body and "BANTAN -" not in body
    plain = Story(code="LPT-2026-0002", title="Judul", body="Isi pertama.", lead="Isi pertama.")
    assert "Bengkalis, Senin, 7 Desember 2026 - Isi pertama." in release_text(plain, "D", None, on=date(2026, 12, 7))[1]
