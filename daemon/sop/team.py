"""Coverage team and schedule for SOP step 4: proposal, busy checks and confirmation text."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from daemon.core.indonesian import format_date, format_datetime, format_time, to_zone
from daemon.core.skills import active as glossary

DEFAULT_TRAVEL_MINUTES = 60  # one way, when the kecamatan's travel time is unknown
DEFAULT_DURATION = timedelta(hours=3)  # when the letter says "s.d. selesai"
SEARCH_LIMIT = 50_000  # assignments examined before candidates are trimmed


# ---- data ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    """One staff member of the roster (office.yaml `staff`)."""

    name: str
    nip: str
    pangkat: str
    jabatan: str
    email: str
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Busy:
    """An existing assignment of one staff member, travel included."""

    email: str
    start: datetime
    end: datetime
    code: str  # the request's code, e.g. "LPT-2026-0003"


@dataclass
class Schedule:
    """When the team leaves, arrives, covers the event and is back at the office."""

    depart: datetime
    arrive: datetime
    start: datetime
    end: datetime
    return_by: datetime
    notes: list[str] = field(default_factory=list)  # assumptions made, in Indonesian


@dataclass
class Proposal:
    """The proposed team: members, each one's task(s), the schedule and what could not be met."""

    members: list[Member]
    roles: dict[str, str]  # email -> skill; "berita, foto" when one person covers two
    schedule: Schedule
    uncovered: list[str]  # needed skills nobody free has
    conflicts: list[str]  # Indonesian notes for the Kasi
    covers: dict[str, str] = field(default_factory=dict)  # skill -> email


def members_from_staff(staff: Iterable[Any]) -> list[Member]:
    """Members from office.yaml staff entries (dicts or objects with the same fields)."""
    def get(entry: Any, key: str) -> Any:
        return entry[key] if isinstance(entry, dict) else getattr(entry, key)

    return [Member(name=get(s, "name"), nip=get(s, "nip"), pangkat=get(s, "pangkat"),
                   jabatan=get(s, "jabatan"), email=str(get(s, "email")).lower(),
                   skills=tuple(str(k).lower() for k in get(s, "skills")))
            for s in staff]


# ---- skills needed ---------------------------------------------------------------------------
_NOT_A_SKILL = re.compile(r"\bvideo\s*(?:conference|konferensi|call)\b|\bvicon\b|\bberita\s+acara\b", re.I)
_NEGATED = re.compile(r"\b(?:tanpa|tidak\s+perlu|tidak\s+usah|tdk\s+perlu|tidak\s+ada|bukan)\s+(?:\w+\s+){0,2}$",
                      re.I)


def _mentions(text: str, skill: str) -> bool:
    """True when the text asks for the skill (not negated, not e.g. "video conference")."""
    return any(not _NEGATED.search(text[max(0, m.start() - 40):m.start()])
               for m in glossary().patterns[skill].finditer(text))


def needed_skills(title: str, text: str, default: list[str]) -> list[str]:
    """The default skills plus those the letter asks for (video on "live", "siaran langsung", ...)."""
    body = _NOT_A_SKILL.sub(" ", f"{title or ''}\n{text or ''}")
    wanted = unique(s.lower() for s in default)
    return wanted + [s for s in glossary().order() if s not in wanted and _mentions(body, s)]


def skills_in(text: str) -> list[str]:
    """Skills named in a short role text: "fotografer" -> ["foto"], "foto dan video" -> ["foto", "video"]."""
    words = glossary()
    return [s for s in words.order() if words.patterns[s].search(text or "")]


# ---- schedule --------------------------------------------------------------------------------
def plan_schedule(start: datetime, end: datetime | None, travel_minutes: int | None,
                  prepare_minutes: int) -> Schedule:
    """Departure, arrival and return around the event; unknown travel or end time is assumed and noted."""
    if prepare_minutes < 0 or (travel_minutes is not None and travel_minutes < 0):
        raise ValueError("travel and preparation minutes cannot be negative")
    notes: list[str] = []
    if travel_minutes is None:
        travel_minutes = DEFAULT_TRAVEL_MINUTES
        notes.append(f"Waktu tempuh ke lokasi belum diketahui; diasumsikan {DEFAULT_TRAVEL_MINUTES} menit "
                     "sekali jalan.")
    if end is None:
        end = start + DEFAULT_DURATION
        notes.append("Waktu selesai acara tidak disebutkan (s.d. selesai); diasumsikan 3 jam.")
    elif to_zone(end) <= to_zone(start):
        end = start + DEFAULT_DURATION
        notes.append("Waktu selesai acara tidak sesuai (tidak setelah waktu mulai); diasumsikan 3 jam.")
    travel, prepare = timedelta(minutes=travel_minutes), timedelta(minutes=prepare_minutes)
    return Schedule(depart=start - travel - prepare, arrive=start - prepare, start=start, end=end,
                    return_by=end + travel, notes=notes)


# ---- busy checks -----------------------------------------------------------------------------
def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals overlap (touching ends do not); naive times are taken as WIB."""
    return to_zone(a_start) < to_zone(b_end) and to_zone(b_start) < to_zone(a_end)


def _clashes(member: Member, schedule: Schedule, busy: Sequence[Busy]) -> list[Busy]:
    """The member's existing assignments that overlap the team's whole trip."""
    key = member.email.lower()
    return [b for b in busy if b.email.lower() == key
            and _overlaps(schedule.depart, schedule.return_by, b.start, b.end)]


def _span(start: datetime, end: datetime) -> str:
    """"Senin, 7 Desember 2026 pukul 08.00–12.00 WIB", or two full dates when days differ."""
    s, e = to_zone(start), to_zone(end)
    if s.date() != e.date():
        return f"{format_datetime(s)} s.d. {format_datetime(e)}"
    return f"{format_date(s.date())} pukul {s:%H.%M}–{format_time(e)}"


def busy_note(member: Member, b: Busy) -> str:
    """"Andi Saputra sudah bertugas pada LPT-2026-0003 (Senin, 7 Desember 2026 pukul 08.00–12.00 WIB)"."""
    return f"{member.name} sudah bertugas pada {b.code} ({_span(b.start, b.end)})"


def check_busy(members: Sequence[Member], schedule: Schedule, busy: Sequence[Busy]) -> list[str]:
    """One Indonesian note per double booking of the given members."""
    return [busy_note(m, b) for m in unique_members(members) for b in _clashes(m, schedule, busy)]


# ---- proposal --------------------------------------------------------------------------------
def _rank(member: Member | None, history: dict[str, int]) -> tuple[float, str, str]:
    """Fair-rotation order: fewest past assignments first, then name, then email."""
    if member is None:
        return (math.inf, "", "")
    return (history.get(member.email.lower(), 0), member.name.lower(), member.email.lower())


def _candidates(skills: list[str], free: list[Member], history: dict[str, int]) -> list[list[Member | None]]:
    """Per skill: the free members who have it, best first, then None (left uncovered)."""
    lists = [sorted((m for m in free if s in m.skills), key=lambda m: _rank(m, history)) for s in skills]
    if math.prod(len(c) + 1 for c in lists) > SEARCH_LIMIT:
        lists = [c[: len(skills) + 1] for c in lists]
    return [[*c, None] for c in lists]


def _score(combo: tuple[Member | None, ...], history: dict[str, int]) -> tuple:
    """Lower is better: most skills covered, most distinct people, fewest past assignments, by name."""
    people = {m.email.lower() for m in combo if m}
    covered = sum(m is not None for m in combo)
    load = sum(history.get(e, 0) for e in people)
    return (-covered, -len(people), load, tuple(_rank(m, history) for m in combo))


def _assign(skills: list[str], free: list[Member], history: dict[str, int],
            max_size: int) -> tuple[Member | None, ...]:
    """The best skill -> member assignment with at most `max_size` distinct people."""
    best: tuple[Member | None, ...] = tuple(None for _ in skills)
    best_score = _score(best, history)
    for combo in itertools.product(*_candidates(skills, free, history)):
        if len({m.email.lower() for m in combo if m}) > max_size:
            continue
        score = _score(combo, history)
        if score < best_score:
            best, best_score = combo, score
    return best


def _and(items: Sequence[str]) -> str:
    """"a", "a dan b", "a, b dan c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} dan {items[-1]}"


def _shortage_notes(skills: list[str], combo: tuple[Member | None, ...], free: list[Member],
                    max_size: int) -> list[str]:
    """Notes for people covering two tasks and for tasks left uncovered, with the reason."""
    chosen = {m.email.lower() for m in combo if m}
    limit = f"jumlah tim dibatasi paling banyak {max_size} orang"

    def others_free(skill: str) -> bool:
        return any(skill in m.skills and m.email.lower() not in chosen for m in free)

    notes = []
    for member in unique_members(m for m in combo if m):
        tasks = [s for s, m in zip(skills, combo) if m and m.email.lower() == member.email.lower()]
        if len(tasks) > 1:
            why = limit if any(others_free(s) for s in tasks) else "tidak ada petugas lain yang tersedia"
            notes.append(f"{member.name} merangkap tugas {_and(tasks)} karena {why}.")
    for skill, m in zip(skills, combo):
        if m is None and others_free(skill):
            notes.append(f"Tugas {skill} belum terisi karena {limit}.")
        elif m is None:
            notes.append(f"Tidak ada petugas dengan keahlian {skill} yang tersedia pada jadwal tersebut.")
    return notes


def propose(roster: list[Member], skills: list[str], schedule: Schedule, busy: list[Busy],
            history: dict[str, int], max_size: int) -> Proposal:
    """Propose a team: one free person per needed skill, fairly rotated, at most `max_size` people."""
    skills = unique(s.lower() for s in skills)
    history = {e.lower(): n for e, n in history.items()}
    roster = unique_members(roster)
    free = [m for m in roster if not _clashes(m, schedule, busy)]
    combo = _assign(skills, free, history, max(max_size, 0))
    members = unique_members(m for m in combo if m)
    covers = {s: m.email for s, m in zip(skills, combo) if m}
    roles = {m.email: ", ".join(s for s, e in covers.items() if e == m.email) for m in members}
    relevant = [m for m in roster if set(skills) & set(m.skills)]
    conflicts = check_busy(relevant, schedule, busy) + _shortage_notes(skills, combo, free, max(max_size, 0))
    return Proposal(members=members, roles=roles, schedule=schedule,
                    uncovered=[s for s, m in zip(skills, combo) if m is None], conflicts=conflicts, covers=covers)


# ---- confirmation text -----------------------------------------------------------------------
def task_label(role: str | None) -> str:
    """Indonesian task wording: "berita, foto" -> "penulisan berita dan dokumentasi foto"."""
    keys = [s.strip() for s in (role or "").split(",") if s.strip()]
    return _and([glossary().task(s) for s in keys]) if keys else "anggota tim peliputan"


def confirmation_text(members: list[Member], roles: dict[str, str], schedule: Schedule) -> str:
    """A short formal summary of the team (name, NIP, task) and the schedule, for emails."""
    roles = {e.lower(): r for e, r in roles.items()}
    lines = ["Susunan tim peliputan:"]
    lines += [f"{i}. {m.name}, NIP {m.nip}, tugas: {task_label(roles.get(m.email.lower()))}"
              for i, m in enumerate(members, 1)]
    if not members:
        lines.append("(belum ada petugas yang ditetapkan)")
    lines += ["", "Jadwal:",
              f"- Berangkat dari kantor: {format_datetime(schedule.depart)}",
              f"- Tiba di lokasi: {format_datetime(schedule.arrive)}",
              f"- Pelaksanaan acara: {_span(schedule.start, schedule.end)}",
              f"- Kembali ke kantor paling lambat: {format_datetime(schedule.return_by)}"]
    if schedule.notes:
        lines += ["", "Catatan:"] + [f"- {n}" for n in schedule.notes]
    return "\n".join(lines)


# ---- helpers ---------------------------------------------------------------------------------
def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


def unique_members(members: Iterable[Member]) -> list[Member]:
    """Members in first-seen order, one per email address (case-insensitive)."""
    seen: dict[str, Member] = {}
    for m in members:
        seen.setdefault(m.email.lower(), m)
    return list(seen.values())
