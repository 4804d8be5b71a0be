"""The working calendar: office days and hours, Friday's shorter day, national holidays and
cuti bersama, the office's own days off; working minutes added and counted."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from daemon.core.config_work import HoursCfg
from daemon.core.workcal import WorkCalendar

WIB = ZoneInfo("Asia/Jakarta")


def cal(**kw) -> WorkCalendar:
    return WorkCalendar(HoursCfg(**kw), WIB)


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def test_minutes_are_added_in_office_hours_only():
    c = cal()
    assert c.add(t(2026, 11, 30, 10, 0), 15) == t(2026, 11, 30, 10, 15)
    assert c.add(t(2026, 11, 30, 6, 0), 15) == t(2026, 11, 30, 7, 45)  # before opening
    assert c.add(t(2026, 11, 30, 15, 50), 15) == t(2026, 12, 1, 7, 35)  # over the night
    assert c.add(t(2026, 12, 4, 15, 55), 10) == t(2026, 12, 7, 7, 35)  # over the weekend


def test_friday_may_close_early_and_days_are_read_by_name():
    c = cal(friday_end="11:30", days=["senin", "selasa", "rabu", "kamis", "jumat"])
    assert c.add(t(2026, 12, 4, 11, 20), 15) == t(2026, 12, 7, 7, 35)
    assert c.cfg.days == [1, 2, 3, 4, 5]


def test_national_holidays_cuti_bersama_and_office_days_off():
    c = cal(extra_holidays=["2026-12-31"])
    assert c.holiday(date(2026, 12, 25)) == "Hari Raya Natal"
    assert "Cuti Bersama" in c.holiday(date(2026, 12, 24))
    assert c.holiday(date(2026, 12, 31)) == "libur kantor"
    assert c.holiday(date(2026, 12, 30)) is None
    assert c.add(t(2026, 12, 30, 15, 55), 10) == t(2027, 1, 4, 7, 35)  # 31 Dec, 1 Jan, weekend
    assert cal(national_holidays=False).holiday(date(2026, 12, 25)) is None


def test_working_minutes_between_two_moments():
    c = cal()
    assert c.minutes_between(t(2026, 12, 4, 15, 0), t(2026, 12, 7, 8, 30)) == 60 + 60
    assert c.minutes_between(t(2026, 12, 7, 9, 0), t(2026, 12, 7, 8, 0)) == 0
    assert c.is_open(t(2026, 12, 7, 9, 0)) and not c.is_open(t(2026, 12, 6, 9, 0))


def test_hours_that_make_no_sense_are_refused():
    with pytest.raises(ValidationError):
        HoursCfg(start=time(16, 0), end=time(7, 30))
    with pytest.raises(ValidationError):
        HoursCfg(days=[0, 8])


def test_the_holidays_of_a_year_are_kept_in_the_cache(tmp_path, monkeypatch):
    from daemon.core import validated_cache, workcal
    monkeypatch.setenv("LIPUTAN_CACHE_DIR", str(tmp_path))
    asked = []
    real = workcal._from_package
    monkeypatch.setattr(workcal, "_from_package", lambda y: asked.append(y) or real(y))
    workcal._national.cache_clear()
    first = workcal._national(2027)
    workcal._national.cache_clear()
    assert workcal._national(2027) == first == real(2027) and asked == [2027]
    for entry in (tmp_path / "rules").glob("*.json"):  # a damaged entry: asked again, not trusted
        entry.write_text('{"2027-13-01": "x"}')
    workcal._national.cache_clear()
    assert workcal._national(2027) == first and asked == [2027, 2027]
    assert validated_cache.package_stamp("holidays") not in ("absent", "unknown")
    workcal._national.cache_clear()


def test_the_holidays_package_is_read_in_a_child_not_in_the_daemon(tmp_path):
    """A cache miss (a new year, a new release, a fresh cache) asks a short child process: the
    daemon never holds the `holidays` package (302 modules, ~12 MB with a year built)."""
    import os
    import subprocess
    import sys
    code = ("import sys, json\nfrom daemon.core import workcal\n"
            "days = workcal._national(2027)\n"
            "print(json.dumps([len(days), str(days.get(__import__('datetime').date(2027, 1, 1))),"
            " sorted(m for m in sys.modules if m.split('.')[0] == 'holidays')[:3]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         env={**os.environ, "LIPUTAN_CACHE_DIR": str(tmp_path)})
    n, new_year, loaded = __import__("json").loads(out.stdout)
    assert n >= 10 and new_year == "Tahun Baru Masehi"
    assert loaded == [], loaded
