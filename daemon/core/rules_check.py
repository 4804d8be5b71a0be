"""Loading rules/*.yaml and the cross-checks a schema cannot see (kinds, documents, roles,
conditions, numbering), each problem named by file and line."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from daemon.core import rules_raw, skills, validated_cache, yamlfile
from daemon.core.errors import DEFAULT_KINDS, ConfigError
from daemon.core.rules import FILES, Rules
from daemon.core.rules_office import OFFICIALS, SYSTEM_ROLES, Numbering, Office
from daemon.core.rules_sop import ORIGINALS, DocumentSpec, Sop, Step
from daemon.core.yamlfile import Lines, Problem, ProblemsError


# ---- loading --------------------------------------------------------------------------------
def attach_lines(model: Any, lines: Lines, path: Path | str) -> Any:
    """Keep the line map on models that report problems by line (Sop, Office)."""
    if isinstance(model, (Sop, Office)):
        model._lines, model._file = lines, str(path)
    return model


def load_text(text: str, model: type[Any], path: Path | str) -> Any:
    return attach_lines(*yamlfile.load_text(text, model, path), path)


def load_sop_text(text: str, source: str = "sop.yaml") -> Sop:
    """A Sop from its text, e.g. a stored older revision; ConfigError naming `source` and line."""
    sop = load_text(text, Sop, source)
    problems = validate_sop(sop, None)
    if problems:
        raise ProblemsError(problems)
    return sop


def load_rules(directory: Path) -> Rules:
    """Load and validate every file in rules/; raise ConfigError naming file and line. Rules
    validated before, with the same bytes in rules/ and the same code, come from the cache."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(directory, None, "rules directory does not exist")
    name = validated_cache.key("rules", [directory])
    rules = validated_cache.load(name)
    if not isinstance(rules, Rules):
        rules = validated_rules(directory)
        validated_cache.store(name, rules)
    skills.use(rules.lexicon.skills)
    return rules


def validated_rules(directory: Path) -> Rules:
    """Every file in rules/ parsed and validated, and cross-checked; ProblemsError otherwise."""
    texts = {key: yamlfile.read(directory / fname) for key, (fname, _) in FILES.items()}
    loaded = {key: load_text(texts[key], model, directory / fname)
              for key, (fname, model) in FILES.items()}
    rules = Rules(dir=directory, sop_text=texts["sop"], **loaded)
    problems = validate_rules(rules)
    if problems:
        raise ProblemsError(problems)
    return with_office_numbering(rules)


def with_office_numbering(rules: Rules) -> Rules:
    """Transitional: office.numbering also holds every document's pattern, for engine code that
    still reads office.numbering.<sequence>; remove once it reads Rules.numbering_pattern."""
    legacy = dict(rules.office.numbering.__pydantic_extra__ or {}) if rules.office.numbering else {}
    own = {d.numbering.sequence: d.numbering.pattern for d in rules.sop.documents.values()
           if d.numbering.pattern}
    office = rules.office.model_copy(update={"numbering": Numbering(**{**legacy, **own})})
    return Rules(rules.dir, rules.sop, office, rules.places, rules.lexicon, rules.sop_text)


def check_rules(directory: Path, kinds: Collection[str] | None = DEFAULT_KINDS,
                templates: Path | None = None) -> tuple[list[Problem], list[Problem]]:
    """Every problem in rules/ (not just the first) and every warning, for `liputan check`;
    the same files, templates, kinds and code give the answer found before (from the cache)."""
    directory = Path(directory)
    if not directory.is_dir():
        return [Problem(str(directory), None, "rules directory does not exist")], []
    folders = [directory, *([Path(templates)] if templates is not None else [])]
    name = validated_cache.key("check", folders, repr(sorted(kinds) if kinds is not None else None),
                           repr(templates is not None))
    found = validated_cache.load(name)
    if isinstance(found, tuple) and len(found) == 2:
        return found
    found = checked_rules(directory, kinds, templates)
    validated_cache.store(name, found)
    return found


def checked_rules(directory: Path, kinds: Collection[str] | None,
                  templates: Path | None) -> tuple[list[Problem], list[Problem]]:
    loaded: dict[str, Any] = {}
    raw: dict[str, tuple[Any, Lines]] = {}  # the data of a file that failed its schema
    problems: list[Problem] = []
    for key, (fname, model) in FILES.items():
        try:
            data, lines = yamlfile.parse(yamlfile.read(directory / fname), directory / fname)
            loaded[key] = attach_lines(yamlfile.validate(data, lines, model, directory / fname),
                                       lines, directory / fname)
        except ProblemsError as exc:
            problems += exc.problems
            raw[key] = (data, lines)
        except ConfigError as exc:
            problems.append(Problem(exc.path, exc.line, exc.message))
    sop, office = loaded.get("sop"), loaded.get("office")
    roles = known_roles(office) if "office" not in raw else rules_raw.raw_roles(raw["office"][0])
    if sop is not None:
        problems += validate_sop(sop, kinds, roles=roles, templates=templates)
    elif "sop" in raw:  # the schema failed: still name its unknown kinds, documents and roles
        problems += rules_raw.raw_sop_problems(*raw["sop"], str(directory / "sop.yaml"), kinds, roles)
    else:
        problems.append(rules_raw.unchecked(str(directory / "sop.yaml")))
    if roles is None and sop is not None:  # office.yaml unreadable: sop.yaml's roles wait for it
        problems.append(rules_raw.unchecked(str(directory / "office.yaml"), rules_raw.NO_ROLES))
    if sop is not None and office is not None:
        problems += numbering_problems(sop, office)
    if office is not None:
        problems += office_problems(office, directory)
    warnings = classification_warnings(sop) if sop is not None else []
    if office is not None:
        warnings += numbering_warnings(office, sop) + letter_warnings(office)
    return problems, warnings


# ---- cross-checks ---------------------------------------------------------------------------
def known_roles(office: Office | None) -> set[str] | None:
    """The officials' roles in office.yaml; None when office.yaml could not be read."""
    return set(office.roles) if office is not None else None


def validate_rules(rules: Rules, kinds: Collection[str] | None = None,
                   templates: Path | None = None) -> list[Problem]:
    return (validate_sop(rules.sop, kinds, roles=known_roles(rules.office), templates=templates)
            + numbering_problems(rules.sop, rules.office))


def validate_sop(sop: Sop, kinds: Collection[str] | None = DEFAULT_KINDS, *,
                 roles: Collection[str] | None = None,
                 templates: Path | None = None) -> list[Problem]:
    """Problems a schema cannot see: unknown kinds (None: unchecked), step targets, documents,
    roles (None: unchecked) and templates (None: unchecked), each with sop.yaml's line."""
    out: list[Problem] = []
    for i, step in enumerate(sop.steps):
        out += step_problems(sop, i, step, kinds) + step_documents(sop, i, step)
        out += signer_problems(sop, i, step) + memo_problems(sop, i, step, roles)
        if roles is not None:
            out += step_roles(sop, i, step, set(roles))
    for name, doc in sop.documents.items():
        out += document_problems(sop, name, doc, roles, templates)
    if roles is not None:
        out += [at(sop, ("timing", "escalation", low), f"timing: escalation names an unknown role "
                    f"'{r}' (roles in office.yaml: {', '.join(sorted(roles))})")
                for low, high in sop.timing.escalation.items() for r in (low, high) if r not in roles]
    return sorted(out, key=lambda p: p.line or 0)


def at(sop: Sop, path: tuple, message: str) -> Problem:
    return Problem(sop._file, sop.line(*path), message)


def step_problems(sop: Sop, i: int, step: Step, kinds: Collection[str] | None) -> list[Problem]:
    out = []
    if kinds is not None and step.kind not in kinds:
        out.append(at(sop, ("steps", i, "kind"), f"step {step.number}: unknown kind "
                      f"'{step.kind}' (known: {', '.join(sorted(kinds))})"))
    numbers = {s.number for s in sop.steps}
    for decision, target in step.then.items():
        if isinstance(target, int) and target not in numbers:
            out.append(at(sop, ("steps", i, "then", decision), f"step {step.number}: '{decision}' "
                          f"leads to step {target}, which does not exist"))
    return out


def step_documents(sop: Sop, i: int, step: Step) -> list[Problem]:
    known = ", ".join(sop.documents)
    out = [at(sop, ("steps", i, "documents", j), f"step {step.number}: unknown document '{name}' "
              f"(declared under documents: {known})")
           for j, name in enumerate(step.documents) if name not in sop.documents]
    out += [at(sop, ("steps", i, "attach", j), f"step {step.number}: cannot attach '{name}' "
               f"(documents: {known}; also {', '.join(ORIGINALS)})")
            for j, name in enumerate(step.attach) if name not in sop.documents and name not in ORIGINALS]
    return out


def step_roles(sop: Sop, i: int, step: Step, roles: set[str]) -> list[Problem]:
    acting = roles | set(SYSTEM_ROLES)
    hint = f"(roles: {', '.join(sorted(roles))}, or {', '.join(SYSTEM_ROLES)})"
    out = [at(sop, ("steps", i, "actors", j), f"step {step.number}: unknown role '{r}' {hint}")
           for j, r in enumerate(step.actors) if r not in acting]
    if step.to is not None and step.to not in acting:
        out.append(at(sop, ("steps", i, "to"), f"step {step.number}: unknown role '{step.to}' {hint}"))
    out += [at(sop, ("steps", i, "signers", j, "role"), f"step {step.number}: '{s.role}' is not an "
               f"official in office.yaml (roles: {', '.join(sorted(roles))})")
            for j, s in enumerate(step.signers) if s.role not in roles]
    return out


def signer_problems(sop: Sop, i: int, step: Step) -> list[Problem]:
    """A sign step's signers agree with who initials and signs each of its documents."""
    paraf = [s.role for s in step.signers if s.action == "paraf"]
    signs = [s.role for s in step.signers if s.action == "tandatangan"]
    out = []
    for name in step.documents if step.signers else []:
        doc = sop.documents.get(name)
        if doc is not None and (doc.initials, [doc.signer] if doc.signer else []) != (paraf, signs):
            out.append(at(sop, ("steps", i, "signers"), f"step {step.number}: signers (paraf "
                          f"{paraf}, tandatangan {signs}) differ from document '{name}' "
                          f"(initials {doc.initials}, signer {doc.signer})"))
    return out


def memo_problems(sop: Sop, i: int, step: Step, roles: Collection[str] | None) -> list[Problem]:
    """A memo goes from the step's first actor to its `to`: both must be officials."""
    memos = [n for n in step.documents if n in sop.documents and sop.documents[n].builder == "memo"]
    officials = set(roles) if roles is not None else set(OFFICIALS)
    if memos and (step.to not in officials or step.actors[0] not in officials):
        return [at(sop, ("steps", i, "documents"), f"step {step.number}: memo '{memos[0]}' needs "
                   f"an official as the first actor and as 'to' (the sender and the recipient)")]
    return []


def document_problems(sop: Sop, name: str, doc: DocumentSpec, roles: Collection[str] | None,
                      templates: Path | None) -> list[Problem]:
    out = []
    for key, role in [("initials", r) for r in doc.initials] + [("signer", doc.signer)]:
        if role is not None and roles is not None and role not in roles:
            out.append(at(sop, ("documents", name, key), f"document '{name}': '{role}' is not an "
                          f"official in office.yaml (roles: {', '.join(sorted(roles))})"))
    out += classification_problems(sop, name, doc)
    if doc.numbering.taken == "signed" and doc.signer is None:
        out.append(at(sop, ("documents", name, "numbering", "taken"), f"document '{name}': "
                      "a number taken when signed needs a 'signer'"))
    if templates is not None and not (Path(templates) / doc.template).is_file():
        out.append(at(sop, ("documents", name, "template"), f"document '{name}': no template "
                      f"'{doc.template}' in {templates}"))
    elif templates is not None:
        out += [at(sop, ("documents", name, "template"), f"document '{name}': {message}")
                for message in template_problems(Path(templates) / doc.template, doc.builder)]
    return out


def classification_problems(sop: Sop, name: str, doc: DocumentSpec) -> list[Problem]:
    """The nomor agenda of the incoming register has no classification code (Tata Naskah Dinas);
    an outgoing letter's own code is checked by the schema (form, and its number starts with it)."""
    if doc.builder == "disposition_sheet" and doc.numbering.classification is not None:
        return [at(sop, ("documents", name, "numbering", "classification"), f"document '{name}': "
                   "the lembar disposisi's nomor agenda is the incoming register's count and takes "
                   "no classification code")]
    return []


def classification_warnings(sop: Sop) -> list[Problem]:
    """Outgoing letters numbered without a classification code of their own."""
    return [at(sop, ("documents", name, "numbering"), f"document '{name}' has no classification "
               "code (numbering: classification), so its number is not checked against one")
            for name, doc in sop.documents.items()
            if doc.builder != "disposition_sheet" and doc.numbering.classification is None]


# What each builder gives its template (tests/unit/test_letter_forms.py keeps these honest).
TEMPLATE_FIELDS = {
    "disposition_sheet": {"kop", "request", "letter", "number", "forward", "instructions", "catatan",
                          "dispositions", "printed_at"},
    "memo": {"kop", "request", "number", "kind", "recipient", "signer", "tembusan", "date", "sifat",
             "lampiran", "hal", "body", "closing", "schedule_rows", "team"},
    "spt": {"kop", "request", "number", "dasar", "team", "untuk", "closing", "place", "date",
            "date_long", "signer", "initials", "signed"},
}


def template_problems(path: Path, builder: str) -> list[str]:
    """A .docx template an office edited in Word: its tags parse, and it uses only the variables
    its builder gives (a misspelt or unknown one would print empty)."""
    from daemon.core import template_cache
    try:
        used, broken = template_cache.variables(path)
    except Exception as exc:  # noqa: BLE001 (not a .docx, a damaged zip: say so, keep checking)
        return [f"template {path.name} cannot be read: {exc}"]
    if broken:
        return [f"template {path.name}: {broken}"]
    unknown = sorted(set(used) - TEMPLATE_FIELDS.get(builder, set()))
    return [f"template {path.name}: unknown variable {', '.join(unknown)} (known: "
            f"{', '.join(sorted(TEMPLATE_FIELDS.get(builder, set())))})"] if unknown else []


def numbering_problems(sop: Sop, office: Office) -> list[Problem]:
    """Documents without their own pattern need one in office.yaml `numbering:` (old configs)."""
    return [at(sop, ("documents", name, "numbering"), f"document '{name}' has no numbering "
               f"pattern, and office.yaml has no numbering.{d.numbering.sequence} to fall back on")
            for name, d in sop.documents.items()
            if d.numbering.pattern is None
            and not (office.numbering and office.numbering.pattern(d.numbering.sequence))]


def office_problems(office: Office, directory: Path) -> list[Problem]:
    """The kop's lambang must be an image file in rules/."""
    lambang = office.office.lambang
    if lambang and not (Path(directory) / lambang).is_file():
        return [Problem(office._file, office.line("office", "lambang"),
                        f"office.lambang: no image '{lambang}' in {directory}")]
    return []


def letter_warnings(office: Office) -> list[Problem]:
    """What the letters will lack: a legal basis in the SPT's Dasar, the Subbagian Umum's address."""
    out = []
    if not office.legal_basis:
        out.append(Problem(office._file, None, "no 'legal_basis': the SPT's Dasar cites only the "
                           "request letter; add the Peraturan Bupati (jenis, nomor, tahun, tentang)"))
    if office.office.subbag_umum is None:
        out.append(Problem(office._file, office.line("office"), "no office.subbag_umum: the final "
                           "SPT goes to the team only, not to Subbagian Umum for signature and stamp"))
    return out


def numbering_warnings(office: Office, sop: Sop | None = None) -> list[Problem]:
    """office.yaml's old `numbering:` section, one warning per pattern that needs acting on: one
    that still numbers documents without a pattern of their own (move it to sop.yaml), and one
    nothing uses (an edit there changes no number). Without a readable sop.yaml, one warning for
    the whole section."""
    if office.numbering is None:
        return []
    where = office.line("numbering")
    if sop is None:
        return [Problem(office._file, where, "'numbering' has moved to sop.yaml (documents: <name>: "
                        "numbering: pattern); office.yaml's is used only for documents without a "
                        "pattern of their own")]
    out = []
    for sequence, pattern in (office.numbering.__pydantic_extra__ or {}).items():
        on_it = [name for name, d in sop.documents.items() if d.numbering.sequence == sequence]
        bare = [name for name in on_it if sop.documents[name].numbering.pattern is None]
        line = office.line("numbering", sequence) or where
        if bare:
            names = ", ".join(repr(n) for n in bare)
            out.append(Problem(office._file, line, f"numbering.{sequence} ({pattern}) numbers {names}: "
                               "letter numbers have moved to sop.yaml (documents: <name>: numbering: "
                               "pattern); move it there"))
        else:
            why = (f"every document on sequence '{sequence}' has its own pattern in sop.yaml" if on_it
                   else f"no document in sop.yaml is numbered on sequence '{sequence}'")
            out.append(Problem(office._file, line, (f"numbering.{sequence} ({pattern}) is not used: "
                                                    f"{why}; a change here changes no letter number (remove it)")))
    return out