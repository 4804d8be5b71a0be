"""A request's facts: codes, the same event sent twice, clashes in the schedule book."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, event, literal_column, or_, select, union
from sqlalchemy.orm import Session

from daemon.core import db, indonesian
from daemon.core.context import Context
from daemon.core.lexicon import pattern
from daemon.core.models import Request
from daemon.core.types import RequestFacts
from daemon.reading.extract import complete_from_reply, missing_fields_text

log = logging.getLogger("daemon.sop.intake")


class _Cancel:
    """The words that cancel an event (the lexicon's `cancel`), searched like a compiled pattern."""

    def search(self, text: str) -> re.Match[str] | None:
        return pattern(r"\b{}", "cancel").search(text)


CANCEL = _Cancel()
DEFAULT_LENGTH = timedelta(hours=3)
SAME_TIME = timedelta(minutes=30)  # two starts this close are the same time


def norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", (text or "").lower()).strip()


@lru_cache(maxsize=1024)  # ~1.6 kB each: 2,048 held 3.2 MB of the main process's steady heap
def _profile(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """Words and numbers of a text (cached: a new letter is compared with many open requests)."""
    found = frozenset(norm(text).split())
    return found, frozenset(t for t in found if t.isdigit())


def similar(a: str | None, b: str | None) -> float:
    """How alike two titles or places are, 0..1: shared words over all words (Jaccard).

    Titles that name different numbers ("MTQ ke-50" / "MTQ ke-51") are different events.
    """
    (ta, numbers_a), (tb, numbers_b) = _profile(a), _profile(b)
    if not ta or not tb:
        return 0.0
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def span(req: Request) -> tuple:
    return req.event_start, req.event_end or (req.event_start + DEFAULT_LENGTH)


def same_event(s: Session, facts: RequestFacts, email: str) -> tuple[Request | None, str]:
    """An open request this letter repeats: ('same', sent again), ('moved', new time) or ('other')."""
    for req in _candidates(s, facts, email):
        same_unit = req.requester_email == email or (
            facts.requester and similar(req.requester, facts.requester) > 0.9)
        alike = similar(req.title, facts.title)
        same_time = bool(facts.start and req.event_start and
                         abs(req.event_start - facts.start) <= SAME_TIME)
        if same_unit and (alike >= 0.75 or (same_time and alike >= 0.5)):
            return _whole(s, req), ("same" if same_time or not facts.start else "moved")
        if same_time and (alike >= 0.5 or similar(req.location, facts.location) >= 0.8):
            return _whole(s, req), "same"
    return None, "other"


def _whole(s: Session, found: Any) -> Request:
    if isinstance(found, Request):
        return found
    with s.no_autoflush:
        return s.get(Request, found.id)


def _candidates(s: Session, facts: RequestFacts, email: str) -> list:
    """The open requests that could be the same event: same unit (by address, or by a name
    alike enough) or within half an hour. Plain columns, not whole rows, and never every open
    request: a backlog of thousands would make each new letter slower than the last.

    Nothing is flushed for this (a batch of letters is written with one flush at its end): the
    rows come from the database, except requests the session holds (opened, or changed, in this
    transaction), which are judged as they are in the session by the same conditions."""
    names = [name for name in open_requesters(s) if facts.requester and similar(name, facts.requester) > 0.9]
    lo, hi = (facts.start - SAME_TIME, facts.start + SAME_TIME) if facts.start else (None, None)
    rows = _rows(s, email, names, lo, hi)
    held = _held(s)
    if not held:
        return rows
    wanted = set(names)
    found = [row for row in rows if row.id not in held]
    for req in held.values():
        start = _value(req, "event_start")
        if (_value(req, "requester_email") == email or _value(req, "requester") in wanted
                or (lo is not None and start is not None and lo <= start <= hi)) \
                and _value(req, "state") == "open" and req in s:
            found.append(req)
    return sorted(found, key=lambda r: r.id)


def _rows(s: Session, email: str, names: list[str], lo: Any, hi: Any) -> list:
    """The candidates in the database, in id order: the unit's requests (by address, by each
    name alike enough: `requester IN (...)` would not be read through the partial index) and
    those within the window. On SQLite the unit's are kept for the transaction (`_units`)."""
    conn = s.connection()
    units = _units(s, conn)
    if units is None:
        rows = conn.execute(_CANDIDATES[bool(names), lo is not None],
                            {"email": email, "lo": lo, "hi": hi, "name": names[0] if names else None}).all()
        if len(names) < 2:
            return rows
        more = [row for name in names[1:] for row in conn.execute(_BY_NAME, {"name": name})]
        return sorted({row.id: row for row in (*rows, *more)}.values(), key=lambda row: row.id)
    key = (email, *sorted(names))
    unit = units.get(key)
    if unit is None:  # (the unit's first letter in this transaction)
        found = conn.execute(_BY_ADDRESS, {"email": email}).all()
        found += [row for name in names for row in conn.execute(_BY_NAME, {"name": name})]
        unit = units[key] = {row.id: row for row in sorted(found, key=lambda row: row.id)}
    if lo is None:
        return list(unit.values())
    at_time = [row for row in conn.execute(_BY_TIME, {"lo": lo, "hi": hi}) if row.id not in unit]
    return sorted((*unit.values(), *at_time), key=lambda row: row.id) if at_time else list(unit.values())


def _units(s: Session, conn: Any) -> dict | None:
    """The unit's open requests read in this transaction, by (address, names): on SQLite only,
    whose transaction holds the write lock (BEGIN IMMEDIATE, core/db.py): nobody else commits
    meanwhile (on PostgreSQL each statement sees what another daemon committed). Forgotten at
    every flush and every transaction's or savepoint's end (`_forget_at_*`): the database's rows
    may then differ from those read."""
    if conn.dialect.name != "sqlite":
        return None
    txn = s.get_transaction()
    kept = s.info.get("unit_candidates")
    if kept is None or kept[0] is not txn:
        kept = s.info["unit_candidates"] = (txn, {})
    return kept[1]


@event.listens_for(Session, "after_flush")
def _forget_at_flush(session: Session, _context: Any) -> None:
    session.info.pop("unit_candidates", None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, _transaction: Any) -> None:
    session.info.pop("unit_candidates", None)


def _held(s: Session) -> dict[int, Request]:
    """The requests this session may hold unlike the database: opened in this transaction
    (`opened`; one undone with its savepoint is no longer in the session) or changed."""
    opened_now = s.info.get("opened_txn") is s.get_transaction()
    held = {req.id: req for req in s.info["opened_requests"]} if opened_now else {}
    for obj in s.dirty:
        if isinstance(obj, Request):
            held[obj.id] = obj
    return held


def _value(obj: Request, name: str) -> Any:
    """An attribute as the session holds it (read from the instance's own dict: a batch's
    letters each compare with every request opened before them in the batch)."""
    found = obj.__dict__
    return found[name] if name in found else getattr(obj, name)


_COLUMNS = (Request.id, Request.requester_email, Request.requester, Request.title,
            Request.event_start, Request.location)
# 'open' written out, not a parameter: SQLite and PostgreSQL then use the partial index of open
# requests' names (ix_request_open_requester, 0010) for that part
_OPEN = Request.state == literal_column("'open'")
_BY_NAME = select(*_COLUMNS).where(_OPEN, Request.requester == bindparam("name"))
_BY_ADDRESS = select(*_COLUMNS).where(_OPEN, Request.requester_email == bindparam("email"))
_BY_TIME = select(*_COLUMNS).where(_OPEN, Request.event_start.between(bindparam("lo"), bindparam("hi")))


def _candidates_of(named: bool, window: bool) -> Any:
    """The repeat check's statement: the unit's open requests by address, by one name (`named`)
    and, with a `window`, those starting within it, as a UNION whose every part is read through
    its own index (never a scan of every open request)."""
    parts = [_BY_ADDRESS, *([_BY_NAME] if named else []), *([_BY_TIME] if window else [])]
    return union(*parts).order_by("id") if len(parts) > 1 else parts[0].order_by(Request.id)


# the statements for every letter, built and compiled once
_CANDIDATES = {(named, window): _candidates_of(named, window)
               for named in (False, True) for window in (False, True)}


def open_requesters(s: Session) -> set[str]:
    """The names of the units with an open request, read once per transaction (a batch of
    letters) and kept current by `opened`: a request closed meanwhile only widens the search."""
    if "open_requesters" not in s.info:
        s.info["open_requesters"] = set(s.scalars(
            select(Request.requester).distinct().where(Request.state == "open",
                                                       Request.requester.is_not(None))))
    return s.info["open_requesters"]


def opened(s: Session, req: Request) -> None:
    """A request was opened in this transaction: its unit is one to compare the next letters with."""
    txn = s.get_transaction()
    kept = s.info.get("opened_txn")
    if kept is not txn:  # a new transaction: what an earlier one opened is in the database
        s.info["opened_txn"], s.info["opened_requests"] = txn, []
    s.info["opened_requests"].append(req)
    if req.requester and "open_requesters" in s.info:
        s.info["open_requesters"].add(req.requester)


def apply_facts(req: Request, facts: RequestFacts) -> None:
    req.title = facts.title or req.title or ""
    req.event_start, req.event_end, req.until_done = facts.start, facts.end, facts.until_done
    req.location, req.kecamatan, req.outside_island = facts.location, facts.kecamatan, facts.outside_island
    req.requester = facts.requester or req.requester
    req.contact_name, req.contact_phone = facts.contact_name, facts.contact_phone
    req.letter_number, req.letter_date = facts.letter_number, facts.letter_date
    req.letter_subject = facts.letter_subject or req.letter_subject
    req.missing = list(facts.missing)


def facts_of(req: Request) -> RequestFacts:
    f = RequestFacts(title=req.title or None, start=req.event_start, end=req.event_end,
                     until_done=req.until_done, location=req.location, requester=req.requester,
                     contact_name=req.contact_name, contact_phone=req.contact_phone,
                     letter_number=req.letter_number, letter_date=req.letter_date,
                     letter_subject=req.letter_subject,
                     kecamatan=req.kecamatan, outside_island=req.outside_island)
    f.compute_missing()
    return f


# built once (its cache key too): the open events overlapping [start, end) but the request's own
_CLASHES = (select(Request.code, Request.title, Request.event_start, Request.event_end, Request.location)
            .where(Request.state == "open", Request.id != bindparam("id"),
                   Request.event_start.is_not(None), Request.event_start < bindparam("end"),
                   or_(Request.event_end > bindparam("start"),
                       and_(Request.event_end.is_(None), Request.event_start > bindparam("start_less"))))
            .order_by(Request.id))


def clashes(s: Session, req: Request) -> list[str]:
    """Warnings for the approvers: other open events at the same time."""
    if req.event_start is None:
        return []
    start, end = span(req)
    out = []
    others = s.execute(_CLASHES, {"id": req.id, "start": start, "end": end,
                                  "start_less": start - DEFAULT_LENGTH}).all()
    for other in others:
        o_start, o_end = span(other)
        if o_start < end and start < o_end:
            out.append(f"Waktu acara bersamaan dengan {other.code} ({other.title}, "
                       f"{indonesian.format_datetime(other.event_start)}, {other.location or '-'}).")
    return out


def new_code(ctx: Context, s: Session) -> str:
    year = ctx.local_now().year
    return f"LPT-{year}-{db.next_value(s, 'request', year):04d}"


def missing_text(req: Request) -> str:
    return missing_fields_text(facts_of(req))


# what a revision note asks the requester to correct, named in the office's own fixed words:
# the official's note itself is internal and never goes to the requesting unit
CORRECTIONS = [
    (r"\b(hari|tanggal|tgl)\b", "hari dan tanggal kegiatan"),
    (r"\b(waktu|jam|pukul)\b", "waktu kegiatan (pukul mulai dan selesai)"),
    (r"\b(tempat|lokasi|gedung|alamat)\b", "tempat kegiatan (nama gedung dan alamat lengkap)"),
    (r"\b(acara|nama kegiatan|judul)\b", "nama acara"),
    (r"\b(narahubung|kontak|contact|cp|telepon|telp|hp|wa)\b", "narahubung dan nomor teleponnya"),
    (r"\b(nomor surat|surat permohonan|tanda tangan|stempel|cap)\b",
     "surat permohonan (nomor, tanggal dan penanda tangan)"),
]


def requester_note(note: str | None) -> str | None:
    """The corrections a revision note names, as a fixed phrase for the requester; None if none."""
    named = [phrase for pattern, phrase in CORRECTIONS if re.search(pattern, note or "", re.I)]
    if not named:
        return None
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " serta " + named[-1]


def correction(req: Request, text: str, places: Any, now: Any) -> RequestFacts | None:
    """The time and place a requester's own words give for their event ("Hari/Tanggal: ...",
    "Pukul: ...", "Tempat: ..."), the rest kept as recorded; None when the text names neither.
    A new day without a time keeps the recorded time of day (and the event's length)."""
    if req.event_start is None:
        return None
    got = complete_from_reply(RequestFacts(), text, places, now)
    moved = facts_of(req)
    old = req.event_start.astimezone(now.tzinfo)
    if got.start is not None:
        moved.start, moved.end, moved.until_done = got.start, got.end, got.until_done
    elif got.event_date is not None:
        start = old.replace(year=got.event_date.year, month=got.event_date.month,
                            day=got.event_date.day)
        moved.end = req.event_end + (start - old) if req.event_end else None
        moved.start = start
    if got.location:
        moved.location, moved.kecamatan, moved.outside_island = (got.location, got.kecamatan,
                                                                 got.outside_island)
    if got.start is None and got.event_date is None and not got.location:
        return None
    return moved
