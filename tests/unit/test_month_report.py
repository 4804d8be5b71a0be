"""`liputan report --month`: a fixture month on a stepping clock, its figures counted by hand."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from harness import KABID, KADIS, KASI, NEWS, WIB, Office, drop, jpeg, letter, quiet, reply
from test_workflow_bodies import BANTAN, DURI

from daemon.app.cli import main
from daemon.paperwork import month_report as mr

CAMAT = "camat.bantan@bengkaliskab.go.id"
DISDIK = "disdik@bengkaliskab.go.id"
LOMBA = """Dengan hormat,

Bersama ini kami mohon peliputan kegiatan:

Acara        : Lomba Pidato Pelajar Tingkat Kabupaten
Hari/Tanggal : Kamis, 10 Desember 2026
Waktu        : 08.00 s.d. 12.00 WIB
Tempat       : Gedung Daerah Bengkalis

Contact person: Ibu Sari 0813-1111-2222

Kepala Dinas Pendidikan Kabupaten Bengkalis
"""


def answer(office: Office, who: str, text: str = "Setuju") -> None:
    office.deliver(reply(office.last_to(who), who, text))


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Office:
    """By hand:
    October 30   C  Lomba pidato (Disdik) received; waits on the Kadis   -> not November's
    November 2   A  Musrenbang Bantan: Kadis 3 min (step 2, standard 5, on time), Kabid 20 min
                    (step 3, std 5, late), Kasi 10 min (step 4, std 15, on time), Kabid 30 min
                    (step 6, std 10, late) -> coverage; files in, preview to the Kasi, who
                    approves after 90 min (step 11, std 60, late) -> published, done
                 B  Peresmian SDN 12 Duri (Disdik): the Kadis rejects after 8 min (step 2, late)
    So: received 2, covered 1 (A), rejected 1 (B), published 1 (A);
    step 2: 3 and 8 min, median 5.5, worst 8, 1 late; step 3: 20, late; step 4: 10, on time;
    step 6: 30, late; step 11: 90, late;
    Kabid 2 late of 2, Kadis 1 of 2, Kasi 1 of 2."""
    office = Office(tmp_path_factory.mktemp("month"), now=datetime(2026, 10, 30, 10, 0, tzinfo=WIB))
    office.deliver(letter(DISDIK, "Permohonan Peliputan", LOMBA, display="Dinas Pendidikan",
                          date=office.clock()))
    office.clock.t = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan",
                          date=office.clock()))
    for who, minutes in ((KADIS, 3), (KABID, 20), (KASI, 10), (KABID, 30)):
        office.clock.advance(minutes=minutes)
        answer(office, who)
    a = office.request()
    assert a.step == 10
    drop(office, a, "berita.txt", NEWS.encode())
    drop(office, a, "foto-1.jpg", jpeg())
    quiet(office)
    assert office.request(a.code).step == 11
    office.clock.advance(minutes=90)
    answer(office, KASI)
    assert office.request(a.code).state == "done"

    office.deliver(letter(DISDIK, "Permohonan Peliputan", DURI, display="Dinas Pendidikan",
                          date=office.clock()))
    office.clock.advance(minutes=8)
    answer(office, KADIS, "Tolak, bentrok dengan agenda Bupati")
    assert office.request().state == "rejected"
    return office


def build(office: Office, month: str = "2026-11", **kw) -> mr.MonthReport:
    with office.factory() as s:
        return mr.build(s, office.ctx.rules.sop, month, office.cfg.tz, **kw)


def test_the_month_s_counts_match_the_hand_count(month) -> None:
    rep = build(month)
    assert (rep.received, rep.covered, rep.rejected, rep.published) == (2, 1, 1, 1)
    october = build(month, "2026-10")
    assert (october.received, october.covered, october.rejected, october.published) == (1, 0, 0, 0)
    assert october.steps == [] or all(st.count == 0 for st in october.steps)  # C still waits


def test_time_per_step_against_the_standard(month) -> None:
    steps = {st.number: st for st in build(month).steps if st.count}
    assert sorted(steps) == [2, 3, 4, 6, 11]
    got = {n: (st.standard, sorted(st.minutes), st.median, st.worst, st.late) for n, st in steps.items()}
    assert got == {2: (5, [3, 8], 5.5, 8, 1), 3: (5, [20], 20, 20, 1), 4: (15, [10], 10, 10, 0),
                   6: (10, [30], 30, 30, 1), 11: (60, [90], 90, 90, 1)}


def test_whose_steps_are_late(month) -> None:
    people = [(p.role, p.person, p.late, p.total) for p in build(month).people]
    assert people == [("kabid", KABID, 2, 2), ("kadis", KADIS, 1, 2), ("kasi", KASI, 1, 2)]


def test_the_duration_function_can_be_swapped(month) -> None:
    """The working-calendar module replaces the wall clock: here, a clock that counts half."""
    rep = build(month, duration=lambda a, b: mr.wall_clock_minutes(a, b) / 2)
    steps = {st.number: st for st in rep.steps if st.count}
    assert steps[2].minutes == [1.5, 4] and steps[2].late == 0 and steps[11].late == 0
    assert steps[3].late == 1  # 10 min is still over 5


def test_the_table_and_the_json(month, capsys) -> None:
    assert main(["-c", str(month.folder / "liputan.toml"), "report", "--month", "2026-11"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Laporan bulanan peliputan November 2026\n")
    for line in ("Permohonan diterima : 2", "Diliput             : 1", "Ditolak             : 1",
                 "Dipublikasikan      : 1"):
        assert line in text
    assert "1 jam 30 mnt" in text and "5 mnt" in text
    late = text.split("Siapa yang sering terlambat")[1]
    assert "Jabatan" in late and "@" not in late  # people by office and name, not by address
    kabid = next(ln for ln in late.splitlines() if ln.strip().startswith("Kepala Bidang"))
    assert kabid.endswith("2 / 2") and "kabid" not in kabid
    assert main(["-c", str(month.folder / "liputan.toml"), "report", "--month", "2026-11",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["received"], data["covered"], data["rejected"], data["published"]) == (2, 1, 1, 1)


def test_the_spreadsheet_has_the_figures_and_a_chart(month, tmp_path: Path) -> None:
    out = tmp_path / "laporan.xlsx"
    assert main(["-c", str(month.folder / "liputan.toml"), "report", "--month", "2026-11",
                 "--format", "xlsx", "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary == {"Permohonan diterima": 2, "Diliput": 1, "Ditolak": 1, "Dipublikasikan": 1}
    steps = list(wb["Langkah"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in steps] == [
        (2, 5, 2, 5.5, 8, 1), (3, 5, 1, 20, 20, 1), (4, 15, 1, 10, 10, 0), (6, 10, 1, 30, 30, 1),
        (11, 60, 1, 90, 90, 1)]
    assert len(wb["Langkah"]._charts) == 1  # openpyxl keeps the charts it reads
    late = list(wb["Keterlambatan"].iter_rows(min_row=2, values_only=True))
    assert late[0][0].startswith("Kepala Bidang") and late[0][2:] == (KABID, 2, 2)
    assert "@" not in late[0][1]  # the name the roster gives


def test_a_month_is_the_office_s_month() -> None:
    start, end = mr.month_range("2026-12", WIB)
    assert start == datetime(2026, 11, 30, 17, tzinfo=timezone.utc)
    assert end == datetime(2026, 12, 31, 17, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        mr.parse_month("November")
    assert mr.minutes_text(1530) == "1 hari 1 jam" and mr.minutes_text(0.2) == "0 mnt"


def test_the_month_defaults_to_this_month_of_the_office(month, capsys) -> None:
    """`liputan report` alone reports the office's current month (the command's own clock, in
    the office's zone: WIB, whatever the server's zone)."""
    assert main(["-c", str(month.folder / "liputan.toml"), "report"]) == 0
    text = capsys.readouterr().out
    now = datetime.now(WIB)
    assert text.startswith(f"Laporan bulanan peliputan {mr.month_title(now.strftime('%Y-%m'))}\n")


def test_a_long_step_name_is_cut_at_a_word() -> None:
    name = "Kepala Bidang mendisposisikan Kasi untuk menyusun jadwal dan tim peliputan kegiatan"
    cut = mr.shortened(name, 60)
    assert len(cut) <= 60 and cut.endswith("…") and name.startswith(cut[:-1])
    assert name.split()[len(cut[:-1].split()) - 1] == cut[:-1].split()[-1]  # a whole word
    assert mr.shortened("Kadis menandatangani SPT", 60) == "Kadis menandatangani SPT"
