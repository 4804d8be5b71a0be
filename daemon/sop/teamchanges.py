"""Reads the Kasi's plain-words team changes and applies them to a proposal."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from daemon.sop.team import Member, skills_in, unique, unique_members

FUZZY_RATIO = 0.85  # tolerates one missing or extra letter in a name
MIN_PREFIX = 3  # shortest name prefix accepted ("Rin" for Rina)


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
    roster = unique_members(roster)
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
        return unique_members(out)

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
    reader = _Reader(unique_members(roster))
    for clause in _clauses(text or ""):
        reader.clause(clause)
    change = reader.change
    change.add, change.remove = unique_members(change.add), unique_members(change.remove)
    change.unknown = unique(change.unknown)
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
    return [current.get(m.email.lower(), m) for m in unique_members(team)]


def apply_roles(roles: dict[str, str], change: TeamChange, members: list[Member]) -> dict[str, str]:
    """Roles after the change: a replacement inherits the old task, written tasks win, leavers drop out."""
    out = {e.lower(): r for e, r in roles.items()}
    for old, new in change.swaps:
        if old.email.lower() in out:
            out.setdefault(new.email.lower(), out[old.email.lower()])
    out.update({e.lower(): r for e, r in change.roles.items()})
    return {m.email: out[m.email.lower()] for m in members if m.email.lower() in out}
