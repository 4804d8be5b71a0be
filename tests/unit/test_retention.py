"""Retention: raw mail of an archived request is removed after the configured days; the mail of
a request not yet archived is kept; the history and `liputan show` / `requests` still work."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from harness import Office, letter
from sqlalchemy import select
from test_workflow_bodies import BANTAN, DURI

from daemon.app import cli
from daemon.archive import retention
from daemon.core.models import Inbound, Job, Outbox, Publication, Request

CAMAT = "camat.bantan@bengkaliskab.go.id"
DINKES = "dinkes@bengkaliskab.go.id"


def sent_and_filed(office: Office) -> None:
    """What the outbox and the mailbox worker would have done by now."""
    with office.factory() as s, s.begin():
        for row in s.scalars(select(Outbox)):
            row.status, row.sent_at = "sent", office.clock()
        for row in s.scalars(select(Inbound)):
            row.filed = True


def two_requests(tmp_path: Path) -> tuple[Office, Request, Request]:
    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan peliputan Musrenbang", BANTAN))
    office.deliver(letter(DINKES, "Permohonan peliputan Sosialisasi", DURI))
    sent_and_filed(office)
    with office.factory() as s, s.begin():
        archived, kept = s.scalars(select(Request).order_by(Request.id)).all()
        s.add(Publication(request_id=archived.id, channel="archive", status="done"))
    return office, archived, kept


def raw_of(office: Office, request: Request) -> tuple[list[int], list[bool]]:
    with office.factory() as s:
        out = [len(r) for r in s.scalars(select(Outbox.raw).where(Outbox.request_id == request.id))]
        files = [Path(p).is_file() for p in s.scalars(
            select(Inbound.raw_path).where(Inbound.request_id == request.id))]
    return out, files


def test_an_archived_requests_raw_mail_goes_after_the_days_and_an_unarchived_ones_stays(
        tmp_path, capsys):
    office, archived, kept = two_requests(tmp_path)
    assert office.cfg.retention.outbox_days == 30 and office.cfg.retention.inbound_days == 30
    before = raw_of(office, archived)
    assert before[0] and all(before[0]) and before[1] == [True]
    assert retention.prune(office.cfg, office.factory, office.clock() + timedelta(days=29)).outbox == 0

    done = retention.prune(office.cfg, office.factory, office.clock() + timedelta(days=31))
    assert done.outbox == len(before[0]) and done.inbound == 1 and done.bytes > 0
    assert raw_of(office, archived) == ([0] * len(before[0]), [False])
    out, files = raw_of(office, kept)
    assert out and all(out) and files == [True]  # its bag is not written yet
    assert retention.prune(office.cfg, office.factory, office.clock() + timedelta(days=60)).outbox == 0

    path = str(office.cfg.source)
    assert cli.main(["requests", "-c", path, "--json"]) == 0
    assert {r["code"] for r in json.loads(capsys.readouterr().out)} == {archived.code, kept.code}
    assert cli.main(["show", archived.code, "-c", path, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in shown["events"]][:1] == ["received"]
    assert cli.main(["show", archived.code, "-c", path]) == 0
    assert archived.code in capsys.readouterr().out


def test_retention_can_be_turned_off_and_the_pass_plans_the_next(tmp_path):
    office, archived, _ = two_requests(tmp_path)
    office.cfg.retention.enabled = False
    assert retention.prune(office.cfg, office.factory, office.clock() + timedelta(days=90)).outbox == 0
    office.cfg.retention.enabled = True
    with office.factory() as s, s.begin():
        retention.plan(office.cfg, s, office.clock())
        retention.plan(office.cfg, s, office.clock())  # planned once per slot
    with office.factory() as s:
        planned = s.scalars(select(Job).where(Job.kind == retention.KIND)).all()
    assert len(planned) == 1 and planned[0].next_run_at > office.clock()


def test_a_notice_sent_inside_a_summary_is_pruned_like_a_sent_one(tmp_path):
    office, archived, _ = two_requests(tmp_path)
    with office.factory() as s, s.begin():
        row = s.scalars(select(Outbox).where(Outbox.request_id == archived.id).order_by(Outbox.id)).first()
        row.status, row.summary_id, notice_id = "summarised", 999, row.id
    retention.prune(office.cfg, office.factory, office.clock() + timedelta(days=31))
    with office.factory() as s:
        row = s.get(Outbox, notice_id)
        assert row.status == "summarised" and row.raw == b"" and row.pruned_at is not None
