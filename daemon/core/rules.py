"""The office's rules as data: typed schemas for rules/*.yaml, loaded and cross-checked at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from daemon.core import yamlfile
from daemon.core.errors import ConfigError

Role = Literal["staf", "kasi", "kabid", "sekdis", "kadis", "system", "requester", "team"]
OFFICIALS = ("kadis", "sekdis", "kabid", "kasi")
ENDINGS = ("rejected", "cancelled", "done", "back")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- sop.yaml -------------------------------------------------------------------------------
class Signer(Strict):
    role: Literal["kasi", "kabid", "sekdis", "kadis"]
    action: Literal["paraf", "tandatangan"]


class Step(Strict):
    number: int = Field(ge=1)
    name: str
    actors: list[Role] = Field(min_length=1)
    kind: Literal["intake", "disposition", "plan", "memo", "draft", "sign", "coverage", "report",
                  "publish", "archive"]
    mode: Literal["auto", "reply", "external"]
    minutes: int | None = Field(description="time standard; null means 'menyesuaikan' (as needed)")
    inputs: list[str]
    output: str
    when: Literal["outside_island"] | None = None
    to: Literal["kasi", "kabid", "sekdis", "kadis", "team"] | None = None
    instruction: str = ""
    documents: list[Literal["lembar_disposisi", "nota_dinas_tim", "nota_dinas_spt", "spt"]] = []
    attach: list[Literal["surat", "lembar_disposisi", "nota_dinas_tim", "nota_dinas_spt", "spt",
                         "undangan_kalender"]] = []
    signers: list[Signer] = []
    then: dict[Literal["approve", "reject", "revise", "done"], int | Literal[
        "rejected", "cancelled", "done", "back"]]

    @model_validator(mode="after")
    def _consistent(self) -> "Step":
        if self.mode == "reply" and not {"approve", "reject"} <= set(self.then):
            raise ValueError("a step that waits for a reply needs 'approve' and 'reject' in 'on'")
        if self.mode != "reply" and "done" not in self.then:
            raise ValueError(f"a step in mode '{self.mode}' needs 'done' in 'on'")
        if self.kind == "sign" and not self.signers:
            raise ValueError("a 'sign' step needs 'signers'")
        return self


class Sop(Strict):
    name: str
    revision: str
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _targets_exist(self) -> "Sop":
        numbers = [s.number for s in self.steps]
        if numbers != sorted(set(numbers)):
            raise ValueError("step numbers must be unique and in increasing order")
        for s in self.steps:
            for decision, target in s.then.items():
                if isinstance(target, int) and target not in numbers:
                    raise ValueError(f"step {s.number}: '{decision}' leads to step {target}, "
                                     "which does not exist")
        return self

    def step(self, number: int) -> Step:
        return next(s for s in self.steps if s.number == number)

    def next_number(self, number: int) -> int | None:
        later = [s.number for s in self.steps if s.number > number]
        return later[0] if later else None


# ---- office.yaml ----------------------------------------------------------------------------
class Person(Strict):
    name: str
    nip: str
    pangkat: str
    jabatan: str
    email: EmailStr

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
    def _range(self) -> "Acting":
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


class Numbering(Strict):
    disposisi: str
    nota_dinas: str
    spt: str


class TeamRules(Strict):
    default_skills: list[Literal["berita", "foto", "video"]]
    max_size: int = Field(ge=1, le=10)
    prepare_minutes: int = Field(ge=0)


class Office(Strict):
    office: Letterhead
    roles: dict[Literal["kadis", "sekdis", "kabid", "kasi"], Official]
    staff: list[StaffMember] = Field(min_length=1)
    media: list[MediaContact] = []
    numbering: Numbering
    team: TeamRules

    @model_validator(mode="after")
    def _all_roles(self) -> "Office":
        missing = [r for r in OFFICIALS if r not in self.roles]
        if missing:
            raise ValueError(f"roles missing: {', '.join(missing)}")
        return self

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
    def _islands(self) -> "PlacesFile":
        for k in self.kecamatan:
            if k.island not in self.islands:
                raise ValueError(f"kecamatan {k.name}: island '{k.island}' is not in 'islands'")
        if self.home_island not in self.islands:
            raise ValueError("home_island is not in 'islands'")
        return self


# ---- lexicon.yaml ---------------------------------------------------------------------------
class Lexicon(Strict):
    approve: list[str] = Field(min_length=1)
    reject: list[str] = Field(min_length=1)
    revise: list[str] = Field(min_length=1)
    negations: list[str] = []
    but: list[str] = []


@dataclass(frozen=True)
class Rules:
    dir: Path
    sop: Sop
    office: Office
    places: PlacesFile
    lexicon: Lexicon


FILES = {"sop": ("sop.yaml", Sop), "office": ("office.yaml", Office),
         "places": ("places.yaml", PlacesFile), "lexicon": ("lexicon.yaml", Lexicon)}


def load_rules(directory: Path) -> Rules:
    """Load and validate every file in rules/; raise ConfigError naming file and line."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(directory, None, "rules directory does not exist")
    loaded = {key: yamlfile.load(directory / fname, model) for key, (fname, model) in FILES.items()}
    return Rules(dir=directory, **loaded)  # type: ignore[arg-type]
