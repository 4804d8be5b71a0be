"""The office's working calendar: hours and days from config, Indonesia's national holidays and
cuti bersama from `holidays`, extra dates from config; time standards count working minutes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from daemon.core import validated_cache

if TYPE_CHECKING:  # any object with these fields will do: `liputan show` passes plain ones
    from daemon.core.config_work import HoursCfg

MAX_DAYS = 400  # a standard never spans more than this many calendar days


class WorkCalendar:
    """When the office works, in its own zone."""

    def __init__(self, cfg: HoursCfg, tz: ZoneInfo):
        self.cfg, self.tz = cfg, tz
        self.extra = set(cfg.extra_holidays)

    def holiday(self, d: date) -> str | None:
        """The name of the day off on `d` (national holiday, cuti bersama or an office date)."""
        if d in self.extra:
            return "libur kantor"
        if self.cfg.national_holidays:
            return _national(d.year).get(d)
        return None

    def hours(self, d: date) -> tuple[datetime, datetime] | None:
        """The office's open span on `d`, or None on a day off."""
        if d.isoweekday() not in self.cfg.days or self.holiday(d):
            return None
        end = self.cfg.friday_end if d.isoweekday() == 5 and self.cfg.friday_end else self.cfg.end
        return (datetime.combine(d, self.cfg.start, self.tz), datetime.combine(d, end, self.tz))

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` working minutes after `start`."""
        left = timedelta(minutes=minutes)
        t = start.astimezone(self.tz)
        for _ in range(MAX_DAYS):
            span = self.hours(t.date())
            if span is not None and t < span[1]:
                t = max(t, span[0])
                if t + left <= span[1]:
                    return t + left
                left -= span[1] - t
            t = datetime.combine(t.date() + timedelta(days=1), time(0), self.tz)
        raise ValueError(f"no working time within {MAX_DAYS} days of {start}")

    def minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes from `a` to `b` (0 when b is not after a)."""
        a, b = a.astimezone(self.tz), b.astimezone(self.tz)
        total, d = timedelta(), a.date()
        while d <= b.date():
            span = self.hours(d)
            if span is not None:
                lo, hi = max(span[0], a), min(span[1], b)
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total.total_seconds() / 60

    def is_open(self, t: datetime) -> bool:
        span = self.hours(t.astimezone(self.tz).date())
        return span is not None and span[0] <= t < span[1]


@lru_cache(maxsize=16)
def _national(year: int) -> dict[date, str]:
    """Public holidays and cuti bersama (the 'government' category), named in Indonesian; kept
    in the cache per year and `holidays` release, so a command need not load that package."""
    name = validated_cache.key("holidays", [], str(year),
                               validated_cache.package_stamp("holidays"), "ID public government id")
    found = validated_cache.load_json(name)
    if isinstance(found, dict):
        try:
            return {date.fromisoformat(d): str(n) for d, n in found.items()}
        except (TypeError, ValueError):
            pass
    days = _from_package(year)
    validated_cache.store_json(name, {d.isoformat(): n for d, n in days.items()})
    return days


def _from_package(year: int) -> dict[date, str]:
    """The year's days off from the `holidays` package, asked in a short child process: the
    package is 302 modules and its Indonesian data ~12 MB (3.7 imported, 8 once a year is
    built) that the long-running daemon would keep for good on every cache miss (a new year,
    a new release, a fresh cache). In-process only if the child fails."""
    import json
    import subprocess
    import sys
    try:
        done = subprocess.run([sys.executable, "-m", "daemon.core.workcal", str(year)], capture_output=True,
                              timeout=120, check=True, env=_child_env())
        return {date.fromisoformat(d): str(n) for d, n in json.loads(done.stdout).items()}
    except (OSError, subprocess.SubprocessError, ValueError, TypeError, AttributeError) as exc:
        import logging
        logging.getLogger(__name__).warning("holidays of %s not read in a child process (%s); "
                                            "reading them here", year, exc)
        return _in_process(year)


def _child_env() -> dict[str, str]:
    """This process's environment, with the folder `daemon` was imported from on the path."""
    import os
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def _in_process(year: int) -> dict[date, str]:
    import holidays
    found = holidays.country_holidays("ID", years=[year], categories=("public", "government"),
                                      language="id")
    return dict(found.items())


if __name__ == "__main__":  # python -m daemon.core.workcal YEAR: the year's days off, as JSON
    import json
    import sys
    print(json.dumps({d.isoformat(): n for d, n in sorted(_in_process(int(sys.argv[1])).items())}))
