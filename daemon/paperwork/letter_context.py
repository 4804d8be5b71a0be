"""Context builders for the disposition sheet, nota dinas and SPT templates (Indonesian wording)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any, Iterable, Literal, Mapping

from daemon.core.indonesian import (
    format_date,
    format_date_short,
    format_datetime,
    format_datetime_short,
    format_time_range,
    title_case,
    to_zone,
)
from daemon.core.units import head_office, unit_name

MemoKind = Literal["team", "spt"]
MEMO_ROLES: dict[str, tuple[str, str]] = {"team": ("kasi", "kabid"), "spt": ("kabid", "kadis")}
INITIAL_SLOTS = (("kabid", "Kabid"), ("sekdis", "Sekretaris"))
ROLE_ALIASES = {"sekretaris": "sekdis", "kepala_dinas": "kadis", "kepala_bidang": "kabid",
                "kepala_seksi": "kasi"}
SKILL_TASKS = {"berita": "Penulisan berita", "foto": "Fotografi", "video": "Videografi"}
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


def kop_context(office: Mapping) -> dict:
    """Kop surat lines."""
    head = letterhead(office)
    contact = [f"Telepon {head['phone']}" if head.get("phone") else "",
               f"Pos-el {head['email']}" if head.get("email") else "",
               f"Laman {head['website']}" if head.get("website") else ""]
    return {"government": head.get("government", ""), "name": head.get("name", ""),
            "address": head.get("address", ""), "contact": ", ".join(c for c in contact if c)}


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
    task = p.get("task") or ", ".join(SKILL_TASKS.get(s, str(s)) for s in p.get("skills") or [])
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
            "letter_date": format_date_short(letter_day) if letter_day else EMPTY,
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


# --- lembar disposisi --------------------------------------------------------------------------

def party(office: Mapping, value: Any) -> str:
    """Who sent/received a disposition: a role key, an official dict or a position string."""
    if isinstance(value, str):
        return role_jabatan(office, value) or value
    person = as_dict(value)
    role = person.get("role")
    return official_position(person, role_jabatan(office, role) if role else "") or EMPTY


def disposition_row(office: Mapping, item: Any) -> dict:
    """One disposition: sender, recipient, instruction and when (or "Menunggu" when pending)."""
    d = as_dict(item)
    at = d.get("at") or d.get("date") or d.get("done_at")
    note = d.get("note") or d.get("instruction") or d.get("text")
    return {"sender": party(office, d.get("from") or d.get("sender") or ""),
            "recipient": party(office, d.get("to") or d.get("recipient") or ""),
            "note": text(note), "date": format_datetime_short(at) if isinstance(at, datetime) else text(at, "Menunggu")}


def disposition_context(office: dict, request: Any, dispositions: list[dict], number: str,
                        now: datetime | None = None) -> dict:
    """Context for lembar_disposisi.docx."""
    now = local_now(now)
    req = request_context(request, regency(office))
    raw = as_dict(request)
    received = raw.get("received") or now
    letter = {"sender": req["requester_head"], "number": req["letter_number"], "date": req["letter_date"],
              "subject": req["subject"], "received": text(received), "agenda": text(number),
              "sifat": text(raw.get("sifat"), DEFAULT_SIFAT)}
    return {"kop": kop_context(office), "request": req, "letter": letter, "number": number,
            "dispositions": [disposition_row(office, d) for d in dispositions],
            "printed_at": format_datetime_short(now)}


# --- nota dinas --------------------------------------------------------------------------------

def schedule_rows(req: Mapping, schedule: Mapping | None) -> list[dict]:
    """Label/value lines of the coverage schedule; optional keys: depart, meeting_point, transport, contact, notes."""
    s = dict(schedule or {})
    rows = [("Kegiatan", req["title"]), ("Waktu", req["when"]), ("Tempat", req["location"]),
            ("Penyelenggara", req["requester"])]
    if isinstance(s.get("depart"), datetime):
        rows.append(("Keberangkatan tim", format_datetime(s["depart"])))
    extra = (("meeting_point", "Titik kumpul"), ("transport", "Transportasi"), ("contact", "Narahubung"),
             ("notes", "Keterangan"))
    rows += [(label, str(s[key])) for key, label in extra if s.get(key)]
    return [{"label": label, "value": value} for label, value in rows]


def memo_texts(kind: MemoKind, req: Mapping) -> tuple[str, list[str], list[str]]:
    """Default subject, body and closing of the two memos."""
    reference = letter_reference(req)
    if kind == "team":
        hal = f"Jadwal dan Petugas Peliputan Kegiatan {req['title']}"
        body = [f"Menindaklanjuti disposisi Bapak/Ibu atas {reference}, bersama ini kami sampaikan "
                "jadwal dan susunan petugas peliputan dan dokumentasi kegiatan tersebut sebagai berikut:"]
        closing = ["Demikian disampaikan, mohon petunjuk dan arahan lebih lanjut. "
                   "Atas perhatian Bapak/Ibu diucapkan terima kasih."]
        return hal, body, closing
    hal = f"Permohonan Penerbitan Surat Perintah Tugas Peliputan Kegiatan {req['title']}"
    body = [f"Sehubungan dengan {reference}, kegiatan {req['title']} akan dilaksanakan pada "
            f"{req['when']} bertempat di {req['location']}, yang berada di luar Pulau Bengkalis.",
            "Berkenaan dengan hal tersebut, dengan hormat kami mohon kiranya Bapak/Ibu berkenan "
            "menerbitkan Surat Perintah Tugas bagi petugas peliputan dan dokumentasi sebagai berikut:"]
    closing = ["Demikian disampaikan, atas perhatian dan perkenan Bapak/Ibu diucapkan terima kasih."]
    return hal, body, closing


def memo_context(office: dict, request: Any, sender: Any, recipient: Any, kind: MemoKind,
                 team: list[dict], schedule: dict | None, number: str, now: datetime | None = None, *,
                 hal: str | None = None, body: list[str] | None = None,
                 closing: list[str] | None = None, tembusan: list[str] | None = None) -> dict:
    """Context for nota_dinas.docx: "team" (step 5, Kasi to Kabid) or "spt" (step 7, Kabid to Kadis)."""
    if kind not in MEMO_ROLES:
        raise ValueError(f"unknown memo kind {kind!r}")
    now = local_now(now)
    req = request_context(request, regency(office))
    sender_role, recipient_role = MEMO_ROLES[kind]
    default_hal, default_body, default_closing = memo_texts(kind, req)
    if tembusan is None:
        tembusan = [role_jabatan(office, "sekdis")] if kind == "spt" else []
    copies = "; ".join(t for t in tembusan if t) or EMPTY
    return {"kop": kop_context(office), "request": req, "number": number, "kind": kind,
            "recipient": signer_context(recipient, role_jabatan(office, recipient_role)),
            "signer": signer_context(sender, role_jabatan(office, sender_role)),
            "tembusan": copies, "date": format_date_short(now.date()),
            "sifat": text(as_dict(request).get("sifat"), DEFAULT_SIFAT), "lampiran": EMPTY,
            "hal": hal or default_hal, "body": body if body is not None else default_body,
            "closing": closing if closing is not None else default_closing,
            "schedule_rows": schedule_rows(req, schedule),
            "team": [person_row(p) for p in team]}


# --- surat perintah tugas ----------------------------------------------------------------------

NUMBER_WORDS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
                "sepuluh")


def cited(basis: Any) -> str:
    """A regulation of office.yaml legal_basis as a Dasar cites it (text kept as written)."""
    b = as_dict(basis) if not isinstance(basis, str) else {}
    if not b:
        return str(basis)
    return f"{b['jenis']} Nomor {b['nomor']} Tahun {b['tahun']} tentang {b['tentang']}"


def spt_dasar(office: Mapping, req: Mapping) -> list[str]:
    """Dasar: the office's regulations (office.yaml legal_basis, in order), then the request letter."""
    reference = letter_reference(req)
    basis = [cited(b) for b in office.get("legal_basis") or []]
    return enumerate_clauses([*basis, reference[:1].upper() + reference[1:]])


def travel_days(schedule: Mapping | None) -> str:
    """"selama 1 (satu) hari pada tanggal 9 Desember 2026" from the team's departure and return."""
    s = dict(schedule or {})
    depart, back = as_date(s.get("depart")), as_date(s.get("return_by"))
    if depart is None:
        return ""
    back = back if back and back >= depart else depart
    days = (back - depart).days + 1
    count = f"{days} ({NUMBER_WORDS[days]})" if days < len(NUMBER_WORDS) else str(days)
    span = (f"pada tanggal {format_date_short(depart)}" if days == 1 else
            f"mulai tanggal {format_date_short(depart)} s.d. {format_date_short(back)}")
    return f"selama {count} hari {span}"


def spt_untuk(office: Mapping, req: Mapping, schedule: Mapping | None) -> list[str]:
    """Untuk: the task, the travel's duration, the budget line (office.yaml spt_budget), the report."""
    task = (f"Melaksanakan peliputan dan dokumentasi kegiatan {req['title']} pada {req['when']} "
            f"bertempat di {req['location']}")
    days = travel_days(schedule)
    clauses = [task, f"Perjalanan dinas dilaksanakan {days}" if days else ""]
    if office.get("spt_budget"):
        clauses.append(f"Biaya yang timbul akibat Surat Perintah Tugas ini dibebankan pada "
                       f"{office['spt_budget']}")
    return enumerate_clauses([*clauses, "Melaporkan hasil pelaksanaan tugas kepada Kepala Dinas"])


def initial_rows(initials: list[Any], office: Mapping | None = None,
                 signer: Mapping | None = None) -> list[dict]:
    """Paraf rows: Kabid and Sekretaris, with name and time once initialled, blank before; a slot
    whose official signs the letter as acting Kepala Dinas is left out (one person, listed once)."""
    given = [as_dict(i) for i in initials]
    by_role = {ROLE_ALIASES.get(str(i.get("role", "")).lower(), str(i.get("role", "")).lower()): i
               for i in given}
    signer_nip = (signer or {}).get("nip") if (signer or {}).get("title") else None
    roles = (office or {}).get("roles", {})
    rows = []
    for role, label in INITIAL_SLOTS:
        if signer_nip and roles.get(role, {}).get("nip") == signer_nip:
            by_role.pop(role, None)
            continue
        rows.append(initial_row(label, by_role.pop(role, None)))
    rows += [initial_row(str(i.get("label") or i.get("role") or ""), i) for i in by_role.values()]
    return rows


def initial_row(label: str, initial: Mapping | None) -> dict:
    """One paraf row; blank name and time while pending."""
    at = (initial or {}).get("at")
    if not initial or not at:
        return {"label": f"Paraf {label}", "name": "", "at": "", "status": "Belum"}
    name = f"{initial.get('title') or ''} {initial.get('name') or ''}".strip()
    when = format_datetime_short(at) if isinstance(at, datetime) else text(at)
    return {"label": f"Paraf {label}", "name": name, "at": when, "status": "Sudah"}


def signed_marker(signed: Any, signer: Mapping, position: str = "") -> dict | None:
    """What is true once the Kepala Dinas approved the SPT: approved by mail on a date, to be signed
    by hand and stamped (no electronic signature is claimed)."""
    if not signed:
        return None
    s = as_dict(signed)
    at = s.get("at")
    name = s.get("name") or signer.get("name")
    when = format_datetime(at) if isinstance(at, datetime) else text(at)
    return {"name": name, "at": when,
            "text": f"Penerbitan Surat Perintah Tugas ini telah disetujui oleh {position} "
                    f"melalui surel pada {when}. Surat Perintah Tugas ini berlaku setelah "
                    "ditandatangani dan dibubuhi cap dinas."}


def spt_position(office: Mapping, signer: Mapping) -> str:
    """"Plt. KEPALA DINAS ... KABUPATEN BENGKALIS": the signer's office, capitals, ending with the regency."""
    position = official_position(signer, role_jabatan(office, "kadis"), upper=True)
    suffix = f"KABUPATEN {regency(office).upper()}"
    return position if position.endswith(suffix) or not regency(office) else f"{position} {suffix}"


def spt_context(office: dict, request: Any, team: list[dict], number: str, signer: Any,
                initials: list[dict], signed: dict | None, now: datetime | None = None,
                schedule: Mapping | None = None) -> dict:
    """Context for spt.docx; the signer's position carries "Plt."/"Plh." when acting for the Kadis."""
    now = local_now(now)
    req = request_context(request, regency(office))
    signer_dict = as_dict(signer)
    position = spt_position(office, signer_dict)
    marker = signed_marker(signed, signer_dict, title_case(position))
    signed_at = as_dict(signed).get("at") if signed else None
    day = to_zone(signed_at).date() if isinstance(signed_at, datetime) else now.date()
    return {"kop": kop_context(office), "request": req, "number": number,
            "dasar": spt_dasar(office, req), "team": [person_row(p) for p in team],
            "untuk": spt_untuk(office, req, schedule),
            "closing": "Demikian Surat Perintah Tugas ini dibuat untuk dilaksanakan dengan penuh "
                       "tanggung jawab.",
            "place": letterhead(office).get("city", ""), "date": format_date_short(day),
            "date_long": format_date(day),
            "signer": {**signer_context(signer_dict, role_jabatan(office, "kadis")), "position": position},
            "initials": initial_rows(initials, office, signer_dict), "signed": marker}
