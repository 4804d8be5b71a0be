"""The schema of rules/office.yaml: the officials and their acting officials, the staff, the media, the letterhead."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from daemon.core import yamlfile
from daemon.core.rules_schema import NAME, Strict, number_pattern
from daemon.core.yamlfile import Lines

OFFICIALS = ("kadis", "sekdis", "kabid", "kasi")
SYSTEM_ROLES = ("system", "staf", "team", "requester")  # who acts besides the officials in office.yaml


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
