"""Agendas written without labels or table headers are split into one request per event: plain lines
("Senin, 7 Desember 2026 pukul 09.00 WIB – Musrenbang ... di Aula ...") and tables without a header row."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from harness import KADIS, Office
from sqlalchemy import select

from daemon.core.models import Request
from daemon.core.places import load_places
from daemon.mail import mime
from daemon.reading.extract import extract_requests

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=WIB)
PROTOKOL = "Bagian Protokol dan Komunikasi Pimpinan <protokol@bengkaliskab.go.id>"

WEEKLY = """Yth. Kepala Dinas Komunikasi, Informatika dan Statistik

Dengan hormat, bersama ini kami sampaikan agenda Bupati Bengkalis minggu depan untuk dapat diliput:

Senin, 7 Desember 2026 pukul 09.00 WIB – Musrenbang Kecamatan Bantan di Aula Kantor Camat Bantan
Selasa, 8 Desember 2026 pukul 14.00 WIB – Peninjauan Pelabuhan Roro di Pelabuhan Sungai Pakning
Rabu, 9 Desember 2026 pukul 08.30 WIB - Upacara Peringatan Hari Bela Negara di Lapangan Tugu Bengkalis
Kamis, 10 Desember 2026, 19.30 WIB — Malam Apresiasi Seni Budaya Melayu bertempat di Gedung Daerah Bengkalis

Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.

Kepala Bagian Protokol dan Komunikasi Pimpinan
"""

WANT = [
    ("Musrenbang Kecamatan Bantan", datetime(2026, 12, 7, 9, 0, tzinfo=WIB), "Aula Kantor Camat Bantan", False),
    ("Peninjauan Pelabuhan Roro", datetime(2026, 12, 8, 14, 0, tzinfo=WIB), "Pelabuhan Sungai Pakning", True),
    ("Upacara Peringatan Hari Bela Negara", datetime(2026, 12, 9, 8, 30, tzinfo=WIB), "Lapangan Tugu Bengkalis", False),
    ("Malam Apresiasi Seni Budaya Melayu", datetime(2026, 12, 10, 19, 30, tzinfo=WIB), "Gedung Daerah Bengkalis", False),
]


@pytest.fixture(scope="module")
def places():
    return load_places(ROOT / "rules" / "places.yaml")


def _mail(body: str, html: bool = False, subject: str = "Agenda Bupati Bengkalis 7-10 Desember 2026") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = PROTOKOL, subject
    msg["Message-ID"] = "<agenda-minggu-49@bengkaliskab.go.id>"
    msg.set_content(body, subtype="html" if html else "plain")
    return msg


def _seen(got) -> list[tuple]:
    return [(f.title, f.start, f.location, f.outside_island) for f in got]


def test_plain_agenda_lines_become_one_request_each(places) -> None:
    assert _seen(extract_requests(_mail(WEEKLY), places, NOW)) == WANT


def test_numbered_lines_under_a_heading_date_take_that_date(places) -> None:
    body = ("AGENDA BUPATI BENGKALIS\nSelasa, 8 Desember 2026\n\n"
            "1. 08.00 WIB – Upacara Hari Bela Negara di Lapangan Tugu Bengkalis\n"
            "2. 10.30 WIB – Rapat Koordinasi Penanganan Banjir di Gedung Daerah Bengkalis\n"
            "3. 14.00 WIB – Peninjauan Pelabuhan Roro di Pelabuhan Sungai Pakning\n")
    got = extract_requests(_mail(body), places, NOW)
    assert [(f.title, f.start.hour, f.start.day) for f in got] == [
        ("Upacara Hari Bela Negara", 8, 8), ("Rapat Koordinasi Penanganan Banjir", 10, 8),
        ("Peninjauan Pelabuhan Roro", 14, 8)]
    assert [f.outside_island for f in got] == [False, False, True]


def _html_table(rows: list[list[str]]) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<p>Dengan hormat,</p><p>Berikut agenda Bupati Bengkalis untuk diliput:</p>"
            f"<table border=1>{cells}</table><p>Terima kasih.</p>")


def test_a_table_without_a_header_row_is_split(places) -> None:
    rows = [["1.", "Senin, 7 Desember 2026", "09.00 WIB", "Musrenbang Kecamatan Bantan", "Aula Kantor Camat Bantan"],
            ["2.", "Selasa, 8 Desember 2026", "14.00 WIB", "Peninjauan Pelabuhan Roro", "Pelabuhan Sungai Pakning"],
            ["3.", "Rabu, 9 Desember 2026", "08.30 WIB", "Upacara Peringatan Hari Bela Negara", "Lapangan Tugu Bengkalis"],
            ["4.", "Kamis, 10 Desember 2026", "19.30 WIB", "Malam Apresiasi Seni Budaya Melayu", "Gedung Daerah Bengkalis"]]
    assert _seen(extract_requests(_mail(_html_table(rows), html=True), places, NOW)) == WANT


def test_a_headerless_table_with_date_and_time_in_one_cell(places) -> None:
    rows = [["Senin, 7 Desember 2026 / 09.00 WIB", "Musrenbang Kecamatan Bantan", "Aula Kantor Camat Bantan"],
            ["Selasa, 8 Desember 2026 / 14.00 WIB", "Peninjauan Pelabuhan Roro", "Pelabuhan Sungai Pakning"]]
    assert _seen(extract_requests(_mail(_html_table(rows), html=True), places, NOW)) == WANT[:2]


def test_one_event_letter_with_a_dash_line_stays_one_request(places) -> None:
    body = ("Dengan hormat,\nKami mohon peliputan kegiatan berikut:\n"
            "Senin, 7 Desember 2026 pukul 09.00 WIB – Musrenbang Kecamatan Bantan di Aula Kantor Camat Bantan\n"
            "Narahubung: Sdr. Fikri – 0812 6677 8899\n\nCamat Bantan\n")
    (f,) = extract_requests(_mail(body, subject="Permohonan Peliputan Musrenbang"), places, NOW)
    assert (f.title, f.start, f.location) == WANT[0][:3]


def test_a_weekly_agenda_by_mail_opens_one_request_per_event(tmp_path, db_url) -> None:
    office = Office(tmp_path, database=db_url)
    msg = _mail(WEEKLY)
    msg["Date"] = "Wed, 25 Nov 2026 10:00:00 +0700"
    office.deliver(msg)
    with office.factory() as s:
        rows = s.scalars(select(Request).order_by(Request.id)).all()
    assert [r.title for r in rows] == [w[0] for w in WANT]
    assert all(r.step == 2 and r.requester_email == "protokol@bengkaliskab.go.id" for r in rows)
    codes = {mime.header(m, "Subject").split("]")[0].strip("[") for m in office.mail_to(KADIS)}
    assert {r.code for r in rows} <= codes
