"""A reply is read against the text of the mail it answers as we wrote it (outbox.body_text, 0012),
not by parsing that mail again with its letters; rows from before 0012 are read from their raw
mail as before, and retention prunes the text with the raw body."""

from __future__ import annotations

from datetime import timedelta

from harness import CAMAT, KADIS, KABID, Office, letter, reply
from sqlalchemy import select, update
from test_workflow_bodies import BANTAN

from daemon.app import prereading
from daemon.core.models import Outbox, Task
from daemon.mail import mime
from daemon.reading import budget, replies


def _task_mail(office: Office, address: str) -> Outbox:
    with office.factory() as s:
        mid = s.scalars(select(Task.message_id).where(Task.role == "kadis")).first()
        return s.scalars(select(Outbox).where(Outbox.message_id == mid)).one()


def _prepared(office: Office, msg) -> budget.Prepared:
    return budget.prepare(msg.as_bytes(), office.ctx.cfg.reading, office.ctx.cfg.office.domain)


def test_the_task_mail_keeps_its_text_and_a_reply_is_read_without_parsing_it(tmp_path, db_url, monkeypatch):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    row = _task_mail(office, KADIS)
    assert row.body_text and "Mohon" in row.body_text
    assert " ".join(row.body_text.split()) == " ".join(mime.body_text(mime.parse(row.raw)).split())

    answer = reply(office.last_to(KADIS), KADIS, "Setuju, mohon diteruskan.")
    pre = _prepared(office, answer)
    sent = prereading.sent_mail(office.factory, pre)
    assert (sent.message_id, sent.body_text, sent.raw) == (row.message_id, row.body_text, None)
    parsed: list[int] = []
    real = mime.parse
    monkeypatch.setattr(mime, "parse", lambda raw: parsed.append(len(raw)) or real(raw))
    reading = replies.read_reply(pre.msg, office.ctx.lexicon, sent)
    assert reading.decision == "approve" and parsed == []  # our mail, letters and all, not parsed
    monkeypatch.undo()
    office.deliver(answer)
    assert office.request().step == 3 and office.last_to(KABID) is not None


def test_a_mail_from_before_0012_is_read_from_its_raw_mail(tmp_path, db_url):
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    row = _task_mail(office, KADIS)
    with office.factory() as s, s.begin():
        s.execute(update(Outbox).values(body_text=None))
    # the official's own words continue our text: read the same way with our text from either place
    answer = reply(office.last_to(KADIS), KADIS, "Setuju")
    sent = prereading.sent_mail(office.factory, _prepared(office, answer))
    assert sent.body_text is None and sent.raw == row.raw
    assert replies._sent(sent) == (row.subject, mime.body_text(mime.parse(row.raw)))
    office.deliver(answer)
    assert office.request().step == 3


def test_retention_prunes_the_text_with_the_raw_body(tmp_path):
    from test_retention import sent_and_filed

    from daemon.archive import retention
    from daemon.core.models import Publication

    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    sent_and_filed(office)
    with office.factory() as s, s.begin():
        s.add(Publication(request_id=office.request().id, channel="archive", status="done"))
        assert all(s.scalars(select(Outbox.body_text)))
    pruned = retention.prune(office.cfg, office.factory, office.clock() + timedelta(days=31))
    with office.factory() as s:
        rows = s.execute(select(Outbox.raw, Outbox.body_text, Outbox.pruned_at)).all()
    assert pruned.outbox == len(rows) > 0
    assert all(raw == b"" and text is None and at is not None for raw, text, at in rows)


def test_0012_adds_the_body_text_column_and_keeps_the_mail(db_url):
    """An office upgrading keeps its outbox; replies to its older mail are read from the raw mail."""
    from alembic import command
    from sqlalchemy import inspect, text

    from daemon.core.db import _alembic_config as alembic_config
    from daemon.core.db import make_engine, upgrade

    engine = make_engine(db_url)
    try:
        command.upgrade(alembic_config(db_url), "0011")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO outbox (message_id, kind, recipients, subject, raw, status, waits_on, attempts, "
                "next_attempt_at, created_at) VALUES ('<a@b.id>', 'task', '[]', 's', :raw, 'sent', '[]', 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"raw": b"Subject: s\r\n\r\nisi\r\n"})
        assert upgrade(engine) is True
        with engine.connect() as conn:
            assert conn.execute(text("SELECT message_id, body_text FROM outbox")).one() == ("<a@b.id>", None)
        command.downgrade(alembic_config(db_url), "0011")
        assert "body_text" not in {c["name"] for c in inspect(engine).get_columns("outbox")}
    finally:
        engine.dispose()
