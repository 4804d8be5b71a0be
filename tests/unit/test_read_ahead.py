"""The next batch of a backlog is read in a second process: same results as inline reading; a
message that runs over its time budget there, or whose reading ends the process, is quarantined
with its reason while the rest of the batch is read inline and handled."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from harness import Office
from sqlalchemy import func, select
from test_dispatch_batches import distinct_letters

from daemon.app import dispatcher as d
from daemon.app import read_ahead
from daemon.core.config_running import ReadingCfg
from daemon.core.models import Inbound, Job, Request
from daemon.reading import budget


class Crash:
    """Places whose first use ends the reading process (as a crash in a C parser would)."""

    def __getattr__(self, name):  # noqa: ANN001, ANN204
        if name.startswith("__"):
            raise AttributeError(name)
        os._exit(3)


class Slow:
    """Places whose first use takes longer than any budget of this test."""

    def __getattr__(self, name):  # noqa: ANN001, ANN204
        if name.startswith("__"):
            raise AttributeError(name)
        time.sleep(30)


@pytest.fixture
def office(tmp_path):
    o = Office(tmp_path)
    yield o
    o.dispatcher.close()


def outcome(office: Office) -> tuple[dict[str, int], int, int]:
    with office.factory() as s:
        statuses = dict(s.execute(select(Inbound.status, func.count()).group_by(Inbound.status)).all())
        return (statuses, s.scalar(select(func.count()).select_from(Request)),
                s.scalar(select(func.count()).select_from(Job)))


def test_read_ahead_gives_what_inline_reading_gives(tmp_path):
    raws = distinct_letters(2 * d.BATCH + 3)
    seen = {}
    for ahead in (False, True):
        o = Office(tmp_path / str(ahead))
        o.ctx.cfg.reading.read_ahead = ahead
        for raw in raws:
            o.store(raw)
        assert o.dispatcher.run_once() == len(raws)
        assert (o.dispatcher.ahead.pool is not None) == ahead  # the second process was used
        o.dispatcher.close()
        with o.factory() as s:
            seen[ahead] = s.execute(select(Request.code, Request.title, Request.event_start,
                                           Request.location, Request.requester_email)
                                    .order_by(Request.code)).all()
        assert outcome(o) == ({"done": len(raws)}, len(raws), len(raws))
    assert seen[True] == seen[False]


def test_a_reading_that_ends_the_process_quarantines_that_message_only(office):
    ahead = read_ahead.ReadAhead(replace(office.dispatcher.reading, places=Crash()))
    office.dispatcher.ahead = ahead
    for raw in distinct_letters(2 * d.BATCH):
        office.store(raw)
    assert office.dispatcher.run_once() == 2 * d.BATCH
    # the first message of the second batch was being read when the process ended: quarantined
    # with the reason; the rest of that batch was read inline and recorded
    assert outcome(office) == ({"done": 2 * d.BATCH - 1, "quarantined": 1}, 2 * d.BATCH - 1, 2 * d.BATCH - 1)
    with office.factory() as s:
        row = s.scalars(select(Inbound).where(Inbound.status == "quarantined")).one()
    assert row.id == d.BATCH + 1
    assert row.reason == "over the reading budget: the reading process ended while reading it"
    assert ahead.breaks == 1 and ahead.pool is None


def test_a_reading_over_its_time_budget_is_stopped_in_the_reading_process(office):
    settings = replace(office.dispatcher.reading, places=Slow(),
                       reading=ReadingCfg(max_seconds=1))
    office.dispatcher.ahead = read_ahead.ReadAhead(settings)
    for raw in distinct_letters(d.BATCH + 2):
        office.store(raw)
    started = time.monotonic()
    assert office.dispatcher.run_once() == d.BATCH + 2
    assert time.monotonic() - started < 25  # each stopped after 1 s, not after 30
    statuses, recorded, _ = outcome(office)
    assert statuses == {"done": d.BATCH, "quarantined": 2} and recorded == d.BATCH
    with office.factory() as s:
        reasons = set(s.scalars(select(Inbound.reason).where(Inbound.status == "quarantined")))
    assert reasons == {"over the reading budget: reading took 1.0 s (limit 1 s)"}


def test_the_alarm_is_cleared_after_each_reading(tmp_path, monkeypatch):
    """In the reading process: a fast reading leaves no timer running for the next one."""
    import signal

    monkeypatch.setattr(read_ahead, "read_alone", lambda *a: budget.Prepared(inbound_id=a[1]))
    read_ahead._start(read_ahead.Settings(ReadingCfg(max_seconds=5), None, None, None, True))
    try:
        assert read_ahead._read(7, str(tmp_path / "x.eml"), None).inbound_id == 7
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_the_reading_process_started_with_the_service_reads_the_first_backlog(office):
    office.ctx.cfg.reading.read_ahead = True
    ahead = office.dispatcher.ahead
    ready = ahead.warm()
    assert ready is not None and ready.result(timeout=60) != os.getpid()  # a process of its own
    started = ahead.pool
    for raw in distinct_letters(2 * d.BATCH + 1):
        office.store(raw)
    office.dispatcher.run_once()
    statuses, requests, _ = outcome(office)
    assert statuses == {"done": 2 * d.BATCH + 1} and requests == 2 * d.BATCH + 1
    assert ahead.pool is started and ahead.proven  # the same process read the next batches


def test_a_stopped_service_starts_no_reading_process(office):
    office.dispatcher.ahead.close(final=True)
    assert office.dispatcher.ahead.warm() is None and office.dispatcher.ahead.pool is None


def test_a_worn_reading_process_is_recycled_and_the_next_batch_read_by_a_new_one(office, monkeypatch):
    """After RECYCLE_MESSAGES the next batch goes to a new process; the old one first finishes
    the batch it holds (nothing lost, nothing quarantined) and then exits."""
    monkeypatch.setattr(d, "BATCH", 8)
    monkeypatch.setattr(d, "BATCH_MAX", 8)
    monkeypatch.setattr(read_ahead, "RECYCLE_MESSAGES", 16)
    office.ctx.cfg.reading.read_ahead = True
    ahead = office.dispatcher.ahead
    batches = []  # (pool, reading pid, ids) of every batch given to a reading process
    submit = ahead.submit

    def recorded(items, now):  # noqa: ANN001, ANN202
        pending = submit(items, now)
        assert pending is not None
        batches.append((pending.pool, set(pending.pool._processes), [i for i, _ in items]))
        return pending

    monkeypatch.setattr(ahead, "submit", recorded)
    raws = distinct_letters(5 * 8 + 1)
    for raw in raws:
        office.store(raw)
    assert office.dispatcher.run_once() == len(raws)
    assert outcome(office) == ({"done": len(raws)}, len(raws), len(raws))
    # batch 1 inline; 2 and 3 in the first process; 4 and 5 in a second; the last one in a third
    assert [len(ids) for _, _, ids in batches] == [8, 8, 8, 8, 1]
    pools = [pool for pool, _, _ in batches]
    assert pools[0] is pools[1] and pools[2] is pools[3] and len({id(p) for p in pools}) == 3
    pids = [pid for _, found, _ in batches for pid in found]
    assert len(set(pids)) == 3  # three processes, one after the other
    assert ahead.recycled == 2 and ahead.breaks == 0 and ahead.retired == []
    for pool in pools[:4]:  # the retired ones have exited by themselves
        for proc in list(pool._processes.values()) if pool._processes else []:
            proc.join(timeout=30)
            assert not proc.is_alive()
    assert ahead.pool is pools[4] and ahead.given == 1


def test_a_reading_process_past_its_uss_bound_is_recycled(office, monkeypatch):
    monkeypatch.setattr(d, "BATCH", 8)
    monkeypatch.setattr(d, "BATCH_MAX", 8)
    monkeypatch.setattr(read_ahead, "RECYCLE_MIN_MESSAGES", 8)
    monkeypatch.setattr(read_ahead, "RECYCLE_USS_MB", 0.01)  # any process is past it
    office.ctx.cfg.reading.read_ahead = True
    for raw in distinct_letters(3 * 8):
        office.store(raw)
    assert office.dispatcher.run_once() == 3 * 8
    assert outcome(office) == ({"done": 3 * 8}, 3 * 8, 3 * 8)
    assert office.dispatcher.ahead.recycled == 1  # the third batch: a new process


def test_a_worn_reading_process_with_nothing_to_finish_is_not_kept(office, monkeypatch):
    """Worn out between two backlogs (its last batch collected): retired at the next backlog's
    first batch and gone, not kept in `retired` for the daemon's life."""
    monkeypatch.setattr(read_ahead, "RECYCLE_MESSAGES", 1)
    office.ctx.cfg.reading.read_ahead = True
    ahead = office.dispatcher.ahead
    raws = distinct_letters(4 * d.BATCH)
    pids = []
    for k in range(2):
        for raw in raws[2 * k * d.BATCH:2 * (k + 1) * d.BATCH]:
            office.store(raw)
        assert office.dispatcher.run_once() == 2 * d.BATCH
        pids += list(ahead.pool._processes)
        assert ahead.retired == []
    assert ahead.recycled == 1 and len(set(pids)) == 2
    assert outcome(office)[0] == {"done": 4 * d.BATCH}


def test_a_reading_process_within_its_uss_bound_is_kept(office, monkeypatch):
    """The bound is the process's own memory, not its RSS: the pages it shares with the daemon
    (its imports, which RSS counts in full) never retire it."""
    monkeypatch.setattr(d, "BATCH", 8)
    monkeypatch.setattr(d, "BATCH_MAX", 8)
    monkeypatch.setattr(read_ahead, "RECYCLE_MIN_MESSAGES", 8)
    office.ctx.cfg.reading.read_ahead = True
    ahead = office.dispatcher.ahead
    ahead.warm().result(timeout=60)
    (pid,) = ahead.pool._processes
    monkeypatch.setattr(read_ahead, "RECYCLE_USS_MB", read_ahead.rss_mb(pid) - 1)  # an RSS rule: retired
    for raw in distinct_letters(4 * 8):
        office.store(raw)
    assert office.dispatcher.run_once() == 4 * 8
    assert ahead.recycled == 0 and set(ahead.pool._processes) == {pid}
    assert read_ahead.uss_mb(pid) < read_ahead.RECYCLE_USS_MB < read_ahead.rss_mb(pid)


def test_the_reading_process_is_forked_and_shares_the_daemons_pages(office):
    """Forked after the imports: most of its RSS is the daemon's pages, shared, not its own."""
    office.ctx.cfg.reading.read_ahead = True
    ahead = office.dispatcher.ahead
    child = ahead.warm().result(timeout=60)
    assert child != os.getpid()
    assert Path(f"/proc/{child}/comm").read_text().strip() == read_ahead.PROCESS_NAME
    rss, uss = read_ahead.rss_mb(child), read_ahead.uss_mb(child)
    assert 0 < uss < rss / 2, (rss, uss)


def test_an_idle_reading_process_stops_and_the_next_backlog_forks_a_new_one(office, monkeypatch):
    office.ctx.cfg.reading.read_ahead = True
    office.ctx.cfg.reading.idle_process_seconds = 60  # (a loaded machine: not stopped while reading)
    ahead = office.dispatcher.ahead
    raws = distinct_letters(4 * d.BATCH)
    for raw in raws[:2 * d.BATCH]:
        office.store(raw)
    assert office.dispatcher.run_once() == 2 * d.BATCH
    pool = ahead.pool
    (first,) = pool._processes
    # not idle long enough yet: used just now, against a bound no loaded round can outlast
    assert office.dispatcher.run_once() == 0 and ahead.pool is pool
    office.ctx.cfg.reading.idle_process_seconds = 0.5
    time.sleep(max(0.0, ahead.last_used + 0.6 - time.monotonic()))  # idle past the bound now
    assert office.dispatcher.run_once() == 0
    assert ahead.pool is None and ahead.idled == 1
    assert not Path(f"/proc/{first}").exists() or "Z" in Path(f"/proc/{first}/stat").read_text().split()[2]
    for raw in raws[2 * d.BATCH:]:
        office.store(raw)
    # (the round ends with the idle check, after writing the last batch read: not within 0.5 s
    # of that reading on a loaded machine, so the bound is long again)
    office.ctx.cfg.reading.idle_process_seconds = 60
    assert office.dispatcher.run_once() == 2 * d.BATCH
    assert ahead.pool is not None and set(ahead.pool._processes) != {first}
    assert outcome(office)[0] == {"done": 4 * d.BATCH}


def test_an_idle_reading_process_stays_when_the_setting_is_zero(office):
    office.ctx.cfg.reading.read_ahead = True
    office.ctx.cfg.reading.idle_process_seconds = 0
    ahead = office.dispatcher.ahead
    ahead.warm().result(timeout=60)
    ahead.last_used -= 3600
    assert office.dispatcher.run_once() == 0 and ahead.pool is not None and ahead.idled == 0


def test_rss_of_this_process_is_read_and_of_a_gone_one_is_zero():
    assert 5 < read_ahead.rss_mb(os.getpid()) < 4096
    assert read_ahead.rss_mb(2 ** 22 + 12345) == 0.0


def test_uss_is_the_memory_no_other_process_shares():
    uss = read_ahead.uss_mb(os.getpid())
    assert 0 < uss <= read_ahead.rss_mb(os.getpid())
    assert read_ahead.uss_mb(2 ** 22 + 12345) == 0.0
