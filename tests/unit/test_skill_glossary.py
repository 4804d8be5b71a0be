"""One skill glossary in rules/lexicon.yaml: synonyms name one skill, every document prints one task
name per skill (issue 10, defect 14)."""

from __future__ import annotations

import shutil

import pytest
from harness import KABID, KADIS, KASI, ROOT, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.core import skills
from daemon.core.rules_check import check_rules, load_rules
from daemon.paperwork.wording import person_row
from daemon.sop.team import needed_skills, skills_in, task_label


@pytest.fixture(autouse=True)
def shipped_glossary():
    skills.use(load_rules(ROOT / "rules").lexicon.skills)
    yield
    skills.use(None)


@pytest.mark.parametrize("word", ["foto", "Fotografi", "dokumentasi foto", "Dokumentasi Foto",
                                  "fotografer", "juru foto"])
def test_every_word_for_photography_is_the_one_skill_foto(word):
    assert skills.active().skill_of(word) == "foto"
    assert skills_in(word) == ["foto"]
    assert skills.active().task(word) == "dokumentasi foto"


def test_the_letters_and_the_mails_print_the_same_task_name():
    assert task_label("foto") == "dokumentasi foto"
    assert person_row({"name": "Rina", "skills": ["berita", "foto"]})["task"] == \
        "Penulisan berita, dokumentasi foto"
    assert "Fotografi" not in person_row({"skills": ["Fotografi"]})["task"]


def test_the_glossary_is_data_a_new_word_in_rules_names_the_skill(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    lexicon = rules / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace(
        "juru foto]", "juru foto, tukang potret]").replace("task: dokumentasi foto", "task: foto kegiatan"),
        encoding="utf-8")
    assert not skills_in("tukang potret")
    load_rules(rules)
    assert skills_in("Andi (tukang potret)") == ["foto"]
    assert needed_skills("Rapat", "Mohon kirim tukang potret", ["berita"]) == ["berita", "foto"]
    assert task_label("berita, foto") == "penulisan berita dan foto kegiatan"


def test_check_refuses_a_word_that_names_two_skills(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    lexicon = rules / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace(
        "juru kamera]", "juru kamera, fotografi]"), encoding="utf-8")
    errors, _ = check_rules(rules)
    assert any("'fotografi' names two skills: foto and video" in p.message for p in errors), errors
    assert any(p.file.endswith("lexicon.yaml") for p in errors)


def test_the_kasi_writing_fotografi_gives_the_task_its_one_name(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN))
    for who in (KADIS, KABID):
        office.deliver(reply(office.last_to(who), who, "Setuju"))
    team = office.request().team
    other = next(m for m in load_rules(ROOT / "rules").office.staff
                 if m.email not in {t["email"] for t in team or []} and "foto" in m.skills)
    office.deliver(reply(office.last_to(KASI), KASI,
                         f"Setuju. Tim: {team[0]['name']} (penulisan berita), {other.name} (Fotografi)"))
    tasks = {m["name"]: m["task"] for m in office.request().team}
    assert tasks[other.name] == "Dokumentasi foto", tasks
    office.deliver(reply(office.last_to(KABID), KABID, "Setuju"))
    memo = office.document_text("nota_dinas_tim")
    assert "Dokumentasi foto" in memo and "Fotografi" not in memo
