"""The office's rules as data: typed schemas for rules/*.yaml, loaded and cross-checked at start-up."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from daemon.core import yamlfile
from daemon.core.conditions import check_condition, compile_condition
from daemon.core.errors import DEFAULT_KINDS  # noqa: F401 (imported from here too)
from daemon.core.yamlfile import Lines

OFFICIALS = ("kadis", "sekdis", "kabid", "kasi")
SYSTEM_ROLES = ("system", "staf", "team", "requester")  # who acts besides the officials in office.yaml
ENDINGS = ("rejected", "cancelled", "done", "back")
ORIGINALS = ("surat", "undangan_kalender")  # attachable without a document: the letter, the .ics
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


# ---- sop.yaml -------------------------------------------------------------------------------
class Signer(Strict):
    role: str
    action: Literal["paraf", "tandatangan"]


class Step(Strict):
    number: int = Field(ge=1)
    name: str
    actors: list[str] = Field(min_length=1)
    kind: str = Field(description="a step kind the sop layer registers; checked by validate_sop")
    mode: Literal["auto", "reply", "external"]
    minutes: int | None = Field(description="time standard; null means 'menyesuaikan' (as needed)")
    inputs: list[str]
    output: str
    when: str | None = Field(None, description="a condition over the request's facts (core.conditions)")
    to: str | None = None
    instruction: str = ""
    documents: list[str] = []
    attach: list[str] = []
    signers: list[Signer] = []
    # publishing steps: the channels the step publishes to (website, facebook, social, press,
    # archive); a channel the config leaves out is skipped and the history says so
    channels: list[Literal["website", "facebook", "social", "press", "archive"]] = []
    then: dict[Literal["approve", "reject", "revise", "done"], int | Literal[
        "rejected", "cancelled", "done", "back"]]

    @field_validator("when")
    @classmethod
    def _condition(cls, v: str | None) -> str | None:
        if v is None:
            return v
        problems = check_condition(v)
        if problems:
            raise ValueError(f"condition {v!r}: " + "; ".join(problems))
        return v.strip()

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        if self.mode == "reply" and not {"approve", "reject"} <= set(self.then):
            raise ValueError("a step that waits for a reply needs 'approve' and 'reject' in 'then'")
        if self.mode != "reply" and "done" not in self.then:
            raise ValueError(f"a step in mode '{self.mode}' needs 'done' in 'then'")
        if self.kind == "sign" and not self.signers:
            raise ValueError("a 'sign' step needs 'signers'")
        return self

    def applies(self, facts: Mapping[str, Any]) -> bool:
        """True when the step has no condition or its condition holds for these facts."""
        return self.when is None or compile_condition(self.when).evaluate(facts)


# A classification code of Permendagri 83/2022: the main class (000 Umum ... 900 Keuangan), then
# its sub-classes, e.g. 000.1.2.3 or 800.1.11.1.
CLASSIFICATION = re.compile(r"[0-9]00(?:\.[0-9]{1,3}){0,4}")


class NumberingSpec(Strict):
    sequence: str = Field(pattern=NAME)
    pattern: str | None = Field(None, description="None: office.yaml numbering.<sequence> (old configs)")
    classification: str | None = Field(None, description="the Tata Naskah Dinas classification code")
    taken: Literal["drafted", "signed"] = "drafted"

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | None) -> str | None:
        return v if v is None else number_pattern(v)

    @field_validator("classification")
    @classmethod
    def _classified(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and not CLASSIFICATION.fullmatch(v):
            raise ValueError(f"classification {v!r} is not a Permendagri 83/2022 code: a main class "
                             "000, 100, ... 900, then up to four sub-codes, e.g. '800.1.11.1'")
        pattern = info.data.get("pattern")
        if v is not None and pattern and not pattern.startswith(v + "/"):
            raise ValueError(f"pattern {pattern!r} does not start with the classification {v!r} "
                             "followed by '/'")
        return v


class DocumentSpec(Strict):
    title: str
    template: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.docx$", description="file in templates/letters/")
    builder: Literal["disposition_sheet", "memo", "spt"]
    variant: Literal["team", "spt"] | None = Field(None, description="which memo: the builder's wording")
    file_stem: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
    numbering: NumberingSpec
    initials: list[str] = []
    signer: str | None = None

    @model_validator(mode="after")
    def _variant(self) -> DocumentSpec:
        if (self.builder == "memo") != (self.variant is not None):
            raise ValueError("a 'memo' document needs 'variant' (team or spt); other builders take none")
        return self


def default_documents() -> dict[str, DocumentSpec]:
    """The four documents of sop.yaml files written before `documents:` existed (numbered by office.yaml)."""
    def doc(title, template, builder, stem, sequence, variant=None, **roles):
        return DocumentSpec(title=title, template=template, builder=builder, variant=variant,
                            file_stem=stem, numbering=NumberingSpec(sequence=sequence), **roles)
    return {
        "lembar_disposisi": doc("Lembar Disposisi", "lembar_disposisi.docx", "disposition_sheet",
                                "Lembar-Disposisi", "disposisi"),
        "nota_dinas_tim": doc("Nota Dinas Jadwal dan Petugas Peliputan", "nota_dinas.docx", "memo",
                              "Nota-Dinas-Tim-Peliputan", "nota_dinas", "team"),
        "nota_dinas_spt": doc("Nota Dinas Pengajuan Surat Perintah Tugas", "nota_dinas.docx", "memo",
                              "Nota-Dinas-Pengajuan-SPT", "nota_dinas", "spt"),
        "spt": doc("Surat Perintah Tugas", "spt.docx", "spt", "SPT", "spt",
                   initials=["kabid", "sekdis"], signer="kadis"),
    }


class Timing(Strict):
    """How the SOP's time standards are kept (`timing:` in sop.yaml); all in working time
    unless the event is near."""

    near_event_hours: int = Field(24, ge=0, description="an event this close runs on the wall clock")
    remind_every_minutes: int = Field(60, ge=1, description="working minutes between reminders")
    escalate_after_reminders: int = Field(2, ge=1, description="then the next official up is told")
    warn_before_event_hours: int = Field(24, ge=0, description="approvals still open: warn everyone")
    escalation: dict[str, str] = {"kasi": "kabid", "kabid": "kadis", "sekdis": "kadis"}


class Sop(Strict):
    name: str
    revision: str
    steps: list[Step] = Field(min_length=1)
    timing: Timing = Field(default_factory=Timing)
    documents: dict[str, DocumentSpec] = Field(default_factory=default_documents)
    _lines: Lines = PrivateAttr(default_factory=dict)
    _file: str = PrivateAttr("sop.yaml")

    @field_validator("documents")
    @classmethod
    def _names(cls, v: dict[str, DocumentSpec]) -> dict[str, DocumentSpec]:
        bad = [n for n in v if not re.fullmatch(NAME, n) or n in ORIGINALS]
        if bad:
            raise ValueError(f"document names must be lower_case words and not {' or '.join(ORIGINALS)}:"
                             f" {', '.join(bad)}")
        return v

    @model_validator(mode="after")
    def _numbers(self) -> Sop:
        numbers = [s.number for s in self.steps]
        if numbers != sorted(set(numbers)):
            raise ValueError("step numbers must be unique and in increasing order")
        return self

    def step(self, number: int) -> Step:
        return next(s for s in self.steps if s.number == number)

    def next_number(self, number: int) -> int | None:
        later = [s.number for s in self.steps if s.number > number]
        return later[0] if later else None

    def document(self, name: str) -> DocumentSpec:
        """A declared document; KeyError naming the known ones otherwise."""
        if name not in self.documents:
            raise KeyError(f"no document '{name}' in sop.yaml (known: {', '.join(self.documents)})")
        return self.documents[name]

    def line(self, *path: str | int) -> int | None:
        """The line in sop.yaml of a key path such as ("steps", 6, "kind"), when loaded from a file."""
        return yamlfile.line_of(self._lines, path) if self._lines else None


# ---- office.yaml ----------------------------------------------------------------------------
class Person(Strict):
    name: str
    nip: str
    pangkat: str
    jabatan: str
    email: EmailStr
    salutation: Literal["Bapak", "Ibu"] | None = None  # how a letter addresses them; None: "Bapak/Ibu"

    @field_validator("nip")
    @classmethod
    def _nip(cls, v: str) -> str:
        if len(v.replace(" ", "")) != 18 or not v.replace(" ", "").isdigit():
            raise ValueError("a NIP has 18 digits, e.g. '19680411 199303 1 009'")
        return v

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class Acting(Person):
    title: Literal["Plt.", "Plh."]
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _range(self) -> Acting:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class Official(Person):
    acting: list[Acting] = []


class StaffMember(Person):
    skills: list[Literal["berita", "foto", "video"]] = Field(min_length=1)


class MediaContact(Strict):
    name: str
    outlet: str
    email: EmailStr


class Letterhead(Strict):
    government: str
    name: str
    short: str
    address: str
    phone: str
    email: EmailStr
    website: str
    city: str
    # Subbagian Umum: receives the final numbered SPT for the wet signature and the stamp (issue 10)
    subbag_umum: EmailStr | None = None
    subbag_umum_name: str = "Subbagian Umum dan Kepegawaian"
    lambang: str | None = Field(None, description="the kop's lambang: an image file in rules/")


class LegalBasis(Strict):
    """A regulation an SPT cites in its Dasar: "Peraturan Bupati Bengkalis Nomor 1 Tahun 2024 tentang ..."."""

    jenis: str = Field(min_length=3, description="e.g. 'Peraturan Bupati Bengkalis'")
    nomor: str = Field(min_length=1)
    tahun: int = Field(ge=1945, le=2100)
    tentang: str = Field(min_length=3)

    def cited(self) -> str:
        return f"{self.jenis} Nomor {self.nomor} Tahun {self.tahun} tentang {self.tentang}"


class Numbering(BaseModel):
    """Old home of the letter numbers (sequence name -> pattern); moved to sop.yaml `documents:`."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _patterns(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            raise ValueError("'numbering' maps a sequence name to a pattern")  # noqa: TRY004
        return {str(k): number_pattern(p) for k, p in v.items()}

    def pattern(self, sequence: str) -> str | None:
        return (self.__pydantic_extra__ or {}).get(sequence)


class TeamRules(Strict):
    default_skills: list[Literal["berita", "foto", "video"]]
    max_size: int = Field(ge=1, le=10)
    prepare_minutes: int = Field(ge=0)


class Office(Strict):
    office: Letterhead
    roles: dict[str, Official]
    staff: list[StaffMember] = Field(min_length=1)
    media: list[MediaContact] = []
    numbering: Numbering | None = None
    team: TeamRules
    legal_basis: list[LegalBasis] = []  # the SPT's Dasar, before the request letter; [] in old files
    spt_budget: str | None = None  # the budget line an off-island SPT charges ("DPA ... Tahun Anggaran 2026")
    _lines: Lines = PrivateAttr(default_factory=dict)
    _file: str = PrivateAttr("office.yaml")

    @field_validator("roles")
    @classmethod
    def _role_names(cls, v: dict[str, Official]) -> dict[str, Official]:
        missing = [r for r in OFFICIALS if r not in v]
        if missing:
            raise ValueError(f"roles missing: {', '.join(missing)}")
        bad = [r for r in v if not re.fullmatch(NAME, r) or r in SYSTEM_ROLES]
        if bad:
            raise ValueError(f"role names must be lower_case words other than "
                             f"{', '.join(SYSTEM_ROLES)}: {', '.join(bad)}")
        return v

    def line(self, *path: str | int) -> int | None:
        return yamlfile.line_of(self._lines, path) if self._lines else None

    def holder(self, role: str, on: date) -> tuple[Person, str | None]:
        """Who acts in `role` on a date: the official, or their acting official with the title."""
        official = self.roles[role]  # type: ignore[index]
        for a in official.acting:
            if a.from_ <= on <= a.to:
                return a, a.title
        return official, None


# ---- places.yaml ----------------------------------------------------------------------------
class Kecamatan(Strict):
    name: str
    island: str
    travel_minutes: int = Field(ge=0)
    aliases: list[str] = []
    places: list[str] = []


class PlacesFile(Strict):
    home_island: str
    islands: list[str]
    kecamatan: list[Kecamatan]

    @model_validator(mode="after")
    def _islands(self) -> PlacesFile:
        for k in self.kecamatan:
            if k.island not in self.islands:
                raise ValueError(f"kecamatan {k.name}: island '{k.island}' is not in 'islands'")
        if self.home_island not in self.islands:
            raise ValueError("home_island is not in 'islands'")
        return self


# ---- lexicon.yaml ---------------------------------------------------------------------------
class SkillWords(Strict):
    task: str = Field(min_length=1, description="the task name letters and mails print")
    words: list[str] = Field(min_length=1, description="what people write for it")


class Lexicon(Strict):
    approve: list[str] = Field(min_length=1)
    reject: list[str] = Field(min_length=1)
    revise: list[str] = Field(min_length=1)
    negations: list[str] = []
    but: list[str] = []
    # Added by issue 8; None (an older lexicon) means the built-in lists in daemon/core/lexicon.py.
    particles: list[str] | None = None
    hedges: list[str] | None = None
    questions: list[str] | None = None
    conditions: list[str] | None = None
    receipts: list[str] | None = None  # subject prefixes of read receipts
    remainder: list[str] | None = None  # "selebihnya": approve what the other lines left
    unknowns: list[str] | None = None  # "akan diinformasikan kemudian": a fact not known yet
    # the skill glossary (issue 10): None (an older lexicon) means daemon/core/skills.py DEFAULT
    skills: dict[Literal["berita", "foto", "video"], SkillWords] | None = None

    @field_validator("skills")
    @classmethod
    def _one_skill_per_word(cls, v: dict[str, SkillWords] | None) -> dict[str, SkillWords] | None:
        seen: dict[str, str] = {}
        for key, entry in (v or {}).items():
            for word in [key, *entry.words]:
                w = " ".join(str(word).lower().split())
                if seen.setdefault(w, key) != key:
                    raise ValueError(f"'{word}' names two skills: {seen[w]} and {key}")
        return v
    # Word lists the readers kept as regular expressions in code (daemon/core/lexicon.py PATTERN_DEFAULTS)
    cancel: list[str] | None = None  # a letter that cancels its event
    signatures: list[str] | None = None  # how phone and app signatures begin
    closings: list[str] | None = None  # closing lines above a signature
    attribution_verbs: list[str] | None = None  # "menulis", "wrote", "schrieb" in attribution lines
    separators: list[str] | None = None  # "Pesan Asli" between the dashes of a separator line
    auto_subjects: list[str] | None = None  # subjects of autoresponders
    auto_bodies: list[str] | None = None  # phrases of out-of-office notes without an automatic header
    attribution_leads: list[str] | None = None  # "Pada", "On", "Am" opening an attribution line
    header_labels: list[str] | None = None  # "Dari:", "Dikirim:", "Von:" in a quoted header block
    from_labels: list[str] | None = None  # the sender's label opening such a block
    strong_decisions: list[str] | None = None  # words that mark a person's answer, not a leave note
    delegate: list[str] | None = None  # handing the step to the acting official
    name_titles: list[str] | None = None  # "drs", "msi": titles around a signing name (no dots)
    position_words: list[str] | None = None  # "kepala", "plt": words opening a signature's title line


@dataclass(frozen=True)
class Rules:
    dir: Path
    sop: Sop
    office: Office
    places: PlacesFile
    lexicon: Lexicon
    sop_text: str = ""

    @cached_property
    def sop_revision(self) -> str:
        """The hash a request stores to keep the SOP revision it started under."""
        return sop_revision_hash(self.sop_text)

    def numbering_pattern(self, document: str) -> str:
        """A document's number pattern: its own, else office.yaml's for its sequence (old configs)."""
        spec = self.sop.document(document).numbering
        legacy = self.office.numbering.pattern(spec.sequence) if self.office.numbering else None
        pattern = spec.pattern or legacy
        if pattern is None:
            raise KeyError(f"document '{document}' has no numbering pattern")
        return pattern


FILES = {"sop": ("sop.yaml", Sop), "office": ("office.yaml", Office),
         "places": ("places.yaml", PlacesFile), "lexicon": ("lexicon.yaml", Lexicon)}


def sop_revision_hash(source: Path | str | bytes) -> str:
    """sha256 (16 hex digits) of sop.yaml's bytes: a Path is read, str/bytes are the content."""
    if isinstance(source, Path):
        data = source.read_bytes()
    else:
        data = source.encode("utf-8") if isinstance(source, str) else bytes(source)
    return hashlib.sha256(data).hexdigest()[:16]
