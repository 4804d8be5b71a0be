"""The demo's scripted people answer as a mail client would, and are read by the real readers:
a "Setuju" under a signature with the task quoted approves with no note; the Kasi's team choice is
read as one; a member finds their own task and folder in the assignment."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import KADIS, KASI, Office, folder_of, to_coverage
from test_workflow_bodies import BANTAN

from daemon.app import demo
from daemon.app.demo_people import Person, reply_to, shared_folder, team_task
from daemon.mail import mime


def letter_of(office: Office, body: str = BANTAN):
    from harness import letter
    return office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan", body))


def test_it_replies_to_the_task_with_the_text_on_top_and_the_task_quoted(tmp_path):
    office = Office(tmp_path)
    letter_of(office)
    task = office.last_to(KADIS)
    answer = reply_to(task, Person(KADIS, "Drs. H. Johansyah Syafri, M.Si."), "Setuju")
    assert answer["In-Reply-To"] == task["Message-ID"] and task["Message-ID"] in answer["References"]
    assert answer["Subject"] == "Re: " + task["Subject"]
    body = answer.get_body(("plain",)).get_content()
    assert body.startswith("Setuju\n\nSalam,\nDrs. H. Johansyah Syafri") and "\n> " in body
    office.deliver(answer)
    events = office.events(office.request().code)
    assert ("approve", KADIS, None) in [(e[2], e[3], e[4]) for e in events if e[1] == "decided"]


def test_the_kasis_team_choice_is_read_as_the_team(tmp_path):
    office = Office(tmp_path)
    letter_of(office)
    for who in ("kadis@bengkaliskab.go.id", "kabid.ikp@bengkaliskab.go.id"):
        office.deliver(reply_to(office.last_to(who), Person(who, "Pejabat"), "Setuju"))
    office.deliver(reply_to(office.last_to(KASI), Person(KASI, "Siti Aminah, S.I.Kom."), demo.TEAM_CHOICE))
    team = {m["name"]: m["task"] for m in office.request().team}
    assert team == {"Andi Saputra": "Penulisan berita", "Rina Marlina": "Dokumentasi foto"}


def test_a_member_finds_their_own_task_and_the_folder_in_the_share(tmp_path):
    office = Office(tmp_path)
    req = to_coverage(office)
    assignment = office.last_to(req.team[0]["email"])
    share = Path(office.cfg.paths.dropbox)
    assert shared_folder(assignment, share) == folder_of(office, req)
    assert shared_folder(assignment, tmp_path / "elsewhere") is None
    tasks = {m["name"]: team_task(assignment, m["name"]) for m in req.team}
    assert sorted(tasks.values()) == ["dokumentasi foto", "penulisan berita"]
    assert mime.header(assignment, "X-Liputan-Kind") == "assignment"


def test_the_demo_clears_only_its_own_folder(tmp_path):
    mine = tmp_path / "demo"
    demo.prepare(mine)
    (mine / "liputan.db").write_text("old")
    demo.prepare(mine)
    assert sorted(p.name for p in mine.iterdir()) == [demo.MARK]
    other = tmp_path / "work"
    other.mkdir()
    (other / "thesis.docx").write_text("precious")
    with pytest.raises(SystemExit, match="not empty"):
        demo.prepare(other)
    assert (other / "thesis.docx").read_text() == "precious"


def test_the_events_fall_on_working_days_a_week_ahead():
    from datetime import date
    friday = date(2026, 11, 27)
    assert demo.working_day(friday, 7) == date(2026, 12, 4)  # a Friday
    assert demo.working_day(date(2026, 12, 4), 1) == date(2026, 12, 7)  # over the weekend to Monday
