"""The SOP is data: edits to rules/sop.yaml alone (a new step, a new document, a condition)
change what the daemon does, and a request started before an edit finishes on its old revision."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from harness import (
    KABID,
    KADIS,
    KASI,
    ROOT,
    SEKDIS,
    Office,
    attachments_of,
    letter,
    reply,
)
from test_workflow_bodies import BANTAN, DURI

from daemon.app import cli
from daemon.mail import mime

CAMAT = "camat.bantan@bengkaliskab.go.id"
DISDIK = "disdik@bengkaliskab.go.id"


def edited_rules(folder: Path, edit) -> Path:
    """A copy of rules/ with sop.yaml changed by `edit(data)`."""
    rules = folder / "rules-edited"
    shutil.copytree(ROOT / "rules", rules)
    data = yaml.safe_load((rules / "sop.yaml").read_text(encoding="utf-8"))
    edit(data)
    (rules / "sop.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                    encoding="utf-8")
    return rules


def insert_sekdis_disposition(data: dict) -> None:
    """A disposition by the Sekretaris between steps 2 and 3; every later step renumbered."""
    for step in data["steps"]:
        if step["number"] >= 3:
            step["number"] += 1
        step["then"] = {k: (v + 1 if isinstance(v, int) and v >= 3 else v)
                        for k, v in step["then"].items()}
    data["steps"][1]["to"] = "sekdis"
    data["steps"][1]["then"]["approve"] = 3
    data["steps"].insert(2, {
        "number": 3, "name": "Sekretaris mendisposisikan kepada Kabid", "actors": ["sekdis"],
        "kind": "disposition", "mode": "reply", "to": "kabid", "minutes": 5,
        "inputs": ["Surat dan agenda kegiatan"], "output": "Disposisi",
        "instruction": "mendisposisikan permintaan peliputan ini kepada Kepala Bidang",
        "documents": ["lembar_disposisi"], "attach": ["surat", "lembar_disposisi"],
        "then": {"approve": 4, "reject": "rejected", "revise": "back"}})


@pytest.fixture
def office(tmp_path, db_url):
    return Office(tmp_path, database=db_url)


def send(office, body, sender=CAMAT, display="Kantor Camat Bantan"):
    return office.deliver(letter(sender, "Permohonan Peliputan", body, display=display))


def approve(office, who, text="Setuju"):
    return office.deliver(reply(office.last_to(who), who, text))


def step_of(office, code=None) -> int | None:
    return office.request(code).step


def test_a_step_inserted_and_renumbered_in_yaml_is_walked(office, tmp_path):
    office.load(edited_rules(tmp_path, insert_sekdis_disposition))
    send(office, BANTAN)
    approve(office, KADIS)
    assert step_of(office) == 3
    to_sekdis = office.last_to(SEKDIS)
    assert "Mohon disposisi kepada Kepala Bidang" in mime.header(to_sekdis, "Subject")
    assert any(k.startswith("Lembar-Disposisi") for k in attachments_of(to_sekdis))
    approve(office, SEKDIS)
    assert step_of(office) == 4
    approve(office, KABID)
    approve(office, KASI)
    approve(office, KABID)  # the team order, now step 7
    req = office.request()
    assert (req.state, req.step) == ("open", 11)  # 8-10 skipped on Bengkalis island
    assert "Penugasan peliputan" in mime.header(office.mail_to(req.team[0]["email"])[-1], "Subject")


def test_a_cancellation_before_the_team_is_briefed_tells_no_team(office, tmp_path):
    """With the new numbering, step 10 is the SPT's signature: the team was never assigned."""
    office.load(edited_rules(tmp_path, insert_sekdis_disposition))
    send(office, DURI, sender=DISDIK, display="Dinas Pendidikan")
    for who in (KADIS, SEKDIS, KABID, KASI, KABID):
        approve(office, who)
    req = office.request()
    assert req.step == 10 and req.team
    ack = office.mail_to(DISDIK)[0]
    office.new_mail()
    office.deliver(reply(ack, DISDIK, "Mohon maaf, acara ini dibatalkan."))
    assert office.request().state == "cancelled"
    told = {a for m in office.new_mail() for a in mime.addresses(m, "To")}
    assert not told & {m["email"] for m in req.team}
    assert KABID in told  # the one the step waited for


def test_a_document_added_in_yaml_is_written_and_attached(office, tmp_path):
    def add_document(data: dict) -> None:
        data["documents"]["nota_dinas_laporan"] = {
            "title": "Nota Dinas Laporan", "template": "nota_dinas.docx", "builder": "memo",
            "variant": "team", "file_stem": "Nota-Dinas-Laporan",
            "numbering": {"sequence": "nota_dinas",
                          "pattern": "000.1.2.3/DISKOMINFOTIK-IKP/{seq:03d}/{roman_month}/{year}",
                          "classification": "000.1.2.3", "taken": "drafted"}}
        memo = next(s for s in data["steps"] if s["kind"] == "memo")
        memo["documents"].append("nota_dinas_laporan")
        order = next(s for s in data["steps"] if s["number"] == memo["then"]["done"])
        order["attach"].append("nota_dinas_laporan")

    office.load(edited_rules(tmp_path, add_document))
    send(office, BANTAN)
    for who in (KADIS, KABID, KASI):
        approve(office, who)
    files = attachments_of(office.last_to(KABID))
    assert any(k.startswith("Nota-Dinas-Laporan-") and k.endswith((".docx", ".pdf")) for k in files)
    assert any(k.startswith("Nota-Dinas-Tim-Peliputan-") for k in files)


def test_a_condition_added_in_yaml_skips_a_step(office, tmp_path):
    def condition(data: dict) -> None:
        order = next(s for s in data["steps"] if s["number"] == 6)
        order["when"] = 'not (kecamatan == "Bantan") and days_until_event >= 0'

    office.load(edited_rules(tmp_path, condition))
    send(office, BANTAN)
    for who in (KADIS, KABID, KASI):
        approve(office, who)
    bantan = office.request()
    assert bantan.step == 10  # step 6 skipped, 7-9 skipped on the island
    skipped = [e for e in office.events(bantan.code) if e[1] == "skipped"]
    assert skipped[0][0] == 6 and "kecamatan" in skipped[0][4]

    send(office, DURI, sender=DISDIK, display="Dinas Pendidikan")
    duri = office.request()
    for who in (KADIS, KABID, KASI):
        approve(office, who)
    assert office.request(duri.code).step == 6  # Mandau: the Kabid's team order applies


def test_a_request_started_before_an_edit_finishes_on_its_old_revision(office, tmp_path, capsys):
    send(office, BANTAN)
    approve(office, KADIS)
    old = office.request()
    assert old.step == 3 and old.sop_revision
    office.load(edited_rules(tmp_path, insert_sekdis_disposition))  # restart on the edited SOP
    approve(office, KABID)  # old revision: step 3 was the Kabid, step 4 the Kasi's team
    assert step_of(office, old.code) == 4
    assert "Tim peliputan yang diusulkan" in mime.body_text(office.last_to(KASI))
    approve(office, KASI)
    approve(office, KABID)
    assert step_of(office, old.code) == 10

    send(office, DURI, sender=DISDIK, display="Dinas Pendidikan")
    new = office.request()
    approve(office, KADIS)
    assert step_of(office, new.code) == 3 and office.last_to(SEKDIS)
    assert new.sop_revision != old.sop_revision

    assert cli.main(["check", "-c", str(office.cfg.source)]) == 0
    out = capsys.readouterr().out
    assert old.code in out and "older SOP revision" in out and new.code not in out


def test_the_daemon_refuses_to_start_on_a_kind_it_does_not_know(tmp_path, capsys):
    def unknown_kind(data: dict) -> None:
        data["steps"][2]["kind"] = "telegram"

    office = Office(tmp_path)
    office.load(edited_rules(tmp_path, unknown_kind))
    assert cli.main(["run", "-c", str(office.cfg.source)]) == 2
    err = capsys.readouterr().err
    assert "sop.yaml" in err and "telegram" in err and ":" in err
