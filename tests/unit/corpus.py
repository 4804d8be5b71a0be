"""Load the reader corpus: .eml files in tests/data/<folder>/ with their expected.yaml readings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FOLDERS = ("replies", "auto", "bounces", "noise", "forged")
AUTHSERV_ID = "mx.bengkaliskab.go.id"
OUR_DOMAIN = "liputan.bengkaliskab.go.id"
# A real task mail to the Kepala Dinas (tests/harness.py Office, after one letter), as replies quote it.
TASK = (DATA / "ours" / "task_kadis.txt").read_text(encoding="utf-8")
SUBJECT = "[LPT-2026-0001] Mohon disposisi: Musrenbang Kecamatan Bantan Tahun 2027"
OURS = "Liputan Diskominfotik <liputan@bengkaliskab.go.id>"
KADIS = "kadis@bengkaliskab.go.id"


@dataclass(frozen=True)
class Case:
    folder: str
    name: str
    raw: bytes
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.name}"


def expectations(folder: str) -> dict[str, dict[str, Any]]:
    """The expected.yaml of one corpus folder (file name -> expected fields)."""
    path = DATA / folder / "expected.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def cases(folders: tuple[str, ...] = FOLDERS) -> list[Case]:
    """Every corpus message with its expectation, in a stable order."""
    found = []
    for folder in folders:
        for name, expected in sorted(expectations(folder).items()):
            found.append(Case(folder, name, (DATA / folder / name).read_bytes(), expected or {}))
    return found


def unlisted(folders: tuple[str, ...] = FOLDERS) -> list[str]:
    """Corpus .eml files that have no expectation (should be none)."""
    missing = []
    for folder in folders:
        listed = set(expectations(folder))
        missing += [f"{folder}/{p.name}" for p in sorted((DATA / folder).glob("*.eml")) if p.name not in listed]
    return missing


def all_eml(root: Path = DATA) -> list[Path]:
    """Every .eml under tests/data, recursively (other engineers' folders included)."""
    return sorted(root.rglob("*.eml"))


def officials(office_yaml: Path = ROOT / "rules" / "office.yaml") -> list[tuple[str, str]]:
    """(name, email) of every official and acting official in rules/office.yaml."""
    data = yaml.safe_load(office_yaml.read_text(encoding="utf-8"))
    people: list[tuple[str, str]] = []
    for role in data["roles"].values():
        people.append((role["name"], role["email"]))
        people += [(a["name"], a["email"]) for a in role.get("acting") or []]
    return people


def lexicon_path() -> Path:
    return ROOT / "rules" / "lexicon.yaml"


def normalised(text: str) -> str:
    """Case-folded text with whitespace collapsed, for comparing notes."""
    return " ".join((text or "").lower().split())
