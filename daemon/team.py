"""Coverage team and schedule for SOP step 4: proposal, busy checks and the Kasi's team changes."""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from daemon.indonesian import format_date, format_datetime, format_time, to_zone

DEFAULT_TRAVEL_MINUTES = 60  # one way, when the kecamatan's travel time is unknown
DEFAULT_DURATION = timedelta(hours=3)  # when the letter says "s.d. selesai"
FUZZY_RATIO = 0.85  # tolerates one missing or extra letter in a name
MIN_PREFIX = 3  # shortest name prefix accepted ("Rin" for Rina)
SEARCH_LIMIT = 50_000  # assignments examined before candidates are trimmed
SKILL_ORDER = ("berita", "foto", "video")
TASK_LABELS = {"berita": "penulisan berita", "foto": "dokumentasi foto", "video": "dokumentasi video"}


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


@dataclass
class TeamChange:
    """A team change read from the Kasi's reply; empty when the reply gives no team instruction."""

    members: list[Member] | None = None  # full replacement
    add: list[Member] = field(default_factory=list)
    remove: list[Member] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # email -> skill(s)
    unknown: list[str] = field(default_factory=list)  # names not matched, or ambiguous with candidates
    swaps: list[tuple[Member, Member]] = field(default_factory=list)  # (old, new) from "ganti X dengan Y"
    ambiguous: dict[str, list[Member]] = field(default_factory=dict)  # written name -> candidates

    @property
    def empty(self) -> bool:
        """True when the reply changes nothing about the team."""
        return self.members is None and not (self.add or self.remove or self.roles or self.unknown)


def members_from_staff(staff: Iterable[Any]) -> list[Member]:
    """Members from office.yaml staff entries (dicts or objects with the same fields)."""
    def get(entry: Any, key: str) -> Any:
        return entry[key] if isinstance(entry, dict) else getattr(entry, key)

    return [Member(name=get(s, "name"), nip=get(s, "nip"), pangkat=get(s, "pangkat"),
                   jabatan=get(s, "jabatan"), email=str(get(s, "email")).lower(),
                   skills=tuple(str(k).lower() for k in get(s, "skills")))
            for s in staff]


# ---- skills needed ---------------------------------------------------------------------------
_SKILL_PATTERNS = {
    "berita": r"berita|wartawan|reporter|jurnalis|penulis(?:\s+berita)?|naskah\s+berita|rilis|siaran\s+pers"
              r"|press\s+release",
    "foto": r"foto|fotografer|fotografi|photographer|photo|juru\s+foto|dokumentasi\s+foto",
    "video": r"video|videografer|videografi|videographer|dokumentasi\s+video|live(?:\s+streaming)?|streaming"
             r"|siaran\s+langsung|disiarkan\s+langsung|kameramen|juru\s+kamera",
}
_SKILL_RES = {k: re.compile(rf"\b(?:{p})\b", re.I) for k, p in _SKILL_PATTERNS.items()}
_NOT_A_SKILL = re.compile(r"\bvideo\s*(?:conference|konferensi|call)\b|\bvicon\b|\bberita\s+acara\b", re.I)
_NEGATED = re.compile(r"\b(?:tanpa|tidak\s+perlu|tidak\s+usah|tdk\s+perlu|tidak\s+ada|bukan)\s+(?:\w+\s+){0,2}$",
                      re.I)


def _mentions(text: str, skill: str) -> bool:
    """True when the text asks for the skill (not negated, not e.g. "video conference")."""
    return any(not _NEGATED.search(text[max(0, m.start() - 40):m.start()])
               for m in _SKILL_RES[skill].finditer(text))


def needed_skills(title: str, text: str, default: list[str]) -> list[str]:
    """The default skills plus those the letter asks for (video on "live", "siaran langsung", ...)."""
    body = _NOT_A_SKILL.sub(" ", f"{title or ''}\n{text or ''}")
    skills = _unique(s.lower() for s in default)
    return skills + [s for s in SKILL_ORDER if s not in skills and _mentions(body, s)]


def skills_in(text: str) -> list[str]:
    """Skills named in a short role text: "fotografer" -> ["foto"], "foto dan video" -> ["foto", "video"]."""
    return [s for s in SKILL_ORDER if _SKILL_RES[s].search(text or "")]


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
    return [busy_note(m, b) for m in _unique_members(members) for b in _clashes(m, schedule, busy)]


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
    for member in _unique_members(m for m in combo if m):
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
    skills = _unique(s.lower() for s in skills)
    history = {e.lower(): n for e, n in history.items()}
    roster = _unique_members(roster)
    free = [m for m in roster if not _clashes(m, schedule, busy)]
    combo = _assign(skills, free, history, max(max_size, 0))
    members = _unique_members(m for m in combo if m)
    covers = {s: m.email for s, m in zip(skills, combo) if m}
    roles = {m.email: ", ".join(s for s, e in covers.items() if e == m.email) for m in members}
    relevant = [m for m in roster if set(skills) & set(m.skills)]
    conflicts = check_busy(relevant, schedule, busy) + _shortage_notes(skills, combo, free, max(max_size, 0))
    return Proposal(members=members, roles=roles, schedule=schedule,
                    uncovered=[s for s, m in zip(skills, combo) if m is None], conflicts=conflicts, covers=covers)


# ---- names -----------------------------------------------------------------------------------
_TITLES = re.compile(r"^(?:(?:drs?|dra|hj?|ir|prof|dr)\.?\s+)+", re.I)
_HONORIFICS = {"pak", "bapak", "bp", "bu", "ibu", "sdr", "sdri", "saudara", "saudari", "mas", "mbak", "mba",
               "bang", "kak", "dik", "adik", "abang"}


def _plain_name(name: str) -> str:
    """Lower-case name without academic degrees or leading titles: "Drs. H. Ali, M.Si." -> "ali"."""
    return " ".join(_TITLES.sub("", name.split(",")[0].strip()).lower().split())


def _norm(text: str) -> str:
    """Lower-case letters and single spaces, honorifics removed: "Pak Andi." -> "andi"."""
    words = re.sub(r"[^\w\s'-]|_|\d", " ", text.lower()).split()
    while words and words[0] in _HONORIFICS:
        words = words[1:]
    return " ".join(words)


def _fuzzy(key: str, roster: list[Member]) -> list[Member]:
    """Members whose full or first name is within one letter or so of `key` (best ratio wins)."""
    def ratio(m: Member) -> float:
        full = _plain_name(m.name)
        return max(difflib.SequenceMatcher(None, key, t).ratio() for t in (full, *full.split()[:1]))

    scored = [(ratio(m), m) for m in roster]
    top = max((r for r, _ in scored), default=0.0)
    return [m for r, m in scored if r >= FUZZY_RATIO and r == top]


def resolve_name(name: str, roster: list[Member]) -> list[Member]:
    """Roster members a written name may mean: one when matched, several when ambiguous, none when unknown."""
    key = _norm(name)
    if not key:
        return []
    roster = _unique_members(roster)
    plain = {m.email: _plain_name(m.name) for m in roster}
    rules = (
        lambda m: plain[m.email] == key,
        lambda m: plain[m.email].split()[0] == key,
        lambda m: len(key) >= MIN_PREFIX and (plain[m.email].startswith(key)
                                              or any(w.startswith(key) for w in plain[m.email].split())),
    )
    for rule in rules:
        found = [m for m in roster if plain[m.email] and rule(m)]
        if found:
            return found
    return _fuzzy(key, roster)


# ---- the Kasi's team instructions ------------------------------------------------------------
_STOPWORDS = set("""
setuju disetujui acc ok oke okay ya siap sip baik lanjut lanjutkan silakan silahkan tapi tetapi namun catatan
dan atau serta dengan untuk sebagai yang di ke dari pada saja juga lagi sedang hanya cukup tolong mohon agar
supaya biar nya itu ini tersebut sudah belum tidak tdk bisa lain lainnya satu dua tiga orang tim petugas
personel personil anggota staf liputan peliputan foto video berita fotografer videografer wartawan reporter
dokumentasi kamera jadwal waktu jam pukul lokasi tempat acara kegiatan keterangan judul surat nomor tanggal
hari terima kasih salam hormat revisi perbaiki koreksi usul perlu butuh diperlukan dibutuhkan tambah tambahkan
ganti hapus bagian tugas sesuai usulan semua
""".split()) | _HONORIFICS

_LIST_MARK = re.compile(r"\b(?:susunan\s+tim|tim\s+liputan|tim\s+peliputan|tim|petugas(?:\s+liputan)?|personel"
                        r"|personil|anggota(?:\s+tim)?)\s*:\s*(?P<names>.*)$", re.I)
_SWAP = re.compile(r"\bganti(?:kan)?\s+(?P<old>.+?)\s+(?:dengan|jadi|menjadi|ke|oleh|sama)\s+(?P<new>.+)$", re.I)
_SWAP_PASSIVE = re.compile(r"^(?P<old>.+?)\s+(?:diganti|digantikan)\s+(?:(?:dengan|oleh|sama|jadi|menjadi|ke)\s+)?"
                           r"(?P<new>.+)$", re.I)
_ADD = re.compile(r"\b(?:tambah(?:kan)?|masukkan|ikutkan|sertakan|ajak)\s+(?P<names>.+)$", re.I)
_REMOVE = re.compile(r"\b(?:hapus(?:kan)?|keluarkan|coret|kurangi|tanpa|buang|lepas(?:kan)?)\s+(?P<names>.+)$",
                     re.I)
_REMOVE_AFTER = re.compile(r"^(?P<names>.+?)\s+(?:tidak|tdk|gak|ga|nggak)\s+(?:usah|perlu|jadi|ikut|bisa)\b"
                           r"|^(?P<names2>.+?)\s+(?:jangan\s+(?:ikut|diikutkan|dimasukkan)|batal\s+ikut"
                           r"|berhalangan|cuti|sakit)\b", re.I)
_ONLY = re.compile(r"\b(?:hanya|cukup)\s+(?P<names>.+?)(?:\s+saja)?$|^(?P<names2>.+?)\s+saja$", re.I)
_ITEM_SPLIT = re.compile(r"(?:[,;/]|\s+(?:dan|serta|&|\+)\s+)(?![^(]*\))", re.I)
_ROLE_TAIL = re.compile(r"\s+(?:untuk|sebagai|bagian|di\s+bagian|tugas|pegang)\s+(?P<role>.+)$"
                        r"|\s+[-–—]\s+(?P<r2>.+)$|\s*[:=]\s*(?P<r3>.+)$", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_CLAUSE_BREAK = re.compile(r"[.!?](?:\s+|$)|\n")
_KEYWORD_BREAK = re.compile(r"(?:,\s*|\s+)(?=(?:ganti(?:kan)?|tambah(?:kan)?|hapus(?:kan)?|keluarkan|coret)\b"
                            r"|(?:tim|petugas)\s*:)", re.I)


@dataclass
class _Item:
    """One written name with the skills written next to it."""

    text: str
    skills: list[str]
    found: list[Member]


def _join_lists(text: str) -> str:
    """Fold a "Tim:" line followed by one name per line into one comma-separated line."""
    out: list[str] = []
    collecting = False
    for raw in text.splitlines():
        if raw.lstrip().startswith(">"):
            continue
        line = _BULLET.sub("", raw).strip()
        if collecting and line:
            out[-1] += (", " if not out[-1].rstrip().endswith(":") else " ") + line
            continue
        collecting = bool(_LIST_MARK.search(line)) and not _LIST_MARK.search(line)["names"].strip()
        out.append(line)
    return "\n".join(out)


def _clauses(text: str) -> list[str]:
    """Sentences of the reply, also cut before each team keyword."""
    parts = [p.strip() for c in _CLAUSE_BREAK.split(_join_lists(text)) for p in _KEYWORD_BREAK.split(c)]
    return [p for p in parts if p]


def _strip_stopwords(words: list[str]) -> list[str]:
    """Drop filler words from both ends of a written name ("ok tapi Andi" -> "Andi")."""
    while words and _norm(words[0]) in _STOPWORDS | {""}:
        words = words[1:]
    while words and _norm(words[-1]) in _STOPWORDS | {""}:
        words = words[:-1]
    return words


def _parse_item(raw: str, roster: list[Member]) -> _Item:
    """Split "Rina (foto)" / "Fajar untuk video" into name and skills, and look the name up."""
    role = " ".join(re.findall(r"\(([^)]*)\)", raw))
    name = re.sub(r"\([^)]*\)", " ", raw)
    tail = _ROLE_TAIL.search(name)
    if tail and tail["r3"] and not skills_in(tail["r3"]):
        name = tail["r3"]  # "Revisi: Andi" is a label, not a role
    elif tail:
        role, name = f"{role} {tail['role'] or tail['r2'] or tail['r3']}", name[: tail.start()]
    kept = [] if re.search(r"\d", name) else _strip_stopwords(name.split())  # numbers are not names
    text = " ".join(kept).strip(" ,:-")
    skills = skills_in(role) or skills_in(" ".join(w for w in name.split() if w not in kept))
    return _Item(text=text, skills=skills, found=resolve_name(text, roster) if text else [])


def _items(names: str, roster: list[Member]) -> list[_Item]:
    """Items of a name list; a bare role ("... foto dan video") joins the item before it."""
    items: list[_Item] = []
    for raw in _ITEM_SPLIT.split(names):
        item = _parse_item(raw, roster)
        if not item.text and item.skills and items:
            items[-1].skills += [s for s in item.skills if s not in items[-1].skills]
        elif item.text:
            items.append(item)
    return items


def _name_like(text: str) -> bool:
    """1-3 alphabetic words, none a common word: worth reporting as an unknown name."""
    words = _norm(text).split()
    return 0 < len(words) <= 3 and all(w.isalpha() and w not in _STOPWORDS for w in words)


def _relevant(items: list[_Item]) -> bool:
    """True when a clause without a "Tim:" mark is really about people."""
    return any(i.found or _name_like(i.text) for i in items)


class _Reader:
    """Accumulates one reply's team instructions into a TeamChange."""

    def __init__(self, roster: list[Member]) -> None:
        self.roster = roster
        self.change = TeamChange()

    def matched(self, items: list[_Item], explicit: bool) -> list[Member]:
        """Members for the items; unknown and ambiguous names are recorded."""
        out: list[Member] = []
        for item in items:
            if len(item.found) == 1:
                out.append(item.found[0])
                if item.skills:
                    self.change.roles[item.found[0].email] = ", ".join(item.skills)
            elif item.found:
                self.change.ambiguous[item.text] = item.found
                self.change.unknown.append(f"{item.text} (ambigu: {', '.join(m.name for m in item.found)})")
            elif explicit or _name_like(item.text):
                self.change.unknown.append(item.text)
        return _unique_members(out)

    def clause(self, text: str) -> None:
        """Read one clause, first matching form wins."""
        for handler in (self.team_list, self.swap, self.add, self.remove, self.only):
            if handler(text):
                return

    def team_list(self, text: str) -> bool:
        m = _LIST_MARK.search(text)
        if not m:
            return False
        found = self.matched(_items(m["names"], self.roster), explicit=True)
        if found:
            self.change.members = found
        return True

    def swap(self, text: str) -> bool:
        m = _SWAP.search(text) or _SWAP_PASSIVE.search(text)
        if not m:
            return False
        old_items = _items(m["old"], self.roster)
        old_items = old_items[-1:] if m.re is _SWAP_PASSIVE else old_items
        if not _relevant(old_items):
            return False
        olds, news = self.matched(old_items, False), self.matched(_items(m["new"], self.roster), True)
        self.change.remove += olds
        self.change.add += news
        if len(olds) == len(news):
            self.change.swaps += list(zip(olds, news))
        return True

    def _simple(self, pattern: re.Pattern[str], text: str) -> list[Member] | None:
        m = pattern.search(text)
        if not m:
            return None
        items = _items(m["names"] or m.groupdict().get("names2") or "", self.roster)
        return self.matched(items, False) if _relevant(items) else None

    def add(self, text: str) -> bool:
        found = self._simple(_ADD, text)
        self.change.add += found or []
        return found is not None

    def remove(self, text: str) -> bool:
        found = self._simple(_REMOVE, text)
        if found is None:
            found = self._simple(_REMOVE_AFTER, text)
        self.change.remove += found or []
        return found is not None

    def only(self, text: str) -> bool:
        found = self._simple(_ONLY, text)
        if found:
            self.change.members = found
        return found is not None


def parse_team_change(text: str, roster: list[Member]) -> TeamChange:
    """Read the Kasi's plain-words team instructions ("Tim: Andi, Rina (foto)", "ganti Dewi dengan Hendra")."""
    reader = _Reader(_unique_members(roster))
    for clause in _clauses(text or ""):
        reader.clause(clause)
    change = reader.change
    change.add, change.remove = _unique_members(change.add), _unique_members(change.remove)
    change.unknown = _unique(change.unknown)
    return change


def apply_change(proposal_members: list[Member], change: TeamChange, roster: list[Member]) -> list[Member]:
    """The team after the change: replacement, then swaps in place, removals and additions."""
    current = {m.email.lower(): m for m in roster}
    team = list(change.members if change.members is not None else proposal_members)
    for old, new in change.swaps:
        emails = [m.email.lower() for m in team]
        if old.email.lower() in emails:
            team[emails.index(old.email.lower())] = new
    gone = {m.email.lower() for m in change.remove} - {m.email.lower() for m in change.add}
    team = [m for m in team if m.email.lower() not in gone] + list(change.add)
    return [current.get(m.email.lower(), m) for m in _unique_members(team)]


def apply_roles(roles: dict[str, str], change: TeamChange, members: list[Member]) -> dict[str, str]:
    """Roles after the change: a replacement inherits the old task, written tasks win, leavers drop out."""
    out = {e.lower(): r for e, r in roles.items()}
    for old, new in change.swaps:
        if old.email.lower() in out:
            out.setdefault(new.email.lower(), out[old.email.lower()])
    out.update({e.lower(): r for e, r in change.roles.items()})
    return {m.email: out[m.email.lower()] for m in members if m.email.lower() in out}


# ---- confirmation text -----------------------------------------------------------------------
def task_label(role: str | None) -> str:
    """Indonesian task wording: "berita, foto" -> "penulisan berita dan dokumentasi foto"."""
    skills = [s.strip() for s in (role or "").split(",") if s.strip()]
    return _and([TASK_LABELS.get(s, s) for s in skills]) if skills else "anggota tim peliputan"


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
def _unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


def _unique_members(members: Iterable[Member]) -> list[Member]:
    """Members in first-seen order, one per email address (case-insensitive)."""
    seen: dict[str, Member] = {}
    for m in members:
        seen.setdefault(m.email.lower(), m)
    return list(seen.values())
