"""The base of the config's sections: unknown keys refused, models built on first use, passwords from files."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from daemon.core.errors import ConfigError


class Section(BaseModel):
    # schemas are built on first validation: a config found in the validated cache needs none
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Secret(Section):
    password: str | None = None
    password_file: str | None = None

    def secret(self) -> str:
        if self.password_file:
            try:
                return Path(self.password_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(self.password_file, None, f"the password file cannot be read ({exc.strerror})") from None
        return self.password or ""
