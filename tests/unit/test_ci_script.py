"""`.ci/run` works on stock Debian 12: no bare `python`, pip only inside a venv; its test command
is the README's, and it starts the longest test files first."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import conftest

REPO = Path(__file__).resolve().parents[2]
COMMAND = "python3 -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder tests"


def _code() -> str:
    script = (REPO / ".ci" / "run").read_text()
    return "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))


def test_it_never_calls_a_bare_python() -> None:
    code = _code()
    assert not re.search(r"(^|[\s;&|(])python(\s|$)", code, re.M)
    assert "python3 -m venv" in code and COMMAND in code.splitlines()


def test_the_readme_gives_the_same_test_command() -> None:
    ci = [line for line in _code().splitlines() if "-m pytest" in line]
    assert ci == [COMMAND]
    assert COMMAND in (REPO / "README.md").read_text()
    # --no-loadscope-reorder came with pytest-xdist 3.8
    assert '"pytest-xdist>=3.8"' in (REPO / "pyproject.toml").read_text()


def test_every_file_named_slow_exists() -> None:
    missing = [name for name in conftest.SLOW_FILES if not (REPO / "tests" / name).is_file()]
    assert missing == []


def test_the_longest_files_come_first_and_a_file_keeps_its_order() -> None:
    def item(rel: str, name: str) -> SimpleNamespace:
        return SimpleNamespace(path=REPO / "tests" / rel, name=name)
    items = [item("unit/test_ci_script.py", "a"), item("integration/test_demo.py", "b"),
             item("integration/test_crash.py", "c"), item("unit/test_ci_script.py", "d"),
             item("integration/test_demo.py", "e")]
    conftest.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    assert [i.name for i in items] == ["c", "b", "e", "a", "d"]
