"""What the engine needs from the outside world: config, rules, places, clock, folders."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from daemon.core import indonesian
from daemon.core.config import Config
from daemon.core.lexicon import normalise_lexicon
from daemon.core.places import Places, load_places
from daemon.core.rules import Rules
from daemon.core.rules_check import load_rules


# Benchmarks only (bench/bench_memory.py): a file holding the seconds the office clock runs ahead of
# the wall clock, so a day of timers (digests, reminders, retention) passes in minutes. Unset (the
# default) the office clock is the wall clock. Leases, heartbeats and row stamps keep the wall clock.
OFFSET_FILE = os.environ.get("LIPUTAN_CLOCK_OFFSET_FILE") or None
_offset = {"seconds": 0.0, "read_at": float("-inf")}


def clock_offset(path: str, every: float = 0.5) -> float:
    """The offset in `path`, read at most every `every` seconds; the last good value on a bad read."""
    now = time.monotonic()
    if now - _offset["read_at"] >= every:
        _offset["read_at"] = now
        try:
            _offset["seconds"] = float(Path(path).read_text(encoding="ascii").strip() or 0)
        except (OSError, ValueError):
            pass
    return _offset["seconds"]


def _utcnow() -> datetime:
    now = datetime.now(timezone.utc)
    return now + timedelta(seconds=clock_offset(OFFSET_FILE)) if OFFSET_FILE else now


class Clock:
    """A clock that moves only when told: the sample office of `liputan contoh`, and the tests."""

    def __init__(self, start: datetime):
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


@dataclass
class Context:
    cfg: Config
    rules: Rules
    places: Places
    now: Callable[[], datetime] = field(default=_utcnow)

    @classmethod
    def load(cls, cfg: Config, now: Callable[[], datetime] | None = None) -> "Context":
        """The context of a running daemon; times shown to people use the config's office zone."""
        indonesian.set_zone(cfg.office.timezone)
        rules = load_rules(Path(cfg.rules.dir))
        places = load_places(Path(cfg.rules.dir) / "places.yaml")
        return cls(cfg=cfg, rules=rules, places=places, now=now or _utcnow)

    @property
    def lexicon(self) -> dict[str, list[str]]:
        """rules/lexicon.yaml normalised, once per rules loaded (every reply reads it twice)."""
        source = self.rules.lexicon
        made = self.__dict__.get("_lexicon")
        if made is None or made[0] is not source:
            made = self.__dict__["_lexicon"] = (source, normalise_lexicon(source.model_dump()))
        return made[1]

    @property
    def documents_dir(self) -> Path:
        return Path(self.cfg.paths.state) / "documents"

    @property
    def raw_dir(self) -> Path:
        return Path(self.cfg.paths.state) / "raw"

    def local_now(self) -> datetime:
        return self.now().astimezone(self.cfg.tz)

    def office_dict(self) -> dict:
        """rules/office.yaml as plain data, for the letter templates."""
        return self.rules.office.model_dump(by_alias=True)
