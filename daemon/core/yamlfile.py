"""Load YAML with line numbers and validate it against a pydantic model, naming file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from daemon.core.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def _lines(node: yaml.Node, path: tuple, out: dict[tuple, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value
            out[path + (k,)] = key.start_mark.line + 1
            _lines(value, path + (k,), out)
            out[path + (k,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, path + (i,), out)


def line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the deepest known prefix of a pydantic error location."""
    loc = tuple(str(p) if not isinstance(p, int) else p for p in loc)
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def describe(err: dict) -> str:
    """A plain-words sentence for one pydantic error."""
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}' (misspelled? keys allowed here are listed in the docs)"
    if kind == "missing":
        return f"'{where}' is required but missing"
    return f"'{where}': {err['msg']} (got {err.get('input')!r})"


def load(path: Path, model: type[M]) -> M:
    """Parse and validate one YAML file; raise ConfigError naming file and line on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read file: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(path, line, f"not valid YAML: {exc.problem}") from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _lines(node, (), lines)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        # a misspelled key shows up as both "unknown" and "missing": name the misspelling
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        raise ConfigError(path, line_of(lines, err["loc"]), describe(err)) from None
