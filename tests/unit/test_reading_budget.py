"""Issue 13, no message stalls the others: each message is read within its budget before its write
transaction opens; one over budget is quarantined with the reason, and the rest flow on."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from harness import KADIS, OPERATOR, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.core.config_running import ReadingCfg
from daemon.core.models import Inbound
from daemon.mail import mime
from daemon.reading import budget

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "hostile"))
import texts  # noqa: E402

CAMAT = "camat.bantan@bengkaliskab.go.id"
LIMITS = ReadingCfg()


def nested(depth: int) -> bytes:
    head = b"From: a@example.com\r\nSubject: dalam\r\nMIME-Version: 1.0\r\n"
    body = b"Content-Type: text/plain\r\n\r\nSetuju\r\n"
    for level in range(depth, 0, -1):
        b = f"b{level}".encode()
        body = (b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n--' + b + b"\r\n" + body
                + b"--" + b + b"--\r\n")
    return head + body


def test_deep_many_and_huge_messages_are_over_budget_with_a_reason():
    assert "nested more than 30 deep" in budget.prepare(nested(100), LIMITS, None).over
    assert budget.prepare(nested(10), LIMITS, None).over is None
    small = SimpleNamespace(**{**LIMITS.model_dump(), "max_message_mb": 0.001})
    assert "the message is" in budget.prepare(nested(10) + b"x" * 2000, small, None).over
    parts = SimpleNamespace(**{**LIMITS.model_dump(), "max_parts": 5})
    assert "more than 5 MIME parts" in budget.prepare(nested(10), parts, None).over
    text = letter(KADIS, "Re: x", texts.closing_lines(300_000)).as_bytes()
    assert "its text is" in budget.prepare(text, LIMITS, None).over


def test_a_huge_reply_is_quarantined_and_the_letters_after_it_flow_on(tmp_path, monkeypatch):
    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    req, task_mail = office.request(), office.last_to(KADIS)
    office.new_mail()

    locked_while_reading = []
    real_prepare = budget.prepare

    def prepare(*args, **kwargs):  # while a message is read, anyone may still write (the mailbox)
        db = sqlite3.connect(office.database.removeprefix("sqlite:///"), timeout=0)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            locked_while_reading.append(str(exc))
        finally:
            db.close()
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(budget, "prepare", prepare)
    big = office.store(reply(task_mail, KADIS, texts.closing_lines(2 * 1024 * 1024)))
    normal = [office.store(reply(task_mail, KADIS, "Setuju")),
              office.store(letter("camat.bukitbatu@bengkaliskab.go.id", "Permohonan Peliputan",
                                  BANTAN.replace("Bantan", "Bukit Batu")))]
    started = time.monotonic()
    office.settle()
    seconds = time.monotonic() - started

    with office.factory() as s:
        rows = {i: s.get(Inbound, i) for i in (big, *normal)}
    assert rows[big].status == "quarantined"
    assert "over the reading budget: its text is" in rows[big].reason
    assert all(rows[i].status == "done" for i in normal), [(r.status, r.reason) for r in rows.values()]
    assert office.request(req.code).step != req.step, "the real decision after it was applied"
    assert seconds < 60, f"{seconds:.1f} s for three messages"
    assert not locked_while_reading, locked_while_reading
    alert = [m for m in office.new_mail() if OPERATOR in mime.addresses(m, "To")]
    assert any("melebihi batas baca" in mime.header(m, "Subject") + mime.body_text(m) for m in alert)
