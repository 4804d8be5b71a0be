"""The base of the rules' schemas: strict frozen models built on first use, and the checks they share."""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel, ConfigDict

NUMBER_FIELDS = ("seq", "year", "month", "roman_month")
NAME = r"^[a-z][a-z0-9_]*$"


def number_pattern(v: Any) -> str:
    """A letter-number pattern using only {seq} (required), {year}, {month}, {roman_month}."""
    if not isinstance(v, str):
        raise ValueError(f"a numbering pattern is text, not {v!r}")  # noqa: TRY004 (pydantic wants it)
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(v) if f is not None]
    except ValueError as exc:
        raise ValueError(f"numbering pattern {v!r}: {exc}") from None
    unknown = [f for f in fields if f not in NUMBER_FIELDS]
    if unknown or "seq" not in fields:
        raise ValueError(f"numbering pattern {v!r} must contain {{seq}} and only the fields "
                         f"{', '.join('{' + f + '}' for f in NUMBER_FIELDS)}")
    return v


class Strict(BaseModel):
    # schemas are built on first validation: rules found in the validated cache need none
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
