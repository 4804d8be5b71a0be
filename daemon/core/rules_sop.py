"""The schema of rules/sop.yaml: the steps, the documents with their numbering, and how time standards are kept."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from daemon.core import yamlfile
from daemon.core.conditions import check_condition, compile_condition
from daemon.core.rules_schema import NAME, Strict, number_pattern
from daemon.core.yamlfile import Lines

ORIGINALS = ("surat", "undangan_kalender")  # attachable without a document: the letter, the .ics


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
