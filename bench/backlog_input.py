"""The backlog of bench_backlog.py: N distinct request letters, stored in the inbound table as
the mailbox worker stores them, and the baseline of a raw imapclient FETCH of the same letters."""

from __future__ import annotations

import email.policy
import hashlib
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from _common import fetch_seconds  # noqa: E402
from harness import Office, letter  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from test_workflow_bodies import BANTAN  # noqa: E402

from daemon.core import db  # noqa: E402
from daemon.core.models import Inbound  # noqa: E402
from daemon.mail import mime  # noqa: E402

__all__ = ["ROOT", "Office", "count", "imap_baseline", "request_letter", "store"]

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
HOURS = ("08.00", "09.00", "10.00", "11.00", "13.00", "14.00", "15.30", "16.30")
# Event days wrap after 1,001 days (the date reader takes years up to three ahead): 8 a day,
# 8,008 distinct times. Two letters at the same time and place are rightly read as one event
# (with 4 a day the 4,005th letter met the 1st, so 996 of 5,000 were repeats).
DAY_SPAN = 1001
UNITS = tuple(f"Camat {k}" for k in ("Bantan", "Bengkalis", "Mandau", "Pinggir", "Bukit Batu",
                                       "Siak Kecil", "Rupat", "Rupat Utara", "Bandar Laksamana",
                                       "Talang Muandau", "Bathin Solapan")) + tuple(
    f"Kepala Dinas {d} Kabupaten Bengkalis" for d in (
        "Pendidikan", "Kesehatan", "Sosial", "Perhubungan", "Pariwisata", "Pertanian",
        "Perikanan", "Koperasi dan UKM", "Lingkungan Hidup", "Pekerjaan Umum dan Penataan Ruang",
        "Kependudukan dan Pencatatan Sipil", "Tenaga Kerja", "Perpustakaan dan Kearsipan",
        "Pemuda dan Olahraga"))

def request_letter(i: int) -> bytes:
    """A distinct request: own title, sender, day and hour (none reads as a repeat letter)."""
    d = date(2026, 12, 1) + timedelta(days=i // len(HOURS) % DAY_SPAN)
    day = f"{DAYS[d.weekday()]}, {d.day} {BULAN[d.month]} {d.year}"
    title = f"Musrenbang Desa Nomor {i}"
    body = (BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", title)
            .replace("Senin, 7 Desember 2026", day)
            .replace("09.00 WIB", f"{HOURS[i % len(HOURS)]} WIB"))
    unit = UNITS[i % len(UNITS)]  # a backlog comes from the office's many units, not one
    body = body.replace("\nCamat Bantan\n", f"\n{unit}\n")
    msg = letter(f"unit{i % len(UNITS)}@bengkaliskab.go.id", f"Permohonan peliputan {title}", body)
    return msg.as_bytes(policy=email.policy.SMTP)


def store(office: Office, raws: list[bytes]) -> None:
    """Like harness Office.deliver (raw file + inbound row), without settling."""
    folder = office.folder / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    with db.transaction(office.factory) as s:
        for uid, raw in enumerate(raws, 1):
            msg = mime.parse(raw)
            digest = hashlib.sha256(raw).hexdigest()
            path = folder / f"{digest}.eml"
            path.write_bytes(raw)
            s.add(Inbound(message_id=mime.header(msg, "Message-ID"), folder="INBOX", uidvalidity=1,
                          uid=uid, raw_path=str(path), sha256=digest, size=len(raw),
                          from_addr=mime.address(msg)[1], subject=mime.header(msg, "Subject")))


def count(office: Office, model, *where) -> int:
    with office.factory() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def imap_baseline(raws: list[bytes], folder: Path) -> float | None:
    """Seconds for a raw imapclient SELECT + SEARCH + FETCH of every body (None: no Dovecot)."""
    from daemon.devservers.dovecot import Dovecot
    user = "liputan@bengkaliskab.go.id"
    try:
        dovecot = Dovecot(folder, users={user: "rahasia"}).start()
    except RuntimeError as exc:
        print(f"(IMAP baseline skipped: {exc})")
        return None
    try:
        dovecot.append_many(user, "INBOX", raws)
        return fetch_seconds(dovecot, user, len(raws))
    finally:
        dovecot.stop()

