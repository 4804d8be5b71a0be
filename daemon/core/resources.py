"""Where the shipped templates and rules live: inside the installed package, else the source tree."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the `daemon` folder


def data_dir(name: str) -> Path:
    """`templates` or `rules`: the copy shipped in the wheel (daemon/_data/NAME), else the checkout's."""
    installed = PACKAGE / "_data" / name
    return installed if installed.is_dir() else PACKAGE.parent / name


def templates_dir(kind: str) -> Path:
    """templates/email or templates/letters."""
    return data_dir("templates") / kind


def rules_dir() -> Path:
    return data_dir("rules")
