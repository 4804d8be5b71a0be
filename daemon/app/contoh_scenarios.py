"""The sample requests of `liputan contoh`: each drives one request through the SOP as people would
answer, so every letter and every mail the office sends is written once."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from daemon.app import contoh_letters as letters
from daemon.app.contoh_office import SampleOffice

WIB = ZoneInfo("Asia/Jakarta")
DISDIK, CAMAT = "disdik@bengkaliskab.go.id", "camat.bantan@bengkaliskab.go.id"
RSUD, DISBUD = "rsud.mandau@bengkaliskab.go.id", "disbud@bengkaliskab.go.id"


@dataclass(frozen=True)
class Scenario:
    name: str  # the folder's name
    title: str  # what the index says it shows (Indonesian: the office reads it)
    start: datetime
    run: Callable[[SampleOffice], None]


def who(office: SampleOffice, role: str) -> str:
    return str(office.ctx.rules.office.roles[role].email)


def answer(office: SampleOffice, role_or_address: str, text: str = "Setuju", minutes: int = 10) -> None:
    """Someone answers their latest mail a little later."""
    office.clock.advance(minutes=minutes)
    address = role_or_address if "@" in role_or_address else who(office, role_or_address)
    office.answer(address, text)


def jpeg(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), color).save(out, "JPEG", quality=85)
    return out.getvalue()


def island(office: SampleOffice) -> None:
    """Bantan, on Bengkalis island: a hesitant answer, a revision, the team, then the results."""
    office.deliver(office.letter(CAMAT, "Kantor Camat Bantan", "Permohonan Peliputan Musrenbang",
                                 letters.BANTAN))
    answer(office, "kadis", "Nanti saya cek dulu ya")
    answer(office, "kadis", "Setuju, koordinasikan dengan pihak kecamatan")
    answer(office, "kabid", "REVISI: mohon dipastikan dahulu jam mulai acara dengan kecamatan")
    answer(office, "kadis", "Setuju, jam acara sudah dikonfirmasi pukul 09.00")
    for role in ("kabid", "kasi", "kabid"):
        answer(office, role)
    office.clock.t = datetime(2026, 12, 7, 12, 30, tzinfo=WIB)  # after the event
    office.drop("berita-musrenbang-bantan.txt", letters.NEWS.encode())
    office.quiet()  # the photos are asked for by name
    office.drop("foto-1.jpg", jpeg((180, 40, 40)))
    office.drop("foto-2.jpg", jpeg((40, 90, 160)))
    office.quiet()  # complete: the preview goes to the Kasi
    answer(office, "kasi", "Setuju")


def mainland_team_of_six(office: SampleOffice) -> None:
    """Duri, on the mainland: the SPT path, a team of six named by the Kasi, a reminder."""
    office.deliver(office.letter(DISDIK, "Dinas Pendidikan Kabupaten Bengkalis", "Permohonan Peliputan",
                                 letters.DURI.format(day="Rabu, 9 Desember 2026")))
    for role in ("kadis", "kabid"):
        answer(office, role)
    staff = [m.name.split()[0] for m in office.ctx.rules.office.staff[:6]]
    answer(office, "kasi", f"Setuju. Tim: {', '.join(staff)}")
    for role, text in (("kabid", "Setuju"), ("kabid", "paraf, setuju"), ("sekdis", "paraf")):
        answer(office, role, text)
    office.clock.advance(hours=3)  # the Kepala Dinas has not signed yet: a reminder
    office.settle()
    answer(office, "kadis", "ttd")


def plt_period(office: SampleOffice) -> None:
    """14-24 December 2026: the Sekretaris is Plt. Kepala Dinas and signs the SPT as such."""
    office.deliver(office.letter(DISDIK, "Dinas Pendidikan Kabupaten Bengkalis", "Permohonan Peliputan",
                                 letters.DURI.format(day="Jumat, 18 Desember 2026")))
    for role, text in (("sekdis", "Setuju"), ("kabid", "Setuju"), ("kasi", "Setuju"), ("kabid", "Setuju"),
                       ("kabid", "paraf, setuju"), ("sekdis", "setuju, ttd")):
        answer(office, role, text)


def plh_period(office: SampleOffice) -> None:
    """4-8 January 2027: the Kasi is Plh. Kepala Bidang; a team of one."""
    office.deliver(office.letter(RSUD, "RSUD Mandau", "Permohonan Peliputan Peresmian Layanan Hemodialisa",
                                 letters.RSUD.replace("Kamis, 10 Desember 2026", "Kamis, 7 Januari 2027")))
    answer(office, "kadis", "Setuju")
    for text in ("Setuju", f"Setuju. Tim: {office.ctx.rules.office.staff[1].name.split()[0]} (foto)",
                 "Setuju", "paraf, setuju"):
        answer(office, "kasi", text)
    for role, text in (("sekdis", "paraf"), ("kadis", "ttd")):
        answer(office, role, text)


def refused(office: SampleOffice) -> None:
    """The Kepala Dinas refuses, with a note for the unit."""
    office.deliver(office.letter(RSUD, "RSUD Mandau", "Permohonan Peliputan", letters.RSUD))
    answer(office, "kadis", "TOLAK. Kegiatan internal rumah sakit, cukup didokumentasikan oleh humas RSUD.")


def cancelled(office: SampleOffice) -> None:
    """A letter without a place (the unit is asked), the team assigned, then the unit cancels."""
    office.deliver(office.letter(DISBUD, "Dinas Kebudayaan Kabupaten Bengkalis", "Mohon Peliputan",
                                 letters.KEBUDAYAAN))
    answer(office, DISBUD, "Tempat: Gedung Daerah Datuk Laksamana Bengkalis")
    for role in ("kadis", "kabid", "kasi", "kabid"):
        answer(office, role, "Setuju")
    answer(office, DISBUD, "Mohon maaf, kegiatan lomba pidato tersebut dibatalkan.")


SCENARIOS = (
    Scenario("01-pulau-bantan", "Di Pulau Bengkalis (Kecamatan Bantan): jawaban ragu, revisi, tim, "
             "hasil liputan, pratinjau, siaran pers dan paket media sosial",
             datetime(2026, 11, 30, 8, 0, tzinfo=WIB), island),
    Scenario("02-daratan-duri-spt-tim-6", "Di daratan (Duri): nota dinas, SPT dengan paraf koordinasi, "
             "tim enam orang, pengingat", datetime(2026, 11, 30, 8, 0, tzinfo=WIB), mainland_team_of_six),
    Scenario("03-plt-kepala-dinas", "Masa Plt. Kepala Dinas: SPT ditandatangani Plt.",
             datetime(2026, 12, 15, 8, 0, tzinfo=WIB), plt_period),
    Scenario("04-plh-kepala-bidang", "Masa Plh. Kepala Bidang: paraf oleh Plh., tim satu orang",
             datetime(2027, 1, 5, 8, 0, tzinfo=WIB), plh_period),
    Scenario("05-ditolak", "Permohonan ditolak Kepala Dinas", datetime(2026, 11, 30, 8, 0, tzinfo=WIB),
             refused),
    Scenario("06-dibatalkan", "Surat tanpa tempat (pemohon ditanya), tim ditugaskan, lalu dibatalkan",
             datetime(2026, 11, 30, 8, 0, tzinfo=WIB), cancelled),
)
