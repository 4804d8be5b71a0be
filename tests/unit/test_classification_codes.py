"""Each document numbered with its own classification code of Permendagri 83/2022, checked by
`liputan check` (issue 10, defect 8)."""

from __future__ import annotations

from datetime import datetime

import pytest
from harness import KABID, KADIS, KASI, ROOT, SEKDIS, WIB, Office, letter, reply
from sqlalchemy import select
from test_check import edit, problems_of, rules_copy
from test_workflow_bodies import DURI

from daemon.app.cli import check_config
from daemon.core.models import Document
from daemon.core.rules_check import load_rules

TEAM_MEMO = 'pattern: "400.14.2/DISKOMINFOTIK-IKP/{seq:03d}/{roman_month}/{year}"'


def test_each_outgoing_letter_has_its_own_code_and_the_agenda_none():
    docs = load_rules(ROOT / "rules").sop.documents
    codes = {name: d.numbering.classification for name, d in docs.items()}
    assert codes == {"lembar_disposisi": None, "nota_dinas_tim": "400.14.2",
                     "nota_dinas_spt": "000.1.2.3", "spt": "800.1.11.1"}
    assert docs["nota_dinas_tim"].numbering.sequence == docs["nota_dinas_spt"].numbering.sequence


def test_the_numbers_the_chain_gives_start_with_each_documents_code(tmp_path, db_url):
    office = Office(tmp_path, database=db_url, now=datetime(2026, 11, 30, 8, 0, tzinfo=WIB))
    office.deliver(letter("disdik@bengkaliskab.go.id", "Permohonan Peliputan", DURI))
    for who, text in ((KADIS, "Setuju"), (KABID, "Setuju"), (KASI, "Setuju"), (KABID, "Setuju"),
                      (KABID, "Setuju"), (KABID, "paraf, setuju"), (SEKDIS, "paraf"), (KADIS, "ttd")):
        office.deliver(reply(office.last_to(who), who, text))
    assert office.request().step == 10, office.events(office.request().code)
    with office.factory() as s:
        numbers = {d.kind: d.number for d in s.scalars(select(Document).order_by(Document.id))}
    assert numbers["lembar_disposisi"] == "0001"
    assert numbers["nota_dinas_tim"] == "400.14.2/DISKOMINFOTIK-IKP/001/XI/2026"
    assert numbers["nota_dinas_spt"] == "000.1.2.3/DISKOMINFOTIK-IKP/002/XI/2026"  # one register
    assert numbers["spt"].startswith("800.1.11.1/DISKOMINFOTIK/001/")
    assert "400.14.2/DISKOMINFOTIK-IKP/001/XI/2026" in office.document_text("nota_dinas_tim")


@pytest.mark.parametrize("old, new, expect", [
    ('classification: "400.14.2"', 'classification: "400.14.x"', "is not a Permendagri 83/2022 code"),
    ('classification: "400.14.2"', 'classification: "450.14.2"', "is not a Permendagri 83/2022 code"),
    ('classification: "400.14.2"', 'classification: "400.14"', "followed by '/'"),
    (TEAM_MEMO, TEAM_MEMO.replace("400.14.2/", "400.14.21/"), "followed by '/'"),
])
def test_check_names_a_malformed_or_mismatched_code_with_its_line(tmp_path, capsys, old, new, expect):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "sop.yaml", old, new)
    err = problems_of(cfg, capsys)
    assert "sop.yaml:" in err and expect in err, err


def test_check_refuses_a_code_on_the_nomor_agenda(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "sop.yaml", 'pattern: "{seq:04d}"', 'pattern: "000.7/{seq:04d}"')
    line = edit(rules / "sop.yaml", "      taken: drafted", '      classification: "000.7"\n      taken: drafted')
    err = problems_of(cfg, capsys)
    assert f"sop.yaml:{line}: document 'lembar_disposisi'" in err and "no classification code" in err


def test_check_warns_of_an_outgoing_letter_without_a_code(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "sop.yaml", 'classification: "800.1.11.1"', "")
    assert check_config(str(cfg)) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and "document 'spt' has no classification code" in out
