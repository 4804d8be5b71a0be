"""Safe `when:` conditions over a request's facts: a whitelisted subset of Python expressions, never eval."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_LENGTH = 500  # characters; a condition is a line of YAML, not a program
MAX_DEPTH = 20  # nesting of and/or/not/comparisons

REQUESTER_KINDS: dict[str, str] = {
    "pimpinan": "the regent's or vice-regent's own agenda (Bupati, Wakil Bupati, Setda leadership)",
    "kecamatan": "a sub-district office (kantor camat)",
    "desa": "a village or urban-village government (desa, kelurahan)",
    "dinas": "a regency department (dinas)",
    "badan": "a regency agency (badan), e.g. Bappeda, BPBD",
    "bagian": "a section of the regional secretariat (bagian Setda), e.g. Bagian Umum",
    "dprd": "the regional parliament or its secretariat",
    "rsud": "a regional public hospital (RSUD)",
    "sekolah": "a school or other education unit",
    "vertikal": "a central-government office in the regency (police, military, ministries)",
    "lainnya": "anyone else, or the kind could not be read from the letter",
}


@dataclass(frozen=True)
class Fact:
    """One fact a condition may read: its type, whether it can be unknown, and what it means."""

    name: str
    type: type
    meaning: str
    optional: bool = False  # may be None (unknown)
    unknown_means: bool = False  # truth of a bare unknown value, e.g. `when: outside_island`
    values: tuple[str, ...] = ()  # the only values a text fact takes; empty = any text


KNOWN_FACTS: dict[str, Fact] = {f.name: f for f in (
    Fact("outside_island", bool, "the event is away from the office's home island, so the team "
         "needs an SPT; unknown when the place could not be read, and then it counts as outside "
         "(an SPT to spare rather than a trip without one)", optional=True, unknown_means=True),
    Fact("days_until_event", int, "whole calendar days from receipt of the request to the "
         "event's start (0 = same day, negative = already started); unknown without a date",
         optional=True),
    Fact("requester_kind", str, "what kind of unit asked: " + ", ".join(
         f"{k} ({v})" for k, v in REQUESTER_KINDS.items()), values=tuple(REQUESTER_KINDS)),
    Fact("kecamatan", str, "the sub-district of the event's place as named in places.yaml; "
         "unknown when the place could not be matched", optional=True),
    Fact("island", str, "the island (or mainland) of that kecamatan as named in places.yaml; "
         "unknown with the kecamatan", optional=True),
    Fact("team_size", int, "people on the planned coverage team (0 before the Kasi plans it)"),
    Fact("until_done", bool, "the letter gives no end time ('s.d. selesai')"),
    Fact("has_letter_attachment", bool, "the request mail carried the letter as a file (PDF, "
         "Word or image), not only as mail text"),
)}

COMPARE_OPS: dict[type, str] = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=",
                                ast.Gt: ">", ast.GtE: ">=", ast.In: "in", ast.NotIn: "not in"}
ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
SCALARS = (str, int, float, bool, type(None))
FORBIDDEN: dict[type, str] = {
    ast.Call: "a function call", ast.Attribute: "an attribute ('.')",
    ast.Subscript: "indexing or slicing ('[...]')", ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.FormattedValue: "an f-string",
    ast.NamedExpr: "an assignment (':=')", ast.BinOp: "arithmetic",
    ast.IfExp: "'... if ... else ...'", ast.Dict: "a dict", ast.Set: "a set",
    ast.Starred: "'*'", ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'",
}


class ConditionError(ValueError):
    """A condition that cannot be compiled; `column` is 1-based within the condition's text."""

    def __init__(self, message: str, column: int | None = None):
        self.message, self.column = message, column
        super().__init__(f"{message} (column {column})" if column else message)


@dataclass(frozen=True, eq=False)
class Condition:
    """A compiled condition: the facts it reads, and its truth for a request's facts."""

    text: str
    tree: ast.expr = field(repr=False)
    names: frozenset[str]

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        return truth(self.tree, facts)


# ---- compiling ------------------------------------------------------------------------------
def compile_condition(text: str) -> Condition:
    """Parse and whitelist a condition; raise ConditionError (message, column) for anything else."""
    if not isinstance(text, str):
        raise ConditionError(f"a condition is text, not {type(text).__name__}")
    return _compile(text)


@lru_cache(maxsize=512)
def _compile(text: str) -> Condition:
    source = text.strip()
    lead = len(text) - len(text.lstrip())
    if not source:
        raise ConditionError("the condition is empty")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"the condition is longer than {MAX_LENGTH} characters")
    if any(not c.isprintable() and c not in "\n\t" for c in source):
        raise ConditionError("the condition contains control characters")
    tree = parse(source, lead)
    boolean(tree, 0, lead)
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return Condition(text=source, tree=tree, names=names)


def parse(source: str, lead: int) -> ast.expr:
    try:
        return ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        column = max(exc.offset, 1) + lead if exc.offset is not None and exc.lineno == 1 else None
        raise ConditionError(f"not a valid condition: {exc.msg}", column) from None
    except (ValueError, RecursionError, MemoryError):
        raise ConditionError("not a valid condition") from None


def column(node: ast.AST, lead: int) -> int | None:
    offset = getattr(node, "col_offset", None)
    return offset + 1 + lead if offset is not None else None


def refuse(node: ast.AST, lead: int, what: str | None = None) -> ConditionError:
    what = what or FORBIDDEN.get(type(node), f"'{type(node).__name__}'")
    return ConditionError(f"{what} is not allowed in a condition; use facts, values, "
                          "comparisons, and/or/not", column(node, lead))


def boolean(node: ast.expr, depth: int, lead: int) -> None:
    """A node in a true/false position: and/or, not, a comparison, a fact or True/False."""
    if depth > MAX_DEPTH:
        raise ConditionError(f"the condition is nested deeper than {MAX_DEPTH} levels",
                             column(node, lead))
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            boolean(value, depth + 1, lead)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        boolean(node.operand, depth + 1, lead)
    elif isinstance(node, ast.Compare):
        comparison(node, lead)
    elif isinstance(node, ast.Name):
        name(node, lead)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return
    elif isinstance(node, ast.Constant):
        raise refuse(node, lead, f"the value {node.value!r} on its own")
    elif isinstance(node, (ast.List, ast.Tuple)):
        raise refuse(node, lead, "a list outside 'in' / 'not in'")
    else:
        raise refuse(node, lead)


def name(node: ast.Name, lead: int) -> None:
    if node.id.startswith("_"):
        raise refuse(node, lead, f"the name '{node.id}'")


def comparison(node: ast.Compare, lead: int) -> None:
    operand(node.left, lead)
    for op, right in zip(node.ops, node.comparators):
        if isinstance(op, (ast.Is, ast.IsNot)):
            raise ConditionError("'is' is not allowed in a condition; write '== None' or "
                                 "'!= None'", column(right, lead))
        if isinstance(op, (ast.In, ast.NotIn)):
            values(right, lead)
        else:
            operand(right, lead)


def operand(node: ast.expr, lead: int) -> None:
    """One side of a comparison: a fact, a value or a negative number."""
    if isinstance(node, ast.Name):
        return name(node, lead)
    if constant(node):
        return
    if isinstance(node, (ast.List, ast.Tuple)):
        raise refuse(node, lead, "a list outside 'in' / 'not in'")
    if isinstance(node, (ast.Compare, ast.BoolOp, ast.UnaryOp)):
        raise refuse(node, lead, "comparing a comparison (add 'and' between the parts)")
    raise refuse(node, lead)


def values(node: ast.expr, lead: int) -> None:
    """The right of 'in': a list or tuple of values."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        raise refuse(node, lead, "'in' with anything but a list of values ([...])")
    for item in node.elts:
        if not constant(item):
            raise refuse(item, lead, "anything but plain values inside a list")


def constant(node: ast.expr) -> bool:
    """A scalar value, or a negative number."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return (isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float))
    return isinstance(node, ast.Constant) and type(node.value) in SCALARS


# ---- evaluating -----------------------------------------------------------------------------
def truth(node: ast.expr, facts: Mapping[str, Any]) -> bool:
    if isinstance(node, ast.BoolOp):
        test = all if isinstance(node.op, ast.And) else any
        return test(truth(v, facts) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return not truth(node.operand, facts)
    if isinstance(node, ast.Compare):
        return compare(node, facts)
    if isinstance(node, ast.Name):
        return bare(node.id, facts)
    return bool(node.value)  # type: ignore[attr-defined]


def bare(fact: str, facts: Mapping[str, Any]) -> bool:
    """A fact on its own; unknown counts as its `unknown_means` (False for facts not declared)."""
    value = facts.get(fact)
    if value is None:
        known = KNOWN_FACTS.get(fact)
        return bool(known and known.unknown_means)
    return bool(value)


def value(node: ast.expr, facts: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return facts.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(value(e, facts) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        number = node.operand.value  # type: ignore[attr-defined]
        return -number if isinstance(node.op, ast.USub) else number
    return node.value  # type: ignore[attr-defined]


def compare(node: ast.Compare, facts: Mapping[str, Any]) -> bool:
    left_node, left = node.left, value(node.left, facts)
    for op, right_node in zip(node.ops, node.comparators):
        right = value(right_node, facts)
        if not pair(op, left_node, left, right_node, right):
            return False
        left_node, left = right_node, right
    return True


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def pair(op: ast.cmpop, left_node: ast.expr, left: Any, right_node: ast.expr, right: Any) -> bool:
    """One comparison; an unknown (None) side makes it False, except against a literal None."""
    if isinstance(op, (ast.Eq, ast.NotEq)) and (is_none(left_node) or is_none(right_node)):
        return (left is right) if isinstance(op, ast.Eq) else (left is not right)
    if left is None or right is None:
        return False
    try:
        return bool(OPERATIONS[type(op)](left, right))
    except TypeError:  # a text fact against a number: never true
        return False


OPERATIONS = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


# ---- checking names and types ---------------------------------------------------------------
def check_condition(text: str) -> list[str]:
    """Every problem of a condition: syntax, unknown facts, and comparisons of the wrong types."""
    try:
        cond = compile_condition(text)
    except ConditionError as exc:
        return [str(exc)]
    unknown = [unknown_fact(n) for n in sorted(cond.names) if n not in KNOWN_FACTS]
    return unknown + types_in(cond.tree)


def unknown_fact(fact: str) -> str:
    close = difflib.get_close_matches(fact, KNOWN_FACTS, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(KNOWN_FACTS)
    return f"unknown fact '{fact}' ({hint})"


def types_in(node: ast.expr) -> list[str]:
    """Type problems of a compiled tree in true/false position."""
    if isinstance(node, ast.BoolOp):
        return [p for v in node.values for p in types_in(v)]
    if isinstance(node, ast.UnaryOp):
        return types_in(node.operand)
    if isinstance(node, ast.Compare):
        return compare_types(node)
    if isinstance(node, ast.Name) and node.id in KNOWN_FACTS:
        fact = KNOWN_FACTS[node.id]
        if fact.type is not bool:
            return [(f"'{fact.name}' is {kind_name(fact.type)}, not true/false; compare it "
                     f"(e.g. '{fact.name} == ...') (column {node.col_offset + 1})")]
    return []


def compare_types(node: ast.Compare) -> list[str]:
    out: list[str] = []
    left = node.left
    for op, right in zip(node.ops, node.comparators):
        out += pair_types(op, left, right)
        left = right
    return out


def pair_types(op: ast.cmpop, left: ast.expr, right: ast.expr) -> list[str]:
    where = f"(column {left.col_offset + 1})"
    symbol = COMPARE_OPS[type(op)]
    if isinstance(op, (ast.In, ast.NotIn)):
        return [p for item in right.elts for p in pair_types(ast.Eq(), left, item)]  # type: ignore[attr-defined]
    lt, rt = operand_type(left), operand_type(right)
    if lt is None or rt is None:
        return []  # an unknown fact, reported once already
    if isinstance(op, ORDER_OPS) and not (numeric(lt) and numeric(rt)):
        return [(f"'{symbol}' needs numbers on both sides, not {kind_name(lt)} and "
                 f"{kind_name(rt)} {where}")]
    return mismatch(left, lt, right, rt, where)


def mismatch(left: ast.expr, lt: type, right: ast.expr, rt: type, where: str) -> list[str]:
    if type(None) in (lt, rt):
        return none_check(left if rt is type(None) else right, where)
    if not (lt is rt or (numeric(lt) and numeric(rt))):
        return [f"compares {kind_name(lt)} with {kind_name(rt)}, which is never equal {where}"]
    return enum_check(left, right, where) + enum_check(right, left, where)


def none_check(side: ast.expr, where: str) -> list[str]:
    fact = KNOWN_FACTS.get(side.id) if isinstance(side, ast.Name) else None
    if fact is not None and not fact.optional:
        return [f"'{fact.name}' is always known, so comparing it with None is pointless {where}"]
    return []


def enum_check(side: ast.expr, other: ast.expr, where: str) -> list[str]:
    fact = KNOWN_FACTS.get(side.id) if isinstance(side, ast.Name) else None
    if fact and fact.values and isinstance(other, ast.Constant) and other.value not in fact.values:
        return [f"'{fact.name}' is never {other.value!r} (values: {', '.join(fact.values)}) {where}"]
    return []


def operand_type(node: ast.expr) -> type | None:
    if isinstance(node, ast.Name):
        fact = KNOWN_FACTS.get(node.id)
        return fact.type if fact else None
    if isinstance(node, ast.UnaryOp):
        return type(node.operand.value)  # type: ignore[attr-defined]
    return type(node.value)  # type: ignore[attr-defined]


def numeric(t: type) -> bool:
    return t in (int, float)


def kind_name(t: type) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "text",
            type(None): "None"}.get(t, t.__name__)
