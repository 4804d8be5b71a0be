"""Times as OCR misreads them ("09,00", "O9.00", "l3.00", "Pukul 09 00 WIB") are read as the right
time; money ("Rp 9,00") and distances ("3,5 km") are never taken for times."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.reading.datetimes import find_times, parse_time, repair_ocr_times
from daemon.reading.documents import Document
from daemon.reading.extract import _read

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.mark.parametrize(("written", "want"), [
    ("Pukul 09 00 WIB", time(9, 0)),
    ("Pukul : 09,00 WIB s.d. selesai", time(9, 0)),
    ("pukul 13 30", time(13, 30)),
    ("Jam 08,30 WIB", time(8, 30)),
    ("14,00 WIB", time(14, 0)),
])
def test_unambiguous_misreads_are_read_in_any_text(written: str, want: time) -> None:
    found = parse_time(written)
    assert found is not None and found.start == want


@pytest.mark.parametrize("text", [
    "Biaya administrasi Rp 9,00 per lembar",
    "Jarak tempuh 3,5 km dari pelabuhan",
    "Anggaran sebesar 12,50 persen dari total",
    "Nilai indeks 09,00 poin",
])
def test_money_and_measures_are_not_times(text: str) -> None:
    assert find_times(text) == []
    assert find_times(repair_ocr_times(text)) == []


@pytest.mark.parametrize(("ocr", "want"), [
    ("Pukul : 2O.00 WIB", time(20, 0)),
    ("Pukul : 09.0O WIB", time(9, 0)),
    ("Pukul : l3.00 WIB", time(13, 0)),
    ("Pukul : 1O.3O WIB", time(10, 30)),
    ("Waktu : 09,00 s.d. 12,00", time(9, 0)),
    ("Pukul : I4.00 WIB", time(14, 0)),
])
def test_ocr_letter_shapes_are_repaired(ocr: str, want: time) -> None:
    assert find_times(ocr) == [] or find_times(ocr)[0].start != want  # unread before the repair
    found = find_times(repair_ocr_times(ocr))
    assert found and found[0].start == want


def test_repair_keeps_every_position() -> None:
    text = "Hari : Senin, 7 Desember 2026\nPukul : O9,0O WIB\nBiaya Rp 9,00\nJarak 3,5 km"
    fixed = repair_ocr_times(text)
    assert len(fixed) == len(text)
    assert "09.00 WIB" in fixed and "Rp 9,00" in fixed and "3,5 km" in fixed


def test_a_scanned_letter_with_misread_time_gets_its_start() -> None:
    ocr = ("PEMERINTAH KABUPATEN BENGKALIS\nKECAMATAN BANTAN\nDengan hormat,\n"
           "Acara : Musyawarah Perencanaan Pembangunan Kecamatan Bantan\n"
           "Hari/Tanggal : Selasa, 12 Januari 2027\nPukul : O9,0O WIB s.d. selesai\n"
           "Tempat : Aula Kantor Camat Bantan\n")
    (ev,) = _read(Document(ocr, "ocr", [], "scan.pdf"), NOW).events
    assert ev.time is not None and ev.time.start == time(9, 0) and ev.time.until_done


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789OolI|.,: WIBpukulRs\n", max_size=60))
def test_the_repair_never_moves_text(text: str) -> None:
    fixed = repair_ocr_times(text)
    assert len(fixed) == len(text)
    assert all(a == b or b in "0123456789." for a, b in zip(text, fixed, strict=True))
    find_times(fixed)
