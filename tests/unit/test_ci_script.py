"""`.ci/run` works on stock Debian 12: no bare `python`, pip only inside a venv."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_it_never_calls_a_bare_python() -> None:
    script = (REPO / ".ci" / "run").read_text()
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"(^|[\s;&|(])python(\s|$)", code, re.M)
    assert "python3 -m venv" in code and "python3 -m pytest -q -n 2 tests" in code


def test_the_readme_gives_the_same_test_command() -> None:
    assert "python3 -m pytest -q -n 2 tests" in (REPO / "README.md").read_text()
