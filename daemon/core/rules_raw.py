"""The rule errors of a rules file that fails its schema (unknown kinds, documents, roles, step
targets), read from its raw data so `liputan check` names them in the same run."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from daemon.core.problems import Problem, Unchecked
from daemon.core.rules_office import SYSTEM_ROLES
from daemon.core.rules_sop import ORIGINALS, default_documents
from daemon.core.yamlfile import Lines, line_of

UNCHECKED = ("its steps' kinds, documents, roles and conditions are not checked until the "
             "file can be read")


NO_ROLES = "the roles sop.yaml names are not checked until this file can be read"


def unchecked(path: str, message: str = UNCHECKED) -> Unchecked:
    return Unchecked(path, None, message)


def raw_roles(data: Any) -> set[str] | None:
    """The officials' roles of an office.yaml that fails its schema; None when not a mapping."""
    roles = data.get("roles") if isinstance(data, dict) else None
    return {r for r in roles if isinstance(r, str)} if isinstance(roles, dict) else None


def words(value: Any) -> list[tuple[int, str]]:
    """The text items of a YAML list, with their index (other items are the schema's to name)."""
    return [(j, v) for j, v in enumerate(value) if isinstance(v, str)] if isinstance(value, list) else []


def raw_sop_problems(data: Any, lines: Lines, path: str, kinds: Collection[str] | None,
                     roles: Collection[str] | None) -> list[Problem]:
    """What the cross-checks would name in a sop.yaml whose schema failed, as far as it reads."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return [unchecked(path)]
    steps = [(i, s) for i, s in enumerate(data["steps"]) if isinstance(s, dict)]
    docs = data.get("documents", None)
    documents = set(docs) if isinstance(docs, dict) else set(default_documents()) if docs is None else None
    numbers = {s.get("number") for _, s in steps}

    def at(where: tuple, message: str) -> Problem:
        return Problem(path, line_of(lines, where), message)

    out: list[Problem] = []
    for i, step in steps:
        n = step.get("number", i + 1)
        kind = step.get("kind")
        if kinds is not None and isinstance(kind, str) and kind not in kinds:
            out.append(at(("steps", i, "kind"), f"step {n}: unknown kind '{kind}' "
                          f"(known: {', '.join(sorted(kinds))})"))
        then = step.get("then") if isinstance(step.get("then"), dict) else {}
        out += [at(("steps", i, "then", d), f"step {n}: '{d}' leads to step {t}, which does not exist")
                for d, t in then.items() if isinstance(t, int) and not isinstance(t, bool) and t not in numbers]
        if documents is not None:
            known = ", ".join(sorted(documents))
            out += [at(("steps", i, "documents", j), f"step {n}: unknown document '{d}' "
                       f"(declared under documents: {known})")
                    for j, d in words(step.get("documents")) if d not in documents]
            out += [at(("steps", i, "attach", j), f"step {n}: cannot attach '{d}' (documents: "
                       f"{known}; also {', '.join(ORIGINALS)})")
                    for j, d in words(step.get("attach")) if d not in documents and d not in ORIGINALS]
        if roles is not None:
            out += step_roles(step, i, n, set(roles), at)
    if roles is not None and isinstance(docs, dict):
        out += document_roles(docs, set(roles), at)
    return sorted(out, key=lambda p: p.line or 0)


def step_roles(step: dict, i: int, n: Any, roles: set[str], at) -> list[Problem]:
    acting = roles | set(SYSTEM_ROLES)
    hint = f"(roles: {', '.join(sorted(roles))}, or {', '.join(SYSTEM_ROLES)})"
    out = [at(("steps", i, "actors", j), f"step {n}: unknown role '{r}' {hint}")
           for j, r in words(step.get("actors")) if r not in acting]
    to = step.get("to")
    if isinstance(to, str) and to not in acting:
        out.append(at(("steps", i, "to"), f"step {n}: unknown role '{to}' {hint}"))
    signers = step.get("signers") if isinstance(step.get("signers"), list) else []
    out += [at(("steps", i, "signers", j, "role"), f"step {n}: '{s['role']}' is not an official "
               f"in office.yaml (roles: {', '.join(sorted(roles))})")
            for j, s in enumerate(signers)
            if isinstance(s, dict) and isinstance(s.get("role"), str) and s["role"] not in roles]
    return out


def document_roles(docs: dict, roles: set[str], at) -> list[Problem]:
    out = []
    for name, doc in docs.items():
        if not isinstance(doc, dict):
            continue
        named = [("initials", r) for _, r in words(doc.get("initials"))]
        named += [("signer", doc["signer"])] if isinstance(doc.get("signer"), str) else []
        out += [at(("documents", name, key), f"document '{name}': '{role}' is not an official in "
                   f"office.yaml (roles: {', '.join(sorted(roles))})")
                for key, role in named if role not in roles]
    return out
