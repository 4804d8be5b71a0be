"""Problems in a rules file, named by file and line (kept out of errors.py: `liputan --help`
imports that, and need not load dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

from daemon.core.errors import ConfigError


@dataclass(frozen=True)
class Problem:
    """Something wrong in a rules file, named by file and line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class Unchecked(Problem):
    """A file whose rules could not be checked at all: said once, not counted as a problem."""


class ProblemsError(ConfigError):
    """Several problems at once; the exception itself names the first."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        super().__init__(first.file, first.line, first.message)
        self.problems = problems
