"""Load YAML with line numbers and validate it against a pydantic model, naming file and line."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from daemon.core.errors import ConfigError
from daemon.core.problems import Problem, ProblemsError
from daemon.core.suggest import did_you_mean

M = TypeVar("M", bound=BaseModel)
Lines = dict[tuple, int]  # a key path, e.g. ("steps", 6, "kind") -> its 1-based line
# libyaml's parser when PyYAML has it (rules/ load ~10x faster: `liputan check`, start-up, reload);
# the constructor and resolver are the same Python code either way, so the data is the same
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def describe(err: dict, model: type[BaseModel] | None = None) -> str:
    """A plain-words sentence for one pydantic error."""
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'" + (
            did_you_mean(model, tuple(err["loc"])) or " (misspelled? keys allowed here are listed in the docs)")
    if kind == "missing":
        return f"'{where}' is required but missing"
    if kind == "value_error" and "error" in err.get("ctx", {}):
        return f"'{where}': {err['ctx']['error']}"
    return f"'{where}': {err['msg']} (got {err.get('input')!r})"


def read(path: Path) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8")  # bytes as stored: the SOP revision hashes them
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, None, f"not UTF-8 text (byte {exc.start})") from None


def parse(text: str, path: Path | str) -> tuple[Any, Lines]:
    """The data of a YAML text and the line of every key and item in it."""
    loader = LOADER(text)  # one pass: the node tree gives the lines, then the data
    try:
        node = loader.get_single_node()
        data: Any = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(path, line, f"not valid YAML: {exc.problem}") from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads but cannot make, e.g. 2026-12-32
        line, value = bad_scalar(node)
        raise ConfigError(path, line, f"not a valid value: {value!r} ({exc})") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _lines(node, (), lines)
    return data, lines


def bad_scalar(node: yaml.Node | None) -> tuple[int | None, str | None]:
    """The line and text of the first scalar that cannot be constructed (an impossible date)."""
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop(0)
        if isinstance(item, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(item)
            except (ValueError, OverflowError):
                return item.start_mark.line + 1, item.value
        elif isinstance(item, yaml.MappingNode):
            stack[:0] = [n for pair in item.value for n in pair]
        elif isinstance(item, yaml.SequenceNode):
            stack[:0] = list(item.value)
    return None, None


def problems_of(exc: ValidationError, lines: Lines, path: Path | str,
                model: type[BaseModel] | None = None) -> list[Problem]:
    """Every validation error as a Problem; a misspelled key is named once, not also as missing."""
    errors = exc.errors()
    misspelled = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "extra_forbidden"}
    kept = [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"][:-1]) in misspelled)]
    unions: dict[tuple, list[dict]] = {}
    for e in kept:  # pydantic reports a union's every member: `then.reject.int`, `then.reject.literal[...]`
        where = known(lines, e["loc"])
        if len(where) < len(e["loc"]) and e["type"] not in ("missing", "extra_forbidden"):
            unions.setdefault(where, []).append(e)
    merged = {id(e) for group in unions.values() if len(group) > 1 for e in group}
    found = [Problem(str(path), line_of(lines, e["loc"]), describe(e, model)) for e in kept
             if id(e) not in merged]
    found += [Problem(str(path), line_of(lines, where), either(where, group))
              for where, group in unions.items() if len(group) > 1]
    return sorted(found, key=lambda p: p.line or 0)


def known(lines: Lines, loc: tuple) -> tuple:
    """The deepest prefix of an error location that is a place in the file."""
    loc = tuple(str(p) if not isinstance(p, int) else p for p in loc)
    return next((loc[:end] for end in range(len(loc), 0, -1) if loc[:end] in lines), ())


def either(where: tuple, group: list[dict]) -> str:
    """One sentence for a value that fits none of a union's members, with the nearest allowed word."""
    given = group[0].get("input")
    words = [w for e in group if e["type"] == "literal_error"
             for w in re.findall(r"'([^']*)'", e.get("ctx", {}).get("expected", ""))]
    near = difflib.get_close_matches(str(given), words, n=1, cutoff=0.6)
    return (f"'{'.'.join(map(str, where))}': {given!r} is none of the allowed values: "
            + "; or ".join(e["msg"] for e in group)
            + (f" (did you mean '{near[0]}'?)" if near else ""))


def validate(data: Any, lines: Lines, model: type[M], path: Path | str) -> M:
    """Validate parsed data; raise ProblemsError naming every problem by file and line."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ProblemsError(problems_of(exc, lines, path, model)) from None


def load_text(text: str, model: type[M], path: Path | str) -> tuple[M, Lines]:
    """Parse and validate a YAML text that came from `path` (or a stored copy of it)."""
    data, lines = parse(text, path)
    return validate(data, lines, model, path), lines


def load_with_lines(path: Path, model: type[M]) -> tuple[M, Lines]:
    """Parse and validate one YAML file, and return its line map too."""
    return load_text(read(path), model, path)


def load(path: Path, model: type[M]) -> M:
    """Parse and validate one YAML file; raise ConfigError naming file and line on any problem."""
    return load_with_lines(path, model)[0]
