"""Every reply of the corpus, answered to a real open step: the engine does what the reading says,
and no auto-reply, forged sender or quoted "setuju" ever approves."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from corpus import cases
from harness import KADIS, Office, letter
from test_workflow_bodies import BANTAN

from daemon.mail import mime

REQUESTER = "camat.bantan@bengkaliskab.go.id"
EXPECTED_STEP = {"approve": 3, "revise": 1, None: 2}


CORPUS_SUBJECT = re.compile(r"\[LPT-\d{4}-\d{4}\] Mohon disposisi: Musrenbang Kecamatan Bantan Tahun 2027")


def aimed_at_kadis_step(raw: bytes, office: Office, *, keep_sender: bool) -> bytes:
    """The corpus message, re-addressed as an answer to the Kadis' open disposition step."""
    ours = office.last_to(KADIS)
    code = office.request().code
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name in ("In-Reply-To", "References"):
        del msg[name]
    msg["In-Reply-To"] = mime.header(ours, "Message-ID")
    msg["References"] = mime.header(ours, "Message-ID")
    subject = re.sub(r"\r?\n[ \t]+", " ", str(msg.get("Subject", "")))
    del msg["Subject"]
    # the corpus was written against our subject as it was then; a client keeps ours as it is now
    mine = CORPUS_SUBJECT.sub(lambda _: mime.header(ours, "Subject"), subject)
    tagged = re.sub(r"LPT-\d{4}-\d{4}", code, mine)
    msg["Subject"] = tagged if tagged != subject else f"Re: [{code}] {subject}"
    if not keep_sender:
        del msg["From"]
        msg["From"] = f"Kepala Dinas <{KADIS}>"
    return msg.as_bytes()


REPLIES = [c for c in cases(("replies",)) if c.expected.get("kind") == "reply"
           and "decision" in c.expected]


@pytest.mark.parametrize("case", REPLIES, ids=[c.id for c in REPLIES])
def test_every_corpus_reply_does_what_its_reading_says(tmp_path, case):
    office = Office(tmp_path)
    office.deliver(letter(REQUESTER, "Permohonan peliputan", BANTAN))
    office.deliver(aimed_at_kadis_step(case.raw, office, keep_sender=False))
    req = office.request()
    decision = case.expected["decision"]
    if decision == "reject":
        assert req.state == "rejected"
    else:
        assert (req.state, req.step) == ("open", EXPECTED_STEP[decision])
    if decision is None:
        assert "SETUJU" in mime.body_text(office.last_to(KADIS))  # told what to write


MACHINE = cases(("auto", "bounces", "noise"))


@pytest.mark.parametrize("case", MACHINE, ids=[c.id for c in MACHINE])
def test_no_machine_mail_moves_a_step_even_from_the_officials_address(tmp_path, case):
    office = Office(tmp_path)
    office.deliver(letter(REQUESTER, "Permohonan peliputan", BANTAN))
    before = len(office.outbox())
    row = office.deliver(aimed_at_kadis_step(case.raw, office, keep_sender=False))
    assert row.status == "ignored", row.reason
    assert office.request().step == 2
    if case.folder != "bounces":  # never answered; an official's absence is told to the operator once
        new = office.outbox()[before:]
        away = case.folder == "auto" and "read receipt" not in row.reason
        assert [mime.addresses(m, "To") for m in new] == [[office.cfg.office.operator]] * away


FORGED = cases(("forged",))


@pytest.mark.parametrize("case", FORGED, ids=[c.id for c in FORGED])
def test_no_forged_or_unproven_sender_approves(tmp_path, case):
    office = Office(tmp_path, authserv_id="mx.bengkaliskab.go.id")
    office.deliver(letter(REQUESTER, "Permohonan peliputan", BANTAN))
    office.deliver(aimed_at_kadis_step(case.raw, office, keep_sender=True))
    assert office.request().step == 2
    if case.expected.get("impersonates") == KADIS:
        assert "alamat lain" in mime.header(office.last_to(KADIS), "Subject")
