"""Shared wording of the letters: printable values, the kop, officials' positions, the request's facts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from daemon.core.indonesian import (
    format_date_short,
    format_time_range,
    title_case,
    to_zone,
)
from daemon.core.skills import active as glossary
from daemon.core.units import head_office, unit_name

INITIAL_SLOTS = (("kabid", "Kabid"), ("sekdis", "Sekretaris"))
ROLE_ALIASES = {"sekretaris": "sekdis", "kepala_dinas": "kadis", "kepala_bidang": "kabid",
                "kepala_seksi": "kasi"}
DEFAULT_SIFAT = "Biasa"
EMPTY = "-"


# --- small helpers -----------------------------------------------------------------------------

def as_dict(obj: Any) -> dict:
    """A plain dict from a dict, a dataclass or an object with attributes."""
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    if dataclasses.is_dataclass(obj):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return dict(vars(obj))


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime (in WIB) or its ISO text ("2026-11-24"); None otherwise."""
    if isinstance(value, datetime):
        return to_zone(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def text(value: Any, default: str = EMPTY) -> str:
    """A printable value: dates in Indonesian, empty values as "-"."""
    if value is None or value == "":
        return default
    if isinstance(value, datetime):
        return format_date_short(to_zone(value).date())
    if isinstance(value, date):
        return format_date_short(value)
    return str(value)


def enumerate_clauses(items: Iterable[str]) -> list[str]:
    """End list clauses with ";" and the last one with "." (Tata Naskah Dinas numbered lists)."""
    items = [i.rstrip(" ;.") for i in items if i]
    return [f"{item}{'.' if n == len(items) - 1 else ';'}" for n, item in enumerate(items)]


def letterhead(office: Mapping) -> dict:
    """The office block of rules/office.yaml (or the dict itself when already flat)."""
    return dict(office.get("office", office))


NBSP = "\u00a0"


def kop_context(office: Mapping) -> dict:
    """Kop surat lines: the address with the telephone, then mail and web on their own line (a phone
    number never split); `lambang` is the image's path (office.lambang_path) or ""."""
    head = letterhead(office)
    phone = f"Telepon {head['phone']}".replace(" ", NBSP) if head.get("phone") else ""
    contact = [f"Pos-el {head['email']}" if head.get("email") else "",
               f"Laman {head['website']}" if head.get("website") else ""]
    return {"government": head.get("government", ""), "name": head.get("name", ""),
            "address": ", ".join(a for a in (head.get("address", ""), phone) if a),
            "contact": ", ".join(c for c in contact if c), "lambang": head.get("lambang_path") or ""}


def regency(office: Mapping) -> str:
    """The regency's name, e.g. "Bengkalis", from the government line."""
    government = letterhead(office).get("government", "")
    return title_case(government.upper().removeprefix("PEMERINTAH ").removeprefix("KABUPATEN ").strip())


def role_jabatan(office: Mapping, role: str) -> str:
    """The position of a role in office.roles ("kadis" -> "Kepala Dinas ...")."""
    role = ROLE_ALIASES.get(role.lower(), role.lower())
    return str(office.get("roles", {}).get(role, {}).get("jabatan", ""))


def official_position(official: Mapping, role_position: str = "", upper: bool = False) -> str:
    """Position for a signature or address line; an acting official gets "Plt."/"Plh." before it."""
    acting = (official.get("title") or "").strip()
    base = official.get("as_jabatan") or (role_position if acting and role_position else "")
    base = base or official.get("jabatan") or role_position
    base = base.upper() if upper else base
    return f"{acting} {base}".strip()


def signer_context(official: Any, role_position: str = "", upper: bool = False) -> dict:
    """Signature block fields: position, name, pangkat, NIP."""
    person = as_dict(official)
    return {"position": official_position(person, role_position, upper), "name": text(person.get("name"), ""),
            "pangkat": text(person.get("pangkat"), ""), "nip": text(person.get("nip"), "")}


def person_row(person: Any) -> dict:
    """A team member row: name, NIP, rank, position and task."""
    p = as_dict(person)
    task = p.get("task") or ", ".join(glossary().task(s) for s in p.get("skills") or []).capitalize()
    return {"name": text(p.get("name")), "nip": text(p.get("nip")), "pangkat": text(p.get("pangkat")),
            "jabatan": text(p.get("jabatan")), "task": text(task)}


def request_context(request: Any, regency_name: str = "Bengkalis") -> dict:
    """Printable request fields: the event time span and the letter's date in Indonesian, the unit in
    proper case and by its head's office, the letter's own perihal before the mail's subject."""
    r = as_dict(request)
    start = r.get("start")
    when = format_time_range(start, r.get("end"), bool(r.get("until_done"))) if start else EMPTY
    letter_day = as_date(r.get("letter_date"))
    unit = unit_name(r.get("requester"))
    return {"code": text(r.get("code")), "title": text(r.get("title")), "when": when,
            "location": text(r.get("location")), "requester": text(unit),
            "requester_head": text(head_office(unit, regency_name)),
            "letter_number": text(r.get("letter_number")),
            "letter_date": format_date_short(letter_day) if letter_day else text(r.get("letter_date")),
            "subject": text(r.get("letter_subject") or r.get("subject") or r.get("title"))}


def letter_reference(req: Mapping) -> str:
    """"surat <head's office> Nomor <n> tanggal <d> perihal <s>" or, without a number, the agenda wording."""
    if req["letter_number"] != EMPTY:
        dated = f" tanggal {req['letter_date']}" if req["letter_date"] != EMPTY else ""
        return (f"surat {req['requester_head']} Nomor {req['letter_number']}{dated} "
                f"perihal {req['subject']}")
    return f"permohonan peliputan dari {req['requester_head']} perihal {req['subject']}"


def local_now(now: datetime | None) -> datetime:
    """`now` in WIB (current time when None)."""
    return to_zone(now or datetime.now().astimezone())


