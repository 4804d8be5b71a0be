"""Errors a person can act on: configuration and rules problems named by file and line."""

from __future__ import annotations

# The step kinds the engine registers (daemon.sop.kinds; tests/unit/test_startup.py keeps them
# equal), named here so `liputan check` knows them without loading the engine or the models.
DEFAULT_KINDS = frozenset({"intake", "disposition", "plan", "memo", "draft", "sign", "coverage",
                           "report", "publish", "archive"})


class ConfigError(Exception):
    """A configuration or rules file is wrong; the message names the file and line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = str(path), line, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")
