""""did you mean …?": the allowed key nearest to a misspelled one, read from the pydantic model."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

# the time zone an office may write by its Indonesian label ([office] timezone = "WIB")
ZONE_OF_LABEL = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _members(tp: Any) -> list[Any]:
    """The types a value of `tp` may be: Optional/Union/Annotated unwrapped."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    """A model's keys as written in the file (a field's alias when it has one) and their types."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _step(tp: Any, part: Any) -> Any:
    """The type one location part further down, or None when it cannot be followed."""
    for member in _members(tp):
        origin = typing.get_origin(member)
        if _is_model(member):
            keys = _keys(member)
            if part in keys:
                return keys[part]
            if part == member.__name__:  # a union member named by pydantic in the location
                return member
        elif origin in (list, tuple, set, frozenset) and isinstance(part, int):
            return typing.get_args(member)[0] if typing.get_args(member) else None
        elif origin is dict and typing.get_args(member):
            return typing.get_args(member)[1]
    return None


def allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed where `loc` (a pydantic error location) ends; [] when unknown."""
    tp: Any = model
    for part in loc[:-1]:
        tp = _step(tp, part)
        if tp is None:
            return []
    return sorted({k for m in _members(tp) if _is_model(m) for k in _keys(m)})


def did_you_mean(model: type[BaseModel] | None, loc: tuple) -> str:
    """" (did you mean 'minutes'?)" for a misspelled key; "" when nothing is near enough."""
    if model is None or not loc:
        return ""
    near = difflib.get_close_matches(str(loc[-1]), allowed_keys(model, tuple(loc)), n=1, cutoff=0.6)
    return f" (did you mean '{near[0]}'?)" if near else ""
