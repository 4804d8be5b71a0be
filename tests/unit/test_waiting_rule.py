"""Whom a request waits on: one rule (daemon.sop.waiting_rule) for the engine's full path and the
short path of `requests` and `show`, written nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

from daemon.sop.waiting_rule import needs_step, whom

TEAM = [{"email": "andi@bengkaliskab.go.id"}, {"email": "rina@bengkaliskab.go.id"}]
DAEMON = Path(__file__).resolve().parents[2] / "daemon"


def test_it_waits_on_the_first_address_of_each_open_task():
    assert whom([["kadis@x"], ["kabid@x", "plt@x"]], "open", None, (), TEAM) == ["kadis@x", "kabid@x"]
    assert whom([["kadis@x"]], "open", "external", ["staf"], TEAM) == ["kadis@x"]  # a task comes first


def test_it_waits_on_the_team_at_an_external_step_of_the_staf_only():
    assert whom([], "open", "external", ["staf"], TEAM) == [m["email"] for m in TEAM]
    assert whom([], "open", "external", ["kasi"], TEAM) == []
    assert whom([], "open", "reply", ["staf"], TEAM) == []
    assert whom([], "open", "external", ["staf"], None) == []  # no team planned yet


def test_it_waits_on_nobody_when_closed_or_at_no_step():
    assert whom([], "open", None, (), TEAM) == []
    assert whom([], "done", "external", ["staf"], TEAM) == []
    assert whom([], "rejected", None, (), TEAM) == []


def test_the_step_is_read_only_when_the_rule_needs_it():
    assert needs_step([], "open", 10)
    assert not needs_step([["kadis@x"]], "open", 10)
    assert not needs_step([], "done", 10)
    assert not needs_step([], "open", None)


def test_the_rule_is_written_once():
    """No other module compares a step's mode with "external" or looks for the "staf" actor."""
    found = []
    for path in DAEMON.rglob("*.py"):
        if path.name == "waiting_rule.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(
                    isinstance(c, ast.Constant) and c.value in ("external", "staf")
                    for c in [node.left, *node.comparators]):
                found.append(f"{path.relative_to(DAEMON)}:{node.lineno}")
    assert found == []
