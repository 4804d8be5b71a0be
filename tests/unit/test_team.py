"""Tests for the coverage team proposal, schedule, busy checks and the Kasi's team changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.sop.team import (
    Busy,
    Member,
    check_busy,
    confirmation_text,
    members_from_staff,
    needed_skills,
    plan_schedule,
    propose,
)
from daemon.sop.teamchanges import (
    TeamChange,
    apply_change,
    apply_roles,
    parse_team_change,
    resolve_name,
)

WIB = ZoneInfo("Asia/Jakarta")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


def member(name: str, skills: str, nip: str = "19900514 201503 1 002") -> Member:
    email = name.lower().replace(" ", ".") + "@bengkaliskab.go.id"
    return Member(name, nip, "Penata Muda, III/a", "Pranata Humas", email, tuple(skills.split()))


ANDI = member("Andi Saputra", "berita foto")
RINA = member("Rina Marlina", "foto video", "19920921 201903 2 008")
FAJAR = member("Fajar Ramadhan", "video foto")
DEWI = member("Dewi Lestari", "berita")
HENDRA = member("Hendra Gunawan", "berita foto video")
NURUL = member("Nurul Hidayah", "foto berita")
ROSTER = [ANDI, RINA, FAJAR, DEWI, HENDRA, NURUL]
ANDI_P = member("Andi Pratama", "video")
TWO_ANDIS = ROSTER + [ANDI_P]

# Monday 7 December 2026, 09.00-12.00 WIB, in Bengkalis town (no travel)
NEAR = plan_schedule(at(7, 9), at(7, 12), 0, 30)


def names(members: list[Member] | None) -> list[str] | None:
    return None if members is None else [m.name for m in members]


# ---- needed_skills ---------------------------------------------------------------------------
def test_it_needs_the_default_skills_when_the_letter_asks_nothing_more() -> None:
    assert needed_skills("Rapat Koordinasi", "Mohon diliput.", ["berita", "foto"]) == ["berita", "foto"]


@pytest.mark.parametrize("text", [
    "Mohon dokumentasi video kegiatan", "Acara akan disiarkan secara live", "Mohon siaran langsung",
    "Kegiatan di-streaming melalui YouTube", "Mohon kirim videografer", "Perlu video singkat",
])
def test_it_adds_video_when_the_letter_asks_for_video(text: str) -> None:
    assert needed_skills("Peresmian", text, ["berita", "foto"]) == ["berita", "foto", "video"]


def test_it_adds_foto_when_the_letter_asks_for_a_photographer() -> None:
    assert needed_skills("Rapat", "Mohon kirim fotografer", ["berita"]) == ["berita", "foto"]
    assert needed_skills("Rapat", "Perlu dokumentasi foto", ["berita"]) == ["berita", "foto"]


def test_it_reads_the_title_as_well_as_the_text() -> None:
    assert "video" in needed_skills("Siaran Langsung Musrenbang", "", ["berita", "foto"])


def test_it_ignores_negated_or_unrelated_mentions_of_video() -> None:
    assert needed_skills("Rapat", "Tanpa video. Rapat melalui video conference.", ["berita", "foto"]) == [
        "berita", "foto"]
    assert needed_skills("Rapat", "Tidak perlu dokumentasi video", ["berita", "foto"]) == ["berita", "foto"]


def test_it_does_not_take_fotokopi_or_berita_acara_as_skills() -> None:
    assert needed_skills("Rapat", "Lampirkan fotokopi dan berita acara", ["video"]) == ["video"]


# ---- plan_schedule ---------------------------------------------------------------------------
def test_it_plans_departure_arrival_and_return_around_the_event() -> None:
    s = plan_schedule(at(7, 9), at(7, 12), 120, 30)
    assert (s.depart, s.arrive, s.start, s.end, s.return_by) == (at(7, 6, 30), at(7, 8, 30), at(7, 9),
                                                                 at(7, 12), at(7, 14))
    assert s.notes == []


def test_it_assumes_three_hours_when_the_event_runs_until_done() -> None:
    s = plan_schedule(at(7, 9), None, 0, 30)
    assert s.end == at(7, 12) and s.return_by == at(7, 12)
    assert any("s.d. selesai" in n and "3 jam" in n for n in s.notes)


def test_it_assumes_sixty_minutes_of_travel_when_unknown_and_says_so() -> None:
    s = plan_schedule(at(7, 9), at(7, 12), None, 30)
    assert s.depart == at(7, 7, 30) and s.return_by == at(7, 13)
    assert any("60 menit" in n for n in s.notes)


def test_it_assumes_three_hours_when_the_end_is_not_after_the_start() -> None:
    s = plan_schedule(at(7, 9), at(7, 8), 0, 0)
    assert s.end == at(7, 12) and s.notes


def test_it_refuses_negative_minutes() -> None:
    with pytest.raises(ValueError):
        plan_schedule(at(7, 9), None, -5, 30)
    with pytest.raises(ValueError):
        plan_schedule(at(7, 9), None, 0, -1)


# ---- propose ---------------------------------------------------------------------------------
def test_it_skips_a_staff_member_already_assigned_at_overlapping_time() -> None:
    busy = [Busy(DEWI.email, at(7, 10), at(7, 11), "LPT-2026-0003"),
            Busy(ANDI.email, at(7, 8), at(7, 10), "LPT-2026-0004")]
    p = propose(ROSTER, ["berita"], NEAR, busy, {}, 3)
    assert names(p.members) == ["Hendra Gunawan"]
    assert any(n.startswith("Dewi Lestari sudah bertugas pada LPT-2026-0003") for n in p.conflicts)


def test_it_sees_an_overlap_caused_only_by_travel_to_a_far_kecamatan() -> None:
    # Dewi covers an event in Bengkalis town until 07.00; the new event starts at 09.00
    busy = [Busy(DEWI.email, at(7, 5), at(7, 7), "LPT-2026-0005")]
    roster = [DEWI, ANDI]
    history = {ANDI.email: 5}
    near = propose(roster, ["berita"], plan_schedule(at(7, 9), at(7, 12), 0, 30), busy, history, 3)
    far = propose(roster, ["berita"], plan_schedule(at(7, 9), at(7, 12), 180, 30), busy, history, 3)
    assert names(near.members) == ["Dewi Lestari"]
    assert names(far.members) == ["Andi Saputra"]
    assert "LPT-2026-0005" in " ".join(far.conflicts)


def test_it_sees_an_overlap_with_the_return_journey() -> None:
    busy = [Busy(DEWI.email, at(7, 14), at(7, 16), "LPT-2026-0006")]
    assert check_busy([DEWI], plan_schedule(at(7, 9), at(7, 12), 0, 30), busy) == []
    assert check_busy([DEWI], plan_schedule(at(7, 9), at(7, 12), 150, 30), busy)


def test_it_does_not_count_back_to_back_assignments_as_overlapping() -> None:
    busy = [Busy(DEWI.email, at(7, 6), NEAR.depart, "LPT-2026-0007"),
            Busy(DEWI.email, NEAR.return_by, at(7, 15), "LPT-2026-0008")]
    assert check_busy([DEWI], NEAR, busy) == []


def test_it_rotates_fairly_by_choosing_those_with_fewest_past_assignments() -> None:
    history = {ANDI.email: 4, DEWI.email: 2, HENDRA.email: 7, NURUL.email: 1, RINA.email: 3, FAJAR.email: 0}
    p = propose(ROSTER, ["berita", "foto"], NEAR, [], history, 3)
    assert p.roles == {NURUL.email: "berita", FAJAR.email: "foto"}


def test_it_breaks_ties_in_rotation_by_name() -> None:
    p = propose(ROSTER, ["berita"], NEAR, [], {}, 3)
    assert names(p.members) == ["Andi Saputra"]


def test_it_matches_skills_so_every_skill_gets_its_own_person() -> None:
    # greedy choice would give Andi "foto" and leave "berita" to nobody else
    p = propose([ANDI, RINA], ["foto", "berita"], NEAR, [], {RINA.email: 9}, 3)
    assert p.roles == {RINA.email: "foto", ANDI.email: "berita"}
    assert p.uncovered == [] and p.conflicts == []


def test_it_still_rotates_fairly_with_a_large_roster() -> None:
    roster = [member(f"Staf {i:02d}", "berita foto video") for i in range(40)]  # big enough to trim the search
    history = {m.email: 3 for m in roster} | {roster[33].email: 0, roster[25].email: 1, roster[17].email: 1}
    p = propose(roster, ["berita", "foto", "video", "berita"], NEAR, [], history, 3)
    assert names(p.members) == ["Staf 33", "Staf 17", "Staf 25"] and p.uncovered == []


def test_it_reports_a_skill_nobody_free_has() -> None:
    busy = [Busy(e.email, at(7, 8), at(7, 13), f"LPT-2026-00{i:02d}") for i, e in enumerate([RINA, FAJAR, HENDRA])]
    p = propose(ROSTER, ["berita", "foto", "video"], NEAR, busy, {}, 3)
    assert p.uncovered == ["video"]
    assert "video" not in p.roles.values()
    assert any("keahlian video" in n for n in p.conflicts)
    assert len([n for n in p.conflicts if "sudah bertugas" in n]) == 3


def test_it_lets_one_person_cover_two_skills_only_when_nobody_else_is_free() -> None:
    p = propose([HENDRA, DEWI], ["berita", "foto", "video"], NEAR, [], {}, 3)
    assert p.roles == {DEWI.email: "berita", HENDRA.email: "foto, video"}
    assert any("Hendra Gunawan merangkap tugas foto dan video" in n for n in p.conflicts)


def test_it_never_exceeds_the_maximum_team_size() -> None:
    p = propose(ROSTER, ["berita", "foto", "video"], NEAR, [], {}, 2)
    assert len(p.members) == 2 and p.uncovered == []
    assert any("dibatasi paling banyak 2 orang" in n for n in p.conflicts)


def test_it_leaves_a_skill_uncovered_when_the_team_is_full() -> None:
    p = propose([DEWI, FAJAR], ["berita", "video"], NEAR, [], {}, 1)
    assert names(p.members) == ["Dewi Lestari"] and p.uncovered == ["video"]
    assert any("Tugas video belum terisi" in n for n in p.conflicts)


def test_it_keeps_the_schedule_in_the_proposal() -> None:
    assert propose(ROSTER, ["berita"], NEAR, [], {}, 3).schedule is NEAR


# ---- check_busy ------------------------------------------------------------------------------
def test_it_writes_an_indonesian_note_for_each_double_booking() -> None:
    busy = [Busy(ANDI.email.upper(), at(7, 8), at(7, 12), "LPT-2026-0003"),
            Busy(RINA.email, at(8, 8), at(8, 12), "LPT-2026-0009")]
    assert check_busy([ANDI, RINA], NEAR, busy) == [
        "Andi Saputra sudah bertugas pada LPT-2026-0003 (Senin, 7 Desember 2026 pukul 08.00–12.00 WIB)"]


def test_it_writes_both_dates_when_a_busy_assignment_spans_days() -> None:
    busy = [Busy(ANDI.email, at(6, 20), at(7, 10), "LPT-2026-0010")]
    assert check_busy([ANDI], NEAR, busy) == [
        "Andi Saputra sudah bertugas pada LPT-2026-0010 (Minggu, 6 Desember 2026 pukul 20.00 WIB "
        "s.d. Senin, 7 Desember 2026 pukul 10.00 WIB)"]


# ---- resolve_name / parse_team_change ----------------------------------------------------------
@pytest.mark.parametrize("written,expected", [
    ("Andi Saputra", ANDI), ("andi", ANDI), ("RINA", RINA), ("Hend", HENDRA), ("Ramadhan", FAJAR),
    ("Fjar", FAJAR), ("Hendraa", HENDRA), ("Dewi Lestar", DEWI), ("Pak Hendra", HENDRA), ("Bu Dewi", DEWI),
])
def test_it_matches_names_by_full_name_first_name_prefix_or_one_letter_off(written: str, expected: Member) -> None:
    assert resolve_name(written, ROSTER) == [expected]


def test_it_finds_all_candidates_for_an_ambiguous_name() -> None:
    assert resolve_name("andi", TWO_ANDIS) == [ANDI, ANDI_P]
    assert resolve_name("Andi Pratama", TWO_ANDIS) == [ANDI_P]


def test_it_reads_a_team_list_with_a_role() -> None:
    c = parse_team_change("Tim: Andi, Rina (foto)", ROSTER)
    assert names(c.members) == ["Andi Saputra", "Rina Marlina"]
    assert c.roles == {RINA.email: "foto"} and c.unknown == []


def test_it_reads_a_team_list_with_full_names_and_roles_in_any_case() -> None:
    c = parse_team_change("tim: andi saputra (berita), Rina Marlina (foto), Fajar (video)", ROSTER)
    assert names(c.members) == ["Andi Saputra", "Rina Marlina", "Fajar Ramadhan"]
    assert c.roles == {ANDI.email: "berita", RINA.email: "foto", FAJAR.email: "video"}


def test_it_reads_a_replacement_of_one_person_by_another() -> None:
    c = parse_team_change("ganti Dewi dengan Hendra", ROSTER)
    assert c.members is None and c.remove == [DEWI] and c.add == [HENDRA] and c.swaps == [(DEWI, HENDRA)]


def test_it_reads_a_passive_replacement() -> None:
    c = parse_team_change("Setuju, Dewi diganti oleh Hendra.", ROSTER)
    assert c.swaps == [(DEWI, HENDRA)]


def test_it_reads_an_addition_with_a_task() -> None:
    c = parse_team_change("tambah Fajar untuk video", ROSTER)
    assert c.members is None and c.add == [FAJAR] and c.roles == {FAJAR.email: "video"}


def test_it_reads_only_these_people() -> None:
    c = parse_team_change("Andi dan Rina saja", ROSTER)
    assert names(c.members) == ["Andi Saputra", "Rina Marlina"]
    assert names(parse_team_change("Cukup Andi dan Nurul.", ROSTER).members) == ["Andi Saputra", "Nurul Hidayah"]


def test_it_reads_a_petugas_list() -> None:
    c = parse_team_change("Petugas: Andi Saputra, Nurul", ROSTER)
    assert names(c.members) == ["Andi Saputra", "Nurul Hidayah"]


def test_it_reads_a_removal() -> None:
    assert parse_team_change("Setuju, hapus Dewi", ROSTER).remove == [DEWI]
    assert parse_team_change("Dewi sedang cuti", ROSTER).remove == [DEWI]
    assert parse_team_change("Dewi tidak usah ikut", ROSTER).remove == [DEWI]


def test_it_reads_several_instructions_in_one_reply() -> None:
    c = parse_team_change("Setuju. Ganti Dewi dengan Hendra, tambah Fajar untuk foto dan video.", ROSTER)
    assert c.remove == [DEWI] and c.add == [HENDRA, FAJAR] and c.roles == {FAJAR.email: "foto, video"}


def test_it_reads_a_bulleted_team_list() -> None:
    c = parse_team_change("Setuju.\nTim:\n- Andi (berita)\n- Rina fotografer\n\nTerima kasih", ROSTER)
    assert names(c.members) == ["Andi Saputra", "Rina Marlina"]
    assert c.roles == {ANDI.email: "berita", RINA.email: "foto"} and c.unknown == []


def test_it_reads_labels_and_written_roles_after_a_colon_or_dash() -> None:
    assert names(parse_team_change("Revisi: Andi dan Rina saja", ROSTER).members) == ["Andi Saputra",
                                                                                       "Rina Marlina"]
    c = parse_team_change("Tim: Andi = berita; Rina: foto, Fajar - video", ROSTER)
    assert c.roles == {ANDI.email: "berita", RINA.email: "foto", FAJAR.email: "video"} and c.unknown == []


def test_it_tolerates_a_missing_or_extra_letter_in_names() -> None:
    c = parse_team_change("Tim: Hendraa, Fjar", ROSTER)
    assert names(c.members) == ["Hendra Gunawan", "Fajar Ramadhan"] and c.unknown == []


def test_it_lists_the_candidates_of_an_ambiguous_name() -> None:
    c = parse_team_change("Tim: Andi, Rina", TWO_ANDIS)
    assert names(c.members) == ["Rina Marlina"]
    assert c.unknown == ["Andi (ambigu: Andi Saputra, Andi Pratama)"]
    assert c.ambiguous == {"Andi": [ANDI, ANDI_P]}


def test_it_reports_names_not_on_the_roster() -> None:
    c = parse_team_change("Tim: Andi, Budi Santoso", ROSTER)
    assert names(c.members) == ["Andi Saputra"] and c.unknown == ["Budi Santoso"]
    assert parse_team_change("tambah Budi", ROSTER).unknown == ["Budi"]
    assert parse_team_change("ganti Dewi dengan Joko", ROSTER).unknown == ["Joko"]


@pytest.mark.parametrize("text", [
    "setuju", "Setuju, lanjutkan", "acc", "Setuju saja", "tidak setuju", "Revisi: ganti jadwal menjadi pukul 10",
    "Setuju, tapi tambahkan keterangan lokasi", "Tim sudah sesuai", "", "> Tim: Andi\n> Rina",
])
def test_it_returns_an_empty_change_when_the_reply_gives_no_team_instruction(text: str) -> None:
    c = parse_team_change(text, ROSTER)
    assert c == TeamChange() and c.empty


def test_it_reads_our_own_team_list_pasted_back_without_quote_marks() -> None:
    text = confirmation_text([ANDI, RINA], {ANDI.email: "berita", RINA.email: "foto"}, NEAR)
    c = parse_team_change(text, ROSTER)
    assert names(c.members) == ["Andi Saputra", "Rina Marlina"] and c.unknown == []


# ---- apply_change / apply_roles --------------------------------------------------------------
def test_it_applies_a_replacement_in_place() -> None:
    change = parse_team_change("ganti Dewi dengan Hendra", ROSTER)
    assert apply_change([DEWI, RINA], change, ROSTER) == [HENDRA, RINA]
    assert apply_roles({DEWI.email: "berita", RINA.email: "foto"}, change, [HENDRA, RINA]) == {
        HENDRA.email: "berita", RINA.email: "foto"}


def test_it_applies_a_full_replacement_then_additions() -> None:
    change = parse_team_change("Tim: Andi, Rina. Tambah Fajar untuk video", ROSTER)
    assert apply_change([DEWI, NURUL], change, ROSTER) == [ANDI, RINA, FAJAR]


def test_it_applies_a_removal_and_keeps_the_proposal_when_nothing_changes() -> None:
    assert apply_change([DEWI, RINA], parse_team_change("hapus Dewi", ROSTER), ROSTER) == [RINA]
    assert apply_change([DEWI, RINA], parse_team_change("setuju", ROSTER), ROSTER) == [DEWI, RINA]


def test_it_never_duplicates_a_member_when_applying_a_change() -> None:
    change = parse_team_change("tambah Rina", ROSTER)
    assert apply_change([DEWI, RINA], change, ROSTER) == [DEWI, RINA]


# ---- confirmation_text -----------------------------------------------------------------------
def test_it_summarises_the_team_and_schedule_formally() -> None:
    text = confirmation_text([ANDI, RINA], {ANDI.email: "berita", RINA.email: "foto, video"},
                             plan_schedule(at(7, 9), None, None, 30))
    assert "1. Andi Saputra, NIP 19900514 201503 1 002, tugas: penulisan berita" in text
    assert "2. Rina Marlina, NIP 19920921 201903 2 008, tugas: dokumentasi foto dan dokumentasi video" in text
    assert "Berangkat dari kantor: Senin, 7 Desember 2026 pukul 07.30 WIB" in text
    assert "Pelaksanaan acara: Senin, 7 Desember 2026 pukul 09.00–12.00 WIB" in text
    assert "Kembali ke kantor paling lambat: Senin, 7 Desember 2026 pukul 13.00 WIB" in text
    assert "diasumsikan 60 menit" in text


def test_it_builds_members_from_the_office_roster() -> None:
    staff = [{"name": "Andi Saputra", "nip": "19900514 201503 1 002", "pangkat": "Penata Muda, III/a",
              "jabatan": "Pranata Humas", "email": "Andi.Saputra@bengkaliskab.go.id", "skills": ["berita", "foto"]}]
    assert members_from_staff(staff) == [ANDI]


# ---- properties ------------------------------------------------------------------------------
POOL = ["Andi Saputra", "Andi Pratama", "Rina Marlina", "Fajar Ramadhan", "Dewi Lestari", "Hendra Gunawan",
        "Nurul Hidayah", "Siti Rahma"]
SKILLS = ["berita", "foto", "video"]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple:
    chosen = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=len(POOL)))
    roster = [member(n, " ".join(draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=3, unique=True))))
              for n in chosen]
    start = at(7, 6) + timedelta(minutes=draw(st.integers(0, 12 * 60)))
    end = draw(st.one_of(st.none(), st.integers(30, 600).map(lambda m: start + timedelta(minutes=m))))
    schedule = plan_schedule(start, end, draw(st.one_of(st.none(), st.integers(0, 300))), 30)
    busy = [Busy(m.email, b, b + timedelta(minutes=draw(st.integers(15, 600))), "LPT-2026-0001")
            for m in roster for b in draw(st.lists(st.integers(0, 36 * 60).map(
                lambda x: at(6, 18) + timedelta(minutes=x)), max_size=2))]
    history = {m.email: draw(st.integers(0, 5)) for m in roster}
    skills = draw(st.lists(st.sampled_from(SKILLS), max_size=4))
    return roster, skills, schedule, busy, history, draw(st.integers(0, 4))


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_it_never_proposes_a_busy_duplicate_or_oversized_team(scenario: tuple) -> None:
    roster, skills, schedule, busy, history, max_size = scenario
    p = propose(roster, skills, schedule, busy, history, max_size)
    assert check_busy(p.members, schedule, busy) == []
    assert len(p.members) <= max_size
    assert len({m.email for m in p.members}) == len(p.members)
    assert set(p.roles) == {m.email for m in p.members}
    assert set(p.covers) | set(p.uncovered) == set(skills) and not set(p.covers) & set(p.uncovered)
    for skill, email in p.covers.items():
        assert skill in next(m for m in p.members if m.email == email).skills


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_it_covers_a_skill_whenever_a_free_person_with_it_could_join(scenario: tuple) -> None:
    roster, skills, schedule, busy, history, max_size = scenario
    p = propose(roster, skills, schedule, busy, history, max_size)
    free = [m for m in roster if not check_busy([m], schedule, busy)]
    for skill in p.uncovered:
        assert len(p.members) == max_size or not any(skill in m.skills for m in free)
