"""Issue 13, fail closed: a reader that crashes on a reply is an internal error (quarantined, the
operator told, nobody answered), and a sender check that crashes never lets the reply count."""

from __future__ import annotations

import pytest
from harness import KADIS, OPERATOR, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.mail import mime
from daemon.reading import replies, trust

CAMAT = "camat.bantan@bengkaliskab.go.id"
AUTHSERV = "mx.bengkaliskab.go.id"


def boom(*_args, **_kwargs):
    raise ValueError("injected reader bug")


def _opened(office: Office):
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    req = office.request()
    task_mail = office.last_to(KADIS)
    office.new_mail()
    return req, task_mail


def _signed(msg, domain: str = "bengkaliskab.go.id"):
    msg["Authentication-Results"] = f"{AUTHSERV}; dkim=pass header.d={domain}; spf=pass smtp.mailfrom=x@{domain}"
    return msg


def _assert_internal_error(office: Office, row, words: str, req_before) -> None:
    assert row.status == "quarantined", (row.status, row.reason)
    assert words in row.reason and "injected reader bug" in row.reason
    fresh = office.new_mail()
    assert [m for m in fresh if OPERATOR in mime.addresses(m, "To")], "the operator is told"
    assert not [m for m in fresh if OPERATOR not in mime.addresses(m, "To")], "nobody else gets mail"
    after = office.request(req_before.code)
    assert (after.step, after.state) == (req_before.step, req_before.state)


def test_a_reply_read_normally_is_applied(tmp_path):
    """The control of the tests below: without the injected crash the same reply counts."""
    office = Office(tmp_path)
    req, task_mail = _opened(office)
    row = office.deliver(reply(task_mail, KADIS, "Setuju"))
    assert row.status == "done" and office.request(req.code).step != req.step


@pytest.mark.parametrize("target", ["_read", "read_text", "machine"])
def test_a_crash_while_reading_a_reply_is_quarantined_not_answered(tmp_path, monkeypatch, target):
    office = Office(tmp_path)
    req, task_mail = _opened(office)
    monkeypatch.setattr(replies, target, boom)
    row = office.deliver(reply(task_mail, KADIS, "Setuju"))
    _assert_internal_error(office, row, "reading the reply failed", req)
    monkeypatch.undo()  # after the fix, `liputan requeue` reads it again and it counts
    assert office.deliver(reply(task_mail, KADIS, "Setuju")).status == "done"


def test_a_crash_in_the_impersonation_check_means_not_trusted(tmp_path, monkeypatch):
    office = Office(tmp_path)
    req, task_mail = _opened(office)
    monkeypatch.setattr(trust, "name_tokens", boom)
    forged = reply(task_mail, "kadis.bengkalis@gmail.com", "Setuju", display="Kepala Dinas")
    row = office.deliver(forged)
    _assert_internal_error(office, row, "impersonation check failed", req)
    assert not office.mail_to("kadis.bengkalis@gmail.com")


def test_a_crash_in_the_authentication_check_means_not_trusted(tmp_path, monkeypatch):
    office = Office(tmp_path, authserv_id=AUTHSERV)
    req, task_mail = _opened(office)
    signed = _signed(reply(task_mail, KADIS, "Setuju"))
    monkeypatch.setattr(trust, "_auth_passes", boom)
    row = office.deliver(signed)
    assert row.status == "quarantined" and "authentication" in row.reason
    assert office.request(req.code).step == req.step, "the decision was not applied"
    monkeypatch.undo()
    assert office.deliver(_signed(reply(task_mail, KADIS, "Setuju"))).status == "done"
    assert office.request(req.code).step != req.step
