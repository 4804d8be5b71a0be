"""A title read from running text stops before the request ("... dapat diliput"), found with
`liputan contoh`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from daemon.reading.running_text import event_from_text

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.mark.parametrize("ask", ["dapat diliput", "dapat kiranya diliput", "agar diliput", "bisa diliput"])
def test_the_title_ends_before_the_request(ask):
    text = (f"Kami mohon kiranya kegiatan Lomba Pidato Bahasa Melayu Tingkat SMP {ask}, yang akan "
            "dilaksanakan pada hari Kamis, 3 Desember 2026 pukul 08.00 WIB.")
    assert event_from_text(text, NOW).title == "Lomba Pidato Bahasa Melayu Tingkat SMP"
