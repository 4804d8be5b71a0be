"""Errors a person can act on: configuration and rules problems named by file and line."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Problem:
    """Something wrong in a rules file, named by file and line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class ProblemsError(ConfigError):
    """Several problems at once; the exception itself names the first."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        super().__init__(first.file, first.line, first.message)
        self.problems = problems
