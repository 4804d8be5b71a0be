"""A backlog is claimed and handled in batches: read first, one transaction per batch, each
message undone alone when it fails, and the batch handled one by one after a database error."""

from __future__ import annotations

import email.policy
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest
from harness import OPERATOR, Office, letter
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from test_workflow_bodies import BANTAN

from daemon.app import dispatcher as d
from daemon.core.models import Inbound, Job, Request
from daemon.mail import mime
from daemon.mail.inbound_claim import claim_inbound_batch

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def office(tmp_path, db_url):
    """The office on SQLite and on PostgreSQL (see tests/conftest.py)."""
    return Office(tmp_path, database=db_url)


def distinct_letters(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        body = (BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", f"Musrenbang Desa Nomor {i}")
                .replace("Senin, 7 Desember 2026", f"Senin, {7 + 7 * (i // 4)} Desember 2026")
                .replace("09.00 WIB", ("08.00", "10.00", "13.00", "15.30")[i % 4] + " WIB"))
        out.append(letter(f"unit{i}@bengkaliskab.go.id", f"Permohonan peliputan {i}", body)
                   .as_bytes(policy=email.policy.SMTP))
    return out


def statuses(office: Office) -> dict[str, int]:
    with office.factory() as s:
        return dict(s.execute(select(Inbound.status, func.count()).group_by(Inbound.status)).all())


def requests(office: Office) -> int:
    with office.factory() as s:
        return s.scalar(select(func.count()).select_from(Request))


@pytest.mark.parametrize("ahead", [False, True], ids=["inline", "read-ahead"])
def test_a_backlog_is_read_before_each_batch_takes_the_write_lock(office, monkeypatch, ahead):
    office.ctx.cfg.reading.read_ahead = ahead
    order: list[str] = []
    real_prepare, real_row = d.Dispatcher.prepare, d.Dispatcher.handle_row

    def prepare(self, inbound_id, raw_path):
        order.append("read")
        return real_prepare(self, inbound_id, raw_path)

    def handle_row(self, s, inbound_id, locked=False):
        order.append("write")
        return real_row(self, s, inbound_id, locked)

    monkeypatch.setattr(d.Dispatcher, "prepare", prepare)
    monkeypatch.setattr(d.Dispatcher, "handle_row", handle_row)
    for raw in distinct_letters(d.BATCH + 5):
        office.store(raw)
    assert office.dispatcher.run_once() == d.BATCH + 5
    # two batches: every letter of a batch read, then the batch written; with read-ahead the
    # second batch is read in the reading process while the first is written
    if ahead:
        assert order == ["read"] * d.BATCH + ["write"] * (d.BATCH + 5)
        assert office.dispatcher.ahead.pool is not None
        office.dispatcher.close()
    else:
        assert order == ["read"] * d.BATCH + ["write"] * d.BATCH + ["read"] * 5 + ["write"] * 5
    assert statuses(office) == {"done": d.BATCH + 5} and requests(office) == d.BATCH + 5


def test_one_failing_message_is_undone_alone_and_the_batch_goes_on(office, monkeypatch):
    real = d.Dispatcher.handle
    raws = distinct_letters(6)

    def flaky(self, s, inbound):
        if Path(inbound.raw_path).read_bytes() == raws[2]:
            raise RuntimeError("simulated bug in the third letter")
        return real(self, s, inbound)

    monkeypatch.setattr(d.Dispatcher, "handle", flaky)
    for raw in raws:
        office.store(raw)
    office.dispatcher.run_once()
    assert statuses(office) == {"done": 5, "quarantined": 1}
    assert requests(office) == 5
    with office.factory() as s:
        bad = s.scalars(select(Inbound).where(Inbound.status == "quarantined")).one()
    assert "simulated bug" in bad.reason
    assert "karantina" in mime.body_text(office.last_to(OPERATOR))


def test_a_failure_after_writing_leaves_nothing_of_that_message(office, monkeypatch):
    """The savepoint undoes the request the failing message had already recorded."""
    from daemon.sop import engine
    real = engine.open_request
    raws = distinct_letters(4)

    def half(ctx, s, inbound, facts, email, subject):
        req = real(ctx, s, inbound, facts, email, subject)
        if "Nomor 1" in req.title:
            raise RuntimeError("failed after the request was recorded")
        return req

    monkeypatch.setattr(engine, "open_request", half)
    for raw in raws:
        office.store(raw)
    office.dispatcher.run_once()
    assert statuses(office) == {"done": 3, "quarantined": 1}
    with office.factory() as s:
        titles = sorted(s.scalars(select(Request.title)))
        codes = sorted(s.scalars(select(Request.code)))
    assert "Musrenbang Desa Nomor 1" not in titles
    assert len(titles) == 3 and len(set(codes)) == 3  # its code was given back, not skipped
    assert codes[-1].endswith("0003")
    with office.factory() as s:  # the batch's first jobs, written together: none of the undone one
        queued = s.execute(select(Job.key, Job.request_id, Request.code)
                           .join(Request, Request.id == Job.request_id)).all()
    assert sorted(key for key, _, _ in queued) == [f"enter_step:{code}:1" for code in codes]
    assert all(key.split(":")[1] == code for key, _, code in queued)


def test_a_database_error_in_a_batch_handles_its_messages_one_by_one(office, monkeypatch):
    real = d.Dispatcher.handle_row
    calls = {"batch": 0}

    def locked_once(self, s, inbound_id, locked=False):
        if locked and calls["batch"] == 0:
            calls["batch"] += 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(self, s, inbound_id, locked)

    monkeypatch.setattr(d.Dispatcher, "handle_row", locked_once)
    for raw in distinct_letters(5):
        office.store(raw)
    assert office.dispatcher.run_once() == 5
    assert statuses(office) == {"done": 5} and requests(office) == 5


def test_a_reply_waiting_behind_a_backlog_goes_first(office):
    """Replies (a subject naming a request) are claimed before a backlog's letters."""
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan liputan", BANTAN))
    task_mail = office.new_mail()
    assert task_mail
    for raw in distinct_letters(d.BATCH * 2):
        office.store(raw)
    req = office.request()
    reply_id = office.store(letter("x@example.com", f"Re: [{req.code}] pertanyaan", "Halo"))
    first = claim_inbound_batch(office.factory, "probe", 3)
    assert first[0] == reply_id and len(first) == 3


def test_the_same_event_from_another_address_of_the_same_unit_is_found(office):
    """Duplicates are looked for among the unit's requests (by address or by name) and
    those at the same time, not among every open request; the name alone still finds it."""
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan liputan", BANTAN))
    for raw in distinct_letters(10):
        office.store(raw)
    office.dispatcher.run_once()
    again = office.deliver(letter("sekretariat.bantan@gmail.com", "Permohonan liputan Musrenbang",
                                  BANTAN))
    assert again.status == "done"
    assert requests(office) == 11  # the repeat letter opened nothing new
    with office.factory() as s:
        dup = s.get(Inbound, again.id)
        first = s.scalars(select(Request).where(Request.title.like("%Kecamatan Bantan%"))).one()
    assert dup.request_id == first.id


def test_headers_read_through_the_cache_equal_the_default_policy():
    """The parsed-header cache changes the speed of reading, never what is read."""
    files = sorted(DATA.rglob("*.eml"))
    assert len(files) > 50
    for path in files:
        raw = path.read_bytes()
        ours = mime.parse(raw)
        plain = email.message_from_bytes(raw, policy=email.policy.default)
        for name in ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
                     "References", "Content-Type", "Auto-Submitted", "X-Autoreply"):
            assert mime.header(ours, name) == mime.header(plain, name), (path.name, name)
        assert ours.get_content_type() == plain.get_content_type()
        assert mime.body_text(ours) == mime.body_text(plain), path.name
        assert [a.filename for a in mime.attachments(ours)] == [a.filename for a in mime.attachments(plain)]


def test_a_new_time_from_another_address_of_the_same_unit_moves_its_request(office):
    """Found by the unit's name alone (another address, another hour): the request is moved."""
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan liputan", BANTAN))
    for raw in distinct_letters(10):
        office.store(raw)
    office.dispatcher.run_once()
    moved = office.deliver(letter("sekretariat.bantan@gmail.com", "Perubahan waktu Musrenbang",
                                  BANTAN.replace("09.00 WIB", "13.00 WIB")))
    assert moved.status == "done"
    assert requests(office) == 11
    with office.factory() as s:
        first = s.scalars(select(Request).where(Request.title.like("%Kecamatan Bantan%"))).one()
        assert s.get(Inbound, moved.id).request_id == first.id
    assert first.event_start.astimezone(ZoneInfo("Asia/Jakarta")).hour == 13


def test_the_same_event_twice_in_one_batch_is_one_request(office):
    """A batch's requests are written with one flush at its end: a repeat letter later in the
    same batch still finds the request the earlier one opened (held in the session)."""
    raws = distinct_letters(6)
    again = letter("sekretariat.bantan@gmail.com", "Permohonan liputan Musrenbang", BANTAN)
    first = letter("camat.bantan@bengkaliskab.go.id", "Permohonan liputan", BANTAN)
    for raw in (raws[0], first, *raws[1:4], again, *raws[4:]):
        office.store(raw)
    assert office.dispatcher.run_once() == 8
    assert statuses(office) == {"done": 8} and requests(office) == 7
    with office.factory() as s:
        bantan = s.scalars(select(Request).where(Request.title.like("%Kecamatan Bantan%"))).one()
        linked = s.scalars(select(Inbound.id).where(Inbound.request_id == bantan.id)).all()
        codes = sorted(s.scalars(select(Request.code)))
    assert len(linked) == 2  # the letter and its repeat both point at the one request
    assert [c[-4:] for c in codes] == [f"{n:04d}" for n in range(1, 8)]  # gap-free


def test_a_new_time_in_the_same_batch_moves_the_request_just_opened(office):
    office.store(letter("camat.bantan@bengkaliskab.go.id", "Permohonan liputan", BANTAN))
    for raw in distinct_letters(3):
        office.store(raw)
    office.store(letter("sekretariat.bantan@gmail.com", "Perubahan waktu Musrenbang",
                        BANTAN.replace("09.00 WIB", "13.00 WIB")))
    assert office.dispatcher.run_once() == 5
    assert statuses(office) == {"done": 5} and requests(office) == 4
    with office.factory() as s:
        bantan = s.scalars(select(Request).where(Request.title.like("%Kecamatan Bantan%"))).one()
    assert bantan.event_start.astimezone(ZoneInfo("Asia/Jakarta")).hour == 13


def test_a_backlog_is_written_with_one_commit_per_batch_and_no_savepoints(office):
    """Batches grow while a backlog waits (32, then 64 at most: a batch of 128 letters held at
    once was the main process's largest transient near 6,600 messages, +75,000 Python blocks and
    5 obmalloc arenas kept for good): each is claimed and written with two commits, and no
    message needs a savepoint unless one fails."""
    from sqlalchemy import event
    office.ctx.cfg.reading.read_ahead = False
    for raw in distinct_letters(d.BATCH + 2 * d.BATCH + 4 * d.BATCH + 5):
        office.store(raw)
    seen = {"commit": 0, "savepoint": 0}
    for what in ("commit", "savepoint"):
        event.listen(office.engine, what, lambda *_a, what=what: seen.__setitem__(what, seen[what] + 1))
    sizes: list[int] = []
    real = d.Dispatcher.handle_batch

    def handle_batch(self, ids, read=None):
        sizes.append(len(ids))
        return real(self, ids, read)

    d.Dispatcher.handle_batch = handle_batch
    try:
        office.dispatcher.run_once()
    finally:
        d.Dispatcher.handle_batch = real
    assert sizes == [d.BATCH, 2 * d.BATCH, 2 * d.BATCH, 2 * d.BATCH, 5] and d.BATCH_MAX == 64
    assert statuses(office) == {"done": sum(sizes)} and requests(office) == sum(sizes)
    assert seen["savepoint"] == 1  # the year's first request number (the sequence row), once
    # each batch: its claim and its writing; then the claim that finds nothing (it writes nothing)
    assert seen["commit"] == 2 * len(sizes) + 1


def test_a_backlog_of_large_messages_stays_in_batches_of_the_first_size(office):
    for raw in distinct_letters(d.BATCH * 3):
        office.store(raw)
    with office.factory() as s, s.begin():  # as if each were 1 MB: beyond BATCH_BYTES together
        s.execute(Inbound.__table__.update().values(size=1024 * 1024))
    ids = claim_inbound_batch(office.factory, "probe", 4 * d.BATCH, max_bytes=d.BATCH_BYTES,
                              at_least=d.BATCH)
    assert len(ids) == d.BATCH  # 32 MB: the first 32 only
    assert len(claim_inbound_batch(office.factory, "probe", 4 * d.BATCH)) == 2 * d.BATCH


def test_a_letter_and_its_cancellation_in_one_batch(office):
    """The cancellation finds the request opened earlier in the same batch (not yet written) and
    cancels it; the mail it causes is written after the request it points at."""
    office.store(letter("camat.bantan@bengkaliskab.go.id", "Permohonan liputan", BANTAN))
    for raw in distinct_letters(3):
        office.store(raw)
    office.store(letter("camat.bantan@bengkaliskab.go.id", "Pembatalan permohonan liputan Musrenbang",
                        BANTAN + "\nDengan ini kami sampaikan bahwa kegiatan tersebut dibatalkan.\n"))
    assert office.dispatcher.run_once() == 5
    assert statuses(office) == {"done": 5} and requests(office) == 4
    with office.factory() as s:
        bantan = s.scalars(select(Request).where(Request.title.like("%Kecamatan Bantan%"))).one()
        others = set(s.scalars(select(Request.state).where(Request.id != bantan.id)))
    assert bantan.state == "cancelled" and others == {"open"}
