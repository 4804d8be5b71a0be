"""What goes into a request's archive bag: its letter, replies, our mail, letters, delivered files and history, read from the database."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.archive.bag import Item
from daemon.core import indonesian
from daemon.core.models import DeliveryFile, Document, Event, Inbound, Outbox, Request

# delivered file kinds -> folder under hasil-liputan/
KIND_FOLDERS = {"news": "berita", "photo": "foto", "video": "video"}


class Collected(list):
    """The items of a bag (a list of Item) plus the files that were expected but are gone."""

    def __init__(self) -> None:
        super().__init__()
        self.missing: list[str] = []  # one line per lost file: arcname and where it should have been

    def add(self, arcname: str, source: Path | bytes, what: str = "") -> None:
        """Add a file item; a path that no longer exists is recorded as missing instead."""
        if isinstance(source, Path) and not source.is_file():
            self.missing.append(f"{arcname}\t{source}{'  (' + what + ')' if what else ''}")
            return
        self.append(Item(arcname, source))


def items_for(session: Session, request: Request, dropbox: Path, state: Path,
              zone: str | tzinfo | None = None) -> Collected:
    """Everything the bag of `request` holds; missing files end up in HILANG.txt and `.missing`."""
    out = Collected()
    _letter(session, request, state, out)
    _replies(session, request, state, zone, out)
    _outbox(session, request, out)
    _documents(session, request, out)
    _deliveries(session, request, Path(dropbox), Path(state), out)
    out.add("riwayat.txt", history(session, request, zone).encode("utf-8"))
    if out.missing:
        head = f"Berkas {request.code} yang tidak ditemukan saat pengarsipan (nama di arsip, lokasi asal):\n"
        out.add("HILANG.txt", (head + "\n".join(out.missing) + "\n").encode("utf-8"))
    return out


def _raw(raw_path: str, state: Path) -> Path:
    path = Path(raw_path)
    return path if path.is_absolute() else Path(state) / path


def _letter(session: Session, request: Request, state: Path, out: Collected) -> None:
    if request.source_inbound_id is None:
        return
    inbound = session.get(Inbound, request.source_inbound_id)
    if inbound is not None:
        out.add("surat-permintaan.eml", _raw(inbound.raw_path, state), "surat permintaan")


def _replies(session: Session, request: Request, state: Path, zone: str | tzinfo | None,
             out: Collected) -> None:
    rows = session.scalars(select(Inbound).where(Inbound.request_id == request.id,
                                                 Inbound.id != (request.source_inbound_id or -1))
                           .order_by(Inbound.received_at, Inbound.id))
    for n, row in enumerate(rows, 1):
        stamp = indonesian.to_zone(row.received_at, zone).strftime("%Y%m%d-%H%M%S")
        out.add(f"balasan/{stamp}-{n}.eml", _raw(row.raw_path, state), f"balasan dari {row.from_addr}")


def _outbox(session: Session, request: Request, out: Collected) -> None:
    rows = session.scalars(select(Outbox).where(Outbox.request_id == request.id,
                                                 Outbox.status.in_(("sent", "summarised")))
                           .order_by(Outbox.sent_at, Outbox.id))
    for n, row in enumerate(rows, 1):
        # a notice held by the hourly limit went out inside a summary mail ("summarised")
        name = f"surat-keluar/{n:03d}-{row.kind}{'-diringkas' if row.status == 'summarised' else ''}.eml"
        if row.pruned_at is not None:  # removed by retention after an earlier bag kept it
            out.missing.append(f"{name}\t{row.message_id}  (dihapus oleh retensi)")
            continue
        out.add(name, bytes(row.raw))


def _documents(session: Session, request: Request, out: Collected) -> None:
    rows = session.scalars(select(Document).where(Document.request_id == request.id,
                                                  Document.status == "ready").order_by(Document.id))
    for doc in rows:
        for path in (doc.path, doc.pdf_path):
            if path:
                out.add(f"naskah/{Path(path).name}", Path(path), f"{doc.kind} v{doc.version}")


def _deliveries(session: Session, request: Request, dropbox: Path, state: Path, out: Collected) -> None:
    rows = session.scalars(select(DeliveryFile).where(DeliveryFile.request_id == request.id,
                                                      DeliveryFile.status == "accepted")
                           .order_by(DeliveryFile.id))
    for row in rows:
        root = dropbox if row.source == "folder" else state
        folder = KIND_FOLDERS.get(row.kind, "lain")
        out.add(f"hasil-liputan/{folder}/{row.name or Path(row.relpath).name}", root / row.relpath,
                f"{row.source}: {row.relpath}")


def history(session: Session, request: Request, zone: str | tzinfo | None = None) -> str:
    """The request's events, one line each: time (office zone), step, actor, kind, decision, note."""
    rows = session.scalars(select(Event).where(Event.request_id == request.id).order_by(Event.time, Event.id))
    lines = [f"Riwayat {request.code}: {request.title}".rstrip()]
    for ev in rows:
        local = indonesian.to_zone(ev.time, zone)
        when = f"{local:%Y-%m-%d %H:%M:%S} {indonesian.zone_abbreviation(local)}"
        step = f"langkah {ev.step}" if ev.step is not None else "-"
        fields = [when, step, ev.actor or "-", ev.kind, ev.decision or "-", _one_line(ev.note or ""),
                  ev.message_id or ""]
        lines.append(" | ".join(fields).rstrip(" |"))
    return "\n".join(lines) + "\n"


def filing_date(request: Request, zone: str | tzinfo | None = None) -> date:
    """The month a bag is filed under: the event's (office zone), else when the request came in."""
    moment: datetime = request.event_start or request.created_at
    return indonesian.to_zone(moment, zone).date()


def info_for(request: Request, office_name: str, zone: str | tzinfo | None = None) -> dict[str, str]:
    """bag-info.txt facts of the request (values in Indonesian, as the request states them)."""
    event = ""
    if request.event_start is not None:
        event = indonesian.format_time_range(request.event_start, request.event_end, request.until_done, zone)
    team = ", ".join(f"{m.get('name', m.get('email', ''))}" + (f" ({m['skill']})" if m.get("skill") else "")
                     for m in request.team or [] if isinstance(m, dict))
    facts = {
        "Source-Organization": office_name,
        "Contact-Name": request.contact_name,
        "Contact-Phone": request.contact_phone,
        "Contact-Email": request.requester_email,
        "External-Description": f"Dokumentasi peliputan {request.code}: {request.title}",
        "Judul": request.title,
        "Perihal": request.subject,
        "Tanggal-Acara": event,
        "Tempat": request.location,
        "Kecamatan": request.kecamatan,
        "Unit-Pengusul": request.requester,
        "Nomor-Surat": request.letter_number,
        "Tanggal-Surat": request.letter_date,
        "Tim": team,
        "Status": request.state,
    }
    return {k: _one_line(str(v)) for k, v in facts.items() if v}


def _one_line(text: str) -> str:
    return " ".join(text.split())
