"""What `liputan requests` and `liputan show` print for people: Indonesian headers, states and
dates as the office writes them. The `--json` output is built elsewhere and keeps the
contract's English keys and values."""

from __future__ import annotations

import re
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
               "quarantined": "dikarantina", "ignored": "diabaikan", "bounced": "gagal kirim",
               "summarised": "dlm ringkasan", "refused": "tidak diproses", "note": "catatan",
               "away": "di luar kantor"}
# where the letter was read ("sumber: body" in the history)
SOURCE_LABELS = {"body": "isi surel", "html": "isi surel (HTML)", "pdf": "lampiran PDF",
                 "docx": "lampiran DOCX", "ocr": "pindaian (OCR)", "forwarded": "surel yang diteruskan"}
FILE_KINDS = {"news": "berita", "photo": "foto", "video": "video", "other": "lainnya"}
FILE_KIND_NOTE = re.compile(r"\((news|photo|video|other)\)")
TASK_STATUS = {"open": "belum", "closed": "selesai", "superseded": "digantikan", "cancelled": "dibatalkan"}
DECISION_LABELS = {"approve": "setuju", "reject": "tolak", "revise": "perbaiki"}
FILE_STATUS = {"accepted": "diterima", "quarantined": "dikarantina", "replaced": "diganti"}
CHANNEL_STATUS = {"pending": "menunggu", "done": "selesai", "skipped": "dilewati", "failed": "gagal"}


def minutes(value: float) -> str:
    """Working minutes as Indonesian writes them: "12", "12,5"."""
    return indonesian.format_number(value, 0 if float(value).is_integer() else 1)


def when(dt: datetime | str | None) -> str:
    """ "Senin, 7 Desember 2026 pukul 09.00 WIB"; "-" for none."""
    if not dt:
        return "-"
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    return indonesian.format_datetime(dt)


def actor_label(actor: str | None) -> str:
    """Who acted, as the office reads it: the daemon itself is "Liputan"."""
    return "Liputan" if actor == "system" else actor or ""


def note_label(note: str | None) -> str:
    """A history note in Indonesian: "sumber: body" is "sumber: isi surel"."""
    if note and note.startswith("sumber: "):
        return "sumber: " + SOURCE_LABELS.get(note.removeprefix("sumber: "), note.removeprefix("sumber: "))
    return FILE_KIND_NOTE.sub(lambda m: f"({FILE_KINDS[m[1]]})", note or "")


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
                   f"{actor_label(e['actor']):<36}  {note_label(e['note'])}".rstrip())
        if e.get("acting"):  # an acting official: named in the office they decided in
            out.append(f"  {'':<16}  {'':<7}  {'':<14}  {'':<9}  sebagai {e['acting']}")
    if data.get("steps"):
        out += ["", "Waktu tiap langkah (menit kerja terhadap standar layanan SOP)"]
        for t in data["steps"]:
            late = " TERLAMBAT" if t["late"] else ""
            took = f"{minutes(t['working_minutes'])} menit" + (f" / standar {t['standard_minutes']} menit"
                                                        if t["standard_minutes"] else "")
            out.append(f"  langkah {t['step']:<3} {t['role']:<9} {t['who'] or '-':<36} "
                       f"{DECISION_LABELS.get(t['decision'] or '', t['decision'] or TASK_STATUS.get(t['status'], t['status'])):<9} "
                       f"{took}{late}")
    for f in data["files"]:
        out.append(f"  berkas  {FILE_STATUS.get(f['status'], f['status']):<11} {FILE_KINDS.get(f['kind'], f['kind']):<7} {f['name']}"
                   + (f"  ({f['reason']})" if f["reason"] else ""))
    for p in data["publications"]:
        out.append(f"  kanal   {CHANNEL_STATUS.get(p['status'], p['status']):<11} {p['channel']:<30} "
                   f"{p['url'] or p['remote_id'] or p['detail'] or ''}".rstrip())
    return "\n".join(out) + "\n"


MAILBOX_STATES = {"connected": "tersambung", "connecting": "sedang menyambung", "away": "TERPUTUS",
                  "cannot_store": "tersambung, tetapi surat baru TIDAK DAPAT DISIMPAN (tetap di kotak surat)",
                  "standby": "siaga (instans lain yang membaca kotak surat)", "stopped": "berhenti",
                  "unknown": "tidak diketahui (daemon tidak berjalan)"}
DAEMON_STATES = {"up": "BERJALAN", "stopped": "BERHENTI", "stale": "MATI (tidak ada detak)",
                 "never": "BELUM PERNAH BERJALAN", "unknown": "TIDAK DIKETAHUI"}
CHECKS = {"daemon": "daemon", "mailbox": "kotak surat", "outbox": "surat keluar", "jobs": "pekerjaan",
          "folder": "folder bersama", "converter": "konverter PDF", "database": "basis data",
          "disk": "ruang disk", "readers": "pembaca surat"}


NEVER = {"no_database": "basis data belum ada: daemon belum pernah dijalankan dengan konfigurasi ini",
         "old_schema": "basis data masih berskema lama: daemon versi ini belum dijalankan "
                       "(basis data diperbarui saat daemon mulai)",
         "no_heartbeat": "belum ada detak di basis data"}
FOLDER_CODES = {"missing": "folder tidak ada (share belum dipasang?)",
                "unmounted": "share tidak terpasang (yang ada hanya folder lokal di tempatnya)",
                "not_writable": "folder tidak dapat ditulisi oleh pengguna layanan",
                "no_answer": "folder tidak menjawab", "unreadable": "folder tidak dapat dibaca"}
CONVERTER_MODES = {"server": "LibreOffice tetap menyala lewat unoserver",
                   "oneshot": "satu soffice per surat", "none": "tanpa LibreOffice: surat hanya .docx",
                   "unknown": "tidak diketahui"}


def folder_text(f: dict) -> str:
    """Why the shared folder fails, in Indonesian; an error of the system is shown as it is."""
    text = FOLDER_CODES.get(f.get("code"), "bermasalah")
    return f"{text}: {f.get('detail')}" if f.get("code") not in ("missing", "unmounted", "not_writable", "no_answer") \
        else text


def _ok(value: bool | None, yes: str, no: str, unknown: str = "tidak diketahui") -> str:
    return {True: yes, False: no}.get(value, unknown)


def lease_text(lease: dict | None) -> list[str]:
    """Who holds the lease (works the mailbox and the schedulers) and who stands by."""
    if not lease or lease.get("mode") != "shared":
        return []  # SQLite: one instance, which works the mailbox (shown above)
    holder = lease.get("holder")
    if holder is None:
        line = "Pemegang lease: TIDAK ADA (tidak ada instans yang mengerjakan kotak surat)"
    elif not holder.get("heartbeat"):
        line = (f"Pemegang lease: sesi {holder['instance']} (tanpa detak; sesi dibuka "
                f"{when(holder.get('session_started_at'))})")
    else:
        line = (f"Pemegang lease: {holder['instance']} (host {holder['host']}, pid {holder['pid']}) "
                f"sejak {when(holder['since'])}")
    if lease.get("mode") == "shared":
        line += " — menurut PostgreSQL" if lease.get("verified") else \
            f" — menurut detak instans (PostgreSQL tidak dapat ditanya: {lease.get('error')})"
    out = [line]
    out += [f"  Siaga      : {i['instance']} (host {i['host']}, pid {i['pid']}), detak {when(i['heartbeat_at'])}"
            for i in lease.get("standby", [])]
    return out


def status_text(snap: dict) -> str:
    """`liputan status`: the daemon, the mailbox, the queues, late steps, the checks, the problems."""
    d = snap["daemon"]
    out = [f"Liputan      : {DAEMON_STATES.get(d['state'], d['state'])}"]
    if not snap["database"]["ok"]:
        out += [f"Basis data   : TIDAK DAPAT DIBACA: {snap['database']['error']}", *_problems(snap)]
        return "\n".join(out) + "\n"
    if d.get("instance"):
        out.append(f"  Instans    : {d['instance']} (host {d['host']}, pid {d['pid']}, versi {d['version']})")
        out.append(f"  Sejak      : {when(d['started_at'])}")
        out.append(f"  Detak      : {when(d['heartbeat_at'])} ({indonesian.format_number(d['heartbeat_age_seconds'], 1)} detik lalu)")
        if d.get("stopped_at"):
            out.append(f"  Berhenti   : {when(d['stopped_at'])}")
    elif d.get("reason"):
        out.append(f"  Catatan    : {NEVER.get(d['reason'], d.get('note') or '-')}")
    others = [i for i in snap.get("instances", []) if i["instance"] != d.get("instance")]
    for i in others:
        out.append(f"  Instans lain: {i['instance']}, detak {when(i['heartbeat_at'])}"
                   + (", berhenti" if i["stopped_at"] else ""))
    out += lease_text(snap.get("lease"))
    box = snap["mailbox"]
    where = (f" ({box['account'] or '-'} di {box.get('server') or '-'})"
             if box["account"] or box.get("server") else "")  # nothing known: no "(- di -)"
    out.append(f"Kotak surat  : {MAILBOX_STATES.get(box['state'], box['state'])}{where}"
               + (f" sejak {when(box['since'])}" if box["since"] else ""))
    if box["error"]:
        out.append(f"  Galat      : {box['error']}")
    out.append("  Pesan terakhir diterima: " + (when(box["last_message_at"]) if box["last_message_at"]
                                                else "belum ada"))
    o, j = snap["outbox"], snap["jobs"]
    out.append(f"Surat keluar : {o['queued']} antre, {o['waiting']} menunggu surat dinasnya, "
               f"{o['retrying']} gagal dan dicoba lagi, {o['failed_24h']} gagal permanen (24 jam)"
               + (f"; antrean tertua {when(o['oldest_queued_at'])}" if o["oldest_queued_at"] else ""))
    if (srv := o.get("server") or {}).get("ok") is False:
        out.append(f"  Server SMTP {srv['server']}: GAGAL sejak {when(srv['since'])} "
                   f"({srv['failures']} percobaan): {srv['error']}")
    out += [f"  #{e['id']} {e['kind']} ({e['attempts']}x): {e['error']}" for e in o["errors"]]
    out.append(f"Pekerjaan    : {j['due']} siap dikerjakan, {j['running']} berjalan, {j['scheduled']} "
               f"terjadwal, {j['retrying']} gagal dan dicoba lagi, {j['failed_24h']} gagal permanen (24 jam)")
    out += [f"  #{e['id']} {e['kind']} ({e['attempts']}x): {e['error']}" for e in j["errors"]]
    late = snap["late"]
    out.append(f"Lewat standar waktu: {late['count']} langkah")
    for t in late["tasks"]:
        out.append(f"  {t['code']} langkah {t['step']} ({t['role']}, {t['who'] or '-'}): tenggat "
                   f"{when(t['deadline'])}, terlambat {t['minutes_late']} menit")
    for place in snap.get("disk", {}).get("places", []):
        if place.get("level") is not None:
            level = {"ok": "cukup", "low": "HAMPIR PENUH", "full": "PENUH"}[place["level"]]
            out.append(f"Ruang disk ({'basis data' if place['what'] == 'database' else 'folder state'}): "
                       f"{level}, {indonesian.format_number(place['free_bytes'] // (1 << 20))} MiB tersisa ({place['path']})")
    f, c = snap["folder"], snap["converter"]
    out.append(f"Folder bersama: {_ok(f.get('ok'), 'dapat dijangkau', 'TIDAK DAPAT DIJANGKAU')}"
               f" ({f.get('path') or '-'})" + (f": {folder_text(f)}" if f.get("ok") is False else ""))
    out.append(f"Konverter PDF: {_ok(c.get('ok'), 'baik', 'BERMASALAH', 'tidak dipakai')}"
               f" ({CONVERTER_MODES.get(c.get('mode'), c.get('mode'))})"
               + (f": {c['detail']}" if c.get("detail") and c.get("ok") is False else ""))
    if snap.get("readers"):
        from daemon.app import status_readers
        out += status_readers.text(snap["readers"], when)
    out += _problems(snap)
    return "\n".join(out) + "\n"


ALIVE = " (prosesnya, pid {pid}, masih berjalan)"
PROBLEMS = {"never_ran": "daemon belum pernah berjalan",
            "stopped": "daemon berhenti pada {when}",
            "stale": "tidak ada detak sejak {when}: daemon dimatikan paksa, macet, atau tidak dapat "
                     "menulis ke basis data",
            "mailbox_away": "kotak surat terputus: {detail}",
            "mailbox_cannot_store": "surat baru tidak dapat disimpan (tetap di kotak surat dan diambil "
                                    "lagi nanti): {detail}",
            "disk_full": "disk PENUH: {detail}",
            "disk_low": "disk hampir penuh: {detail}",
            "no_mailbox_holder": "semua instans siaga; tidak ada yang membaca kotak surat",
            "mailbox_connecting": "masih mencoba menyambung ke kotak surat sejak {when}",
            "smtp_failing": "server surat keluar gagal: {detail}; {count} surat menunggu dan akan "
                            "dikirim begitu server pulih",
            "outbox_retrying": "{count} surat gagal terkirim dan sedang dicoba lagi",
            "outbox_failed": "{count} surat gagal terkirim secara permanen dalam 24 jam terakhir",
            "jobs_retrying": "{count} pekerjaan gagal dan sedang dicoba lagi",
            "jobs_failed": "{count} pekerjaan gagal secara permanen dalam 24 jam terakhir",
            "folder_unreachable": "folder bersama tidak dapat dijangkau: {folder}",
            "converter_failing": "konverter PDF bermasalah: {detail}",
            "reader_failures": "{count} pesan masuk dikarantina dalam satu jam terakhir karena galat "
                               "pembaca surat (terakhir: {detail})",
            "database_unreadable": "basis data tidak dapat dibaca: {detail}"}


def problem_text(p: dict, snap: dict) -> str:
    """One problem of `liputan status` in Indonesian (its English `message` is for --json)."""
    template = PROBLEMS.get(p["code"])
    if template is None:
        return p["message"]
    if p["code"] == "stale" and snap["daemon"].get("process_alive"):
        template = template.replace("{when}:", "{when}" + ALIVE.format(pid=snap["daemon"]["pid"]) + ":")
    detail = p.get("detail") or "-"
    return template.format(count=p.get("count"), detail=detail, folder=folder_text(snap.get("folder") or {}),
                           when=when(detail) if "{when}" in template and p.get("detail") else detail)


def _problems(snap: dict) -> list[str]:
    if not snap["problems"]:
        return ["", "Semua baik."]
    return ["", "Masalah:"] + [f"  - {CHECKS.get(p['check'], p['check'])}: {problem_text(p, snap)}"
                               for p in snap["problems"]]
