"""What `liputan requests` and `liputan show` print for people: Indonesian headers, states and
dates as the office writes them. The `--json` output is built elsewhere and keeps the
contract's English keys and values."""

from __future__ import annotations

from datetime import datetime

from daemon.core import indonesian

KIND_LABELS = {"received": "diterima", "sent": "dikirim", "decided": "diputuskan",
               "rescheduled": "dijadwal ulang", "published": "dipublikasikan",
               "done": "selesai", "rejected": "ditolak", "cancelled": "dibatalkan",
               "superseded": "digantikan", "document": "dokumen", "failed": "gagal",
               "held": "ditahan", "duplicate": "duplikat", "delivered": "diserahkan",
               "scheduled": "dijadwalkan", "skipped": "dilewati", "waiting": "menunggu",
               "delegated": "dialihkan", "incomplete": "belum lengkap", "by_phone": "lewat telepon",
               "reminded": "diingatkan", "escalated": "diteruskan", "warned": "diperingatkan",
               "quarantined": "dikarantina", "ignored": "diabaikan", "bounced": "gagal kirim"}
DECISION_LABELS = {"approve": "setuju", "reject": "tolak", "revise": "perbaiki"}
FILE_STATUS = {"accepted": "diterima", "quarantined": "dikarantina", "replaced": "diganti"}
CHANNEL_STATUS = {"pending": "menunggu", "done": "selesai", "skipped": "dilewati", "failed": "gagal"}


def when(dt: datetime | str | None) -> str:
    """ "Senin, 7 Desember 2026 pukul 09.00 WIB"; "-" for none."""
    if not dt:
        return "-"
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    return indonesian.format_datetime(dt)


def requests_table(rows: list[dict], waiting: list) -> str:
    """`liputan requests`: one line per request, then letters whose scans are still read."""
    heads = ("Kode", "Status", "Langkah", "Waktu acara", "Kegiatan")
    lines = [(r["code"], indonesian.state_label(r["state"]), str(r["step"] or "-"),
              when(r["event_start"]), r["title"] or "-") for r in rows]
    lines += [(f"(pesan #{w.id})", "menunggu", "-", "-",
               f"{w.subject or '-'} <{w.from_addr or '-'}>: {w.reason or 'menunggu OCR'}")
              for w in waiting]
    widths = [max(len(h), *(len(ln[i]) for ln in lines)) if lines else len(h)
              for i, h in enumerate(heads)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*heads).rstrip(), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*ln).rstrip() for ln in lines]
    if not lines:
        out.append("(belum ada permohonan)")
    return "\n".join(out) + "\n"


def show_text(data: dict) -> str:
    """`liputan show CODE`: the request, then its timeline, files and channels."""
    yes_no = {True: "ya", False: "tidak", None: "belum diketahui"}
    out = [f"{data['code']}  {data['title']}",
           f"  Status     : {indonesian.state_label(data['state'])}"
           + (f", langkah {data['step']}" if data["step"] else ""),
           f"  Menunggu   : {', '.join(data['waiting_for']) or '-'}",
           f"  Acara      : {when(data['event_start'])}",
           f"  Tempat     : {data['location'] or '-'} (luar pulau: {yes_no.get(data['outside_island'], '-')})",
           f"  Pemohon    : {data['requester'] or '-'} <{data['requester_email']}>"]
    if data.get("team"):
        out.append("  Tim        : " + ", ".join(
            m.get("name", "?") + (f" ({m['task']})" if m.get("task") else "") for m in data["team"]))
    out += ["", "Riwayat", f"  {'Waktu':<16}  {'Langkah':<7}  {'Kejadian':<14}  {'Keputusan':<9}  "
                           f"{'Oleh':<36}  Catatan"]
    for e in data["events"]:
        stamp = indonesian.format_clock(datetime.fromisoformat(e["time"])) if e["time"] else "-"
        out.append(f"  {stamp:<16}  {str(e['step'] or '-'):<7}  "
                   f"{KIND_LABELS.get(e['kind'], e['kind']):<14}  "
                   f"{DECISION_LABELS.get(e['decision'] or '', e['decision'] or ''):<9}  "
                   f"{e['actor'] or '':<36}  {e['note'] or ''}".rstrip())
    if data.get("steps"):
        out += ["", "Waktu tiap langkah (menit kerja terhadap standar layanan SOP)"]
        for t in data["steps"]:
            late = " TERLAMBAT" if t["late"] else ""
            took = f"{t['working_minutes']:g} menit" + (f" / standar {t['standard_minutes']} menit"
                                                        if t["standard_minutes"] else "")
            out.append(f"  langkah {t['step']:<3} {t['role']:<9} {t['who'] or '-':<36} "
                       f"{DECISION_LABELS.get(t['decision'] or '', t['decision'] or t['status']):<9} "
                       f"{took}{late}")
    for f in data["files"]:
        out.append(f"  berkas  {FILE_STATUS.get(f['status'], f['status']):<11} {f['kind']:<6} {f['name']}"
                   + (f"  ({f['reason']})" if f["reason"] else ""))
    for p in data["publications"]:
        out.append(f"  kanal   {CHANNEL_STATUS.get(p['status'], p['status']):<11} {p['channel']:<30} "
                   f"{p['url'] or p['remote_id'] or p['detail'] or ''}".rstrip())
    return "\n".join(out) + "\n"
