"""Context builders for the disposition sheet, nota dinas and SPT templates (Indonesian wording)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from daemon.core.indonesian import (
    format_date_short,
    format_datetime,
    format_datetime_short,
)
from daemon.paperwork.spt_letter import (  # noqa: F401 (the SPT's builders, named here as before)
    initial_row,
    initial_rows,
    signed_marker,
    spt_context,
    spt_dasar,
    spt_position,
    spt_untuk,
    travel_days,
)
from daemon.paperwork.wording import (
    DEFAULT_SIFAT,
    EMPTY,
    as_dict,
    kop_context,
    letter_reference,
    local_now,
    official_position,
    person_row,
    regency,
    request_context,
    role_jabatan,
    signer_context,
    text,
)

MemoKind = Literal["team", "spt"]
MEMO_ROLES: dict[str, tuple[str, str]] = {"team": ("kasi", "kabid"), "spt": ("kabid", "kadis")}
MEMO_ATTACHMENTS = {"spt": "1 (satu) berkas"}  # the draft SPT travels with the memo that asks for it


# --- lembar disposisi --------------------------------------------------------------------------

def party(office: Mapping, value: Any) -> str:
    """Who sent/received a disposition: a role key, an official dict or a position string."""
    if isinstance(value, str):
        return role_jabatan(office, value) or value
    person = as_dict(value)
    role = person.get("role")
    return official_position(person, role_jabatan(office, role) if role else "") or EMPTY


# The instructions a lembar disposisi offers, each ticked when the official's words ask for it.
INSTRUCTIONS = (("Tanggapan dan saran", r"tanggap|saran"),
                ("Proses lebih lanjut", r"proses|lanjut|laksana|jadwal|tugaskan|perintah|liput|setuju"),
                ("Koordinasi/konfirmasi", r"koordinasi|konfirmasi|hubungi"),
                ("Untuk diketahui", r"ketahui|informasi"),
                ("Hadiri/wakili", r"hadir|wakili"),
                ("Siapkan bahan", r"bahan|siapkan|susun"),
                ("Arsip", r"arsip"))
TICK, BOX = "\u2612", "\u2610"  # ballot box with X, empty ballot box


def disposition_row(office: Mapping, item: Any) -> dict | None:
    """One disposition made: sender, recipient, instruction, and the paraf (approved by mail, when);
    None while pending (a lembar disposisi shows what was disposed, not what is awaited)."""
    d = as_dict(item)
    at = d.get("at") or d.get("date") or d.get("done_at")
    if not at:
        return None
    note = d.get("note") or d.get("instruction") or d.get("text")
    when = format_datetime_short(at) if isinstance(at, datetime) else text(at)
    return {"sender": party(office, d.get("from") or d.get("sender") or ""),
            "recipient": party(office, d.get("to") or d.get("recipient") or ""),
            "note": text(note), "date": when, "by": text(d.get("by"), ""),
            "paraf": f"disetujui melalui surel, {when}"}


def instructions(words: str, disposed: bool) -> list[dict]:
    """The usual instructions, ticked from the officials' words; "Proses lebih lanjut" when they
    disposed without naming one."""
    marks = [(label, bool(re.search(rx, words))) for label, rx in INSTRUCTIONS]
    if disposed and not any(on for _, on in marks):
        marks = [(label, label == "Proses lebih lanjut") for label, _ in marks]
    return ticked(marks)


def ticked(options: Iterable[tuple[str, bool]]) -> list[dict]:
    return [{"text": label, "mark": TICK if on else BOX} for label, on in options]


def disposition_context(office: dict, request: Any, dispositions: list[dict], number: str,
                        now: datetime | None = None, forward: list[str] | None = None) -> dict:
    """Context for lembar_disposisi.docx: the letter's facts, the nomor agenda (the incoming register),
    diteruskan kepada, the instructions ticked from the officials' words, catatan and paraf rows."""
    now = local_now(now)
    req = request_context(request, regency(office))
    raw = as_dict(request)
    received = raw.get("received") or now
    letter = {"sender": req["requester_head"], "number": req["letter_number"], "date": req["letter_date"],
              "subject": req["subject"], "received": text(received), "agenda": text(number),
              "sifat": text(raw.get("sifat"), DEFAULT_SIFAT)}
    given = [as_dict(d) for d in dispositions]
    rows = [r for r in (disposition_row(office, d) for d in given) if r]
    words = " ".join(str(d.get("note") or "") + " " + str(d.get("own_note") or "") for d in given
                     if d.get("at")).lower()
    sent_to = {r["recipient"] for r in rows}
    forward = forward or [role_jabatan(office, r) for r in ("sekdis", "kabid", "kasi")]
    notes = [f"{r['by'] or r['sender']}: {d['own_note']}" for r, d in
             zip(rows, [d for d in given if d.get("at")]) if d.get("own_note")]
    return {"kop": kop_context(office), "request": req, "letter": letter, "number": number,
            "forward": ticked((f, f in sent_to) for f in forward if f),
            "instructions": instructions(words, bool(rows)),
            "catatan": notes or [EMPTY], "dispositions": rows,
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


def memo_texts(kind: MemoKind, req: Mapping, you: str = "Bapak/Ibu") -> tuple[str, list[str], list[str]]:
    """Default subject, body and closing of the two memos; `you` is the addressee's salutation."""
    reference = letter_reference(req)
    if kind == "team":
        hal = f"Jadwal dan Petugas Peliputan Kegiatan {req['title']}"
        body = [f"Menindaklanjuti disposisi {you} atas {reference}, bersama ini kami sampaikan "
                "jadwal dan susunan petugas peliputan dan dokumentasi kegiatan tersebut sebagai berikut:"]
        closing = ["Demikian disampaikan, mohon petunjuk dan arahan lebih lanjut. "
                   f"Atas perhatian {you} diucapkan terima kasih."]
        return hal, body, closing
    hal = f"Permohonan Penerbitan Surat Perintah Tugas Peliputan Kegiatan {req['title']}"
    body = [f"Sehubungan dengan {reference}, kegiatan {req['title']} akan dilaksanakan pada "
            f"{req['when']} bertempat di {req['location']}, yang berada di luar Pulau Bengkalis.",
            f"Berkenaan dengan hal tersebut, dengan hormat kami mohon kiranya {you} berkenan "
            "menerbitkan Surat Perintah Tugas bagi petugas peliputan dan dokumentasi sebagai berikut:"]
    closing = [f"Demikian disampaikan, atas perhatian dan perkenan {you} diucapkan terima kasih."]
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
    you = as_dict(recipient).get("salutation") or "Bapak/Ibu"
    default_hal, default_body, default_closing = memo_texts(kind, req, you)
    if tembusan is None:
        tembusan = [role_jabatan(office, "sekdis")] if kind == "spt" else []
    copies = "; ".join(t for t in tembusan if t) or EMPTY
    return {"kop": kop_context(office), "request": req, "number": number, "kind": kind,
            "recipient": signer_context(recipient, role_jabatan(office, recipient_role)),
            "signer": signer_context(sender, role_jabatan(office, sender_role)),
            "tembusan": copies, "date": format_date_short(now.date()),
            "sifat": text(as_dict(request).get("sifat"), DEFAULT_SIFAT), "lampiran": MEMO_ATTACHMENTS.get(kind, EMPTY),
            "hal": hal or default_hal, "body": body if body is not None else default_body,
            "closing": closing if closing is not None else default_closing,
            "schedule_rows": schedule_rows(req, schedule),
            "team": [person_row(p) for p in team]}
