"""What the engine needs from the outside world: config, rules, places, clock, folders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from daemon.core import indonesian
from daemon.core.config import Config
from daemon.core.lexicon import normalise_lexicon
from daemon.core.places import Places, load_places
from daemon.core.rules import Rules
from daemon.core.rules_check import load_rules


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
        return normalise_lexicon(self.rules.lexicon.model_dump())

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
