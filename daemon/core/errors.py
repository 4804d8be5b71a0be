"""Errors a person can act on: configuration and rules problems named by file and line."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration or rules file is wrong; the message names the file and line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = str(path), line, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")
