"""Location resolution against rules/places.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from daemon.core.places import Resolution, load_places

ROOT = Path(__file__).resolve().parents[2]
ALL_KECAMATAN = {"Bengkalis", "Bantan", "Rupat", "Rupat Utara", "Mandau", "Pinggir", "Bathin Solapan",
                 "Talang Muandau", "Bukit Batu", "Siak Kecil", "Bandar Laksamana"}


@pytest.fixture(scope="module")
def places():
    return load_places(ROOT / "rules" / "places.yaml")


def test_file_has_all_eleven_kecamatan_with_the_expected_keys() -> None:
    data = yaml.safe_load((ROOT / "rules" / "places.yaml").read_text(encoding="utf-8"))
    assert set(data) == {"home_island", "islands", "kecamatan"}
    assert {k["name"] for k in data["kecamatan"]} == ALL_KECAMATAN
    for k in data["kecamatan"]:
        assert set(k) == {"name", "island", "travel_minutes", "aliases", "places"}
        assert k["island"] in data["islands"] and k["travel_minutes"] > 0 and k["places"]


def test_file_validates_with_the_rules_schema() -> None:
    rules = pytest.importorskip("daemon.core.rules_places")
    data = yaml.safe_load((ROOT / "rules" / "places.yaml").read_text(encoding="utf-8"))
    rules.PlacesFile.model_validate(data)


@pytest.mark.parametrize("text,kecamatan,island,outside", [
    ("Kecamatan Bantan", "Bantan", "Bengkalis", False),
    ("Kec. Mandau", "Mandau", "Sumatera", True),
    ("KEC.MANDAU", "Mandau", "Sumatera", True),
    ("Duri", "Mandau", "Sumatera", True),
    ("Gedung Bathin Betuah, Duri", "Mandau", "Sumatera", True),
    ("Aula Kantor Camat Bantan", "Bantan", "Bengkalis", False),
    ("Desa Teluk Pambang, Kecamatan Bantan", "Bantan", "Bengkalis", False),
    ("Gedung Daerah Datuk Laksamana Raja di Laut", "Bengkalis", "Bengkalis", False),
    ("Wisma Sri Mahkota", "Bengkalis", "Bengkalis", False),
    ("Lapangan Tugu Bengkalis", "Bengkalis", "Bengkalis", False),
    ("Kota Bengkalis", "Bengkalis", "Bengkalis", False),
    ("Pantai Selatbaru", "Bantan", "Bengkalis", False),
    ("Aula Kantor Camat Rupat, Batu Panjang", "Rupat", "Rupat", True),
    ("Pantai Teluk Rhu", "Rupat Utara", "Rupat", True),
    ("Kantor Camat Rupat Utara", "Rupat Utara", "Rupat", True),
    ("Sungai Pakning", "Bukit Batu", "Sumatera", True),
    ("Desa Lubuk Muda", "Siak Kecil", "Sumatera", True),
    ("Tenggayun, Bandar Laksamana", "Bandar Laksamana", "Sumatera", True),
    ("Balai Makam", "Bathin Solapan", "Sumatera", True),
    ("Desa Koto Pait Beringin", "Talang Muandau", "Sumatera", True),
    ("Desa Pinggir", "Pinggir", "Sumatera", True),
    ("Kantor Camat Pinggir", "Pinggir", "Sumatera", True),
    ("Titian Antui, Pinggir", "Pinggir", "Sumatera", True),
    ("Jl. Beringin, Kota Bengkalis", "Bengkalis", "Bengkalis", False),
])
def test_resolve(places, text: str, kecamatan: str, island: str, outside: bool) -> None:
    got = places.resolve(text)
    assert (got.kecamatan, got.island, got.outside_island) == (kecamatan, island, outside)
    assert got.travel_minutes and got.travel_minutes > 0


@pytest.mark.parametrize("text", [
    "", None, "Kabupaten Bengkalis", "Aula Dinas Pendidikan Kabupaten Bengkalis",
    "se-Kabupaten Bengkalis", "Pemkab Bengkalis", "Hotel Pangeran, Pekanbaru", "Jakarta",
    "di pinggir pantai", "pinggir jalan lintas", "di bawah pohon beringin", "secara daring",
])
def test_unknown_is_all_none(places, text) -> None:
    assert places.resolve(text) == Resolution()


def test_island_without_kecamatan(places) -> None:
    got = places.resolve("Pulau Rupat")
    assert (got.kecamatan, got.island, got.outside_island, got.travel_minutes) == (None, "Rupat", True, None)
    assert places.resolve("Pulau Bengkalis").outside_island is False


def test_longest_match_wins(places) -> None:
    assert places.resolve("Kecamatan Rupat Utara").kecamatan == "Rupat Utara"
    assert places.resolve("Pantai Teluk Rhu, Pulau Rupat").kecamatan == "Rupat Utara"
    assert places.resolve("Jalan Bantan, Kota Bengkalis").kecamatan == "Bengkalis"


def test_travel_times_are_plausible(places) -> None:
    assert places.resolve("Kota Bengkalis").travel_minutes < places.resolve("Bantan").travel_minutes
    assert places.resolve("Duri").travel_minutes >= 150
