"""Operator tools: the quarantine list, and a decision given by phone recorded as such."""

from __future__ import annotations

import json
from argparse import Namespace

from harness import CAMAT, KABID, KADIS, Office, letter
from test_workflow_bodies import BANTAN

from daemon.app import cli, operator
from daemon.mail import mime


def test_a_decision_by_phone_moves_the_step_and_names_the_operator(tmp_path, capsys):
    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN))
    code = office.request().code
    args = Namespace(code=code, role="kadis", decision="approve", note="setuju, lanjutkan", by="rina")
    assert operator.approve(office.ctx, office.factory, args) == 0
    office.settle()
    assert office.request().step == 3
    assert "disposisi" in mime.header(office.last_to(KABID), "Subject").lower()
    events = office.events(code)
    decided = [e for e in events if e[1] == "decided"]
    assert decided and decided[-1][3] == KADIS and decided[-1][2] == "approve"
    assert any(e[1] == "by_phone" and "operator rina" in e[4] and "setuju, lanjutkan" in e[4] for e in events)
    wrong = Namespace(code=code, role="kadis", decision="approve", note="", by="rina")
    assert operator.approve(office.ctx, office.factory, wrong) == 1  # nothing waits for the Kadis now
    assert "no open step waiting for kadis" in capsys.readouterr().err


def test_the_quarantine_lists_messages_and_files_with_their_reasons(tmp_path, capsys):
    office = Office(tmp_path)
    office.deliver(letter("unit@bengkaliskab.go.id", "Halo", "Apa kabar? Terima kasih."))
    assert operator.quarantine(office.ctx, office.factory, Namespace(json=True)) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["subject"] for m in listed["messages"]] == ["Halo"] and listed["messages"][0]["reason"]
    assert listed["files"] == []
    assert cli.parser().parse_args(["quarantine", "--json"]).command == "quarantine"
    assert cli.parser().parse_args(["approve", "LPT-2026-0001", "--as", "kabid"]).role == "kabid"
