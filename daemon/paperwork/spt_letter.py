"""Context builder for the Surat Perintah Tugas template (Dasar, Kepada, Untuk, paraf, approval)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from daemon.core.indonesian import (
    format_date,
    format_date_short,
    format_datetime,
    format_datetime_short,
    title_case,
    to_zone,
)
from daemon.paperwork.wording import (
    INITIAL_SLOTS,
    ROLE_ALIASES,
    as_date,
    as_dict,
    enumerate_clauses,
    kop_context,
    letter_reference,
    letterhead,
    local_now,
    official_position,
    person_row,
    regency,
    request_context,
    role_jabatan,
    signer_context,
    text,
)

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
        return {"label": label, "name": "", "at": "", "status": "Belum"}
    name = f"{initial.get('title') or ''} {initial.get('name') or ''}".strip()
    when = format_datetime_short(at) if isinstance(at, datetime) else text(at)
    return {"label": label, "name": name, "at": when, "status": "Sudah"}


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
