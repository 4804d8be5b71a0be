"""Letters rendered on several cores: the [jobs] key, jobs in flight at once, a worker that dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document as Docx
from sqlalchemy import select

from daemon.app import procpool, work
from daemon.app.jobrunner import JobRunner
from daemon.core import db, jobs
from daemon.core.config import load_config
from daemon.core.errors import ConfigError
from daemon.core.models import Job
from daemon.devservers import config as devconfig
from daemon.paperwork import render

ROOT = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, **sections) -> Path:
    return devconfig.write_config(tmp_path / "liputan.toml", imap_port=143, smtp_port=25,
                                  database=f"sqlite:///{tmp_path / 'l.db'}", rules=ROOT / "rules",
                                  extra=sections)


def test_render_processes_defaults_to_both_cores_and_one_means_in_process(tmp_path):
    cfg = load_config(config(tmp_path))
    assert cfg.jobs.render_processes == 0
    assert cfg.jobs.processes() == min(2, os.cpu_count() or 1)
    assert load_config(config(tmp_path, jobs={"render_processes": 1})).jobs.processes() == 1
    assert load_config(config(tmp_path, jobs={"render_processes": 3})).jobs.processes() == 3
    with pytest.raises(ConfigError, match="render_processes"):
        load_config(config(tmp_path, jobs={"render_processes": -1}))


def _niceness() -> int:
    return os.nice(0)


def test_workers_run_below_the_daemons_cpu_priority(tmp_path):
    assert load_config(config(tmp_path)).jobs.render_nice == 5
    assert load_config(config(tmp_path, jobs={"render_nice": 0})).jobs.render_nice == 0
    with pytest.raises(ConfigError, match="render_nice"):
        load_config(config(tmp_path, jobs={"render_nice": 20}))
    mine = os.nice(0)
    pool = procpool.ProcessPool(2, nice=5)
    try:
        assert pool.run(_niceness) == min(mine + 5, 19)
    finally:
        pool.close()
    plain = procpool.ProcessPool(1)
    try:
        assert plain.run(_niceness) == mine
    finally:
        plain.close()


@pytest.fixture
def factory(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    db.upgrade(engine)
    yield db.sessions(engine)
    engine.dispose()


def enqueue(factory, kind: str, n: int) -> None:
    with db.transaction(factory) as s:
        for i in range(n):
            jobs.enqueue(s, kind, {"i": i}, key=f"{kind}:{i}")


def states(factory) -> dict[int, tuple[str, int]]:
    with factory() as s:
        return {j.id: (j.state, j.attempts) for j in s.scalars(select(Job))}


def test_letters_run_two_at_a_time_and_other_jobs_one_at_a_time_beside_them(factory):
    both = threading.Barrier(2, timeout=10)  # a render that never meets another one fails
    flying, timers, most_timers = [0], [0], [0]
    lock = threading.Lock()

    def render(job):
        with lock:
            flying[0] += 1
        try:
            both.wait()
            time.sleep(0.05)
        finally:
            with lock:
                flying[0] -= 1
        return {}

    def timer(job):
        with lock:
            timers[0] += 1
            most_timers[0] = max(most_timers[0], timers[0])
        time.sleep(0.05)
        with lock:
            timers[0] -= 1
        return {}

    enqueue(factory, "render_letter", 6)
    enqueue(factory, "timer", 4)
    runner = JobRunner(factory, {"render_letter": render, "timer": timer}, "t", parallel=2,
                       parallel_kinds={"render_letter"})
    ran_after: list[int] = []
    assert runner.run_once(after=lambda job: ran_after.append(job.id)) == 10
    assert set(states(factory).values()) == {("done", 1)}
    assert most_timers[0] == 1 and sorted(ran_after) == sorted(states(factory))


def test_halt_ends_the_round_after_the_letters_in_flight(factory):
    enqueue(factory, "render_letter", 10)
    runner = JobRunner(factory, {"render_letter": lambda job: time.sleep(0.02) or {}}, "t",
                       parallel=2, parallel_kinds={"render_letter"})
    done: list[int] = []
    assert runner.run_once(halt=lambda: len(done) >= 3, after=lambda job: done.append(job.id)) < 10
    assert {st for st, _ in states(factory).values()} == {"done", "queued"}  # none left running


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_is_retried_in_a_new_pool(factory):
    pool = procpool.ProcessPool(2)
    try:
        assert pool.run(os.getpid) != os.getpid()
        with pytest.raises(procpool.WorkerDied):
            pool.run(_die)
        assert pool.recreated == 1 and pool.run(os.getpid) != os.getpid()
        # through the runner: the job is not lost, only tried again (transient)
        enqueue(factory, "render_letter", 1)
        calls = []

        def render(job):
            calls.append(job.attempts)
            return {"pid": pool.run(_die if len(calls) == 1 else os.getpid)}

        runner = JobRunner(factory, {"render_letter": render}, "t", parallel=2,
                           parallel_kinds={"render_letter"}, clock=lambda: jobs.utcnow() + timedelta(hours=1))
        runner.run_once()
        with factory() as s:
            job = s.scalars(select(Job)).one()
        assert calls[0] == 1 and "worker process ended" in job.last_error
        assert (job.state, job.attempts) in (("queued", 1), ("done", 2))
        while job.state != "done":  # its backoff, on the runner's clock an hour ahead
            runner.now = lambda: jobs.utcnow() + timedelta(days=1)
            runner.run_once()
            with factory() as s:
                job = s.scalars(select(Job)).one()
        assert job.attempts == 2 and job.result["pid"] in pool.pids()
    finally:
        pool.close()


def test_real_letters_are_rendered_by_worker_processes_with_the_same_result(tmp_path):
    sys.path.insert(0, str(ROOT / "tests"))
    from harness import CAMAT, Office, letter
    from test_workflow_bodies import BANTAN

    office = Office(tmp_path)
    assert office.cfg.jobs.processes() >= 1
    if office.jobs.parallel < 2:
        pytest.skip("one CPU: letters are rendered in the daemon's process")
    office.store(letter(CAMAT, "Permohonan peliputan Musrenbang", BANTAN))
    office.dispatcher.run_once()
    pool = procpool.shared(office.jobs.parallel)
    office.jobs.run_once()
    with office.factory() as s:
        done = s.scalars(select(Job).where(Job.kind == "render_letter")).all()
    assert done and all(j.state == "done" and j.attempts == 1 for j in done)
    assert pool.pids() and os.getpid() not in pool.pids()
    here = dict(done[0].payload, out=str(tmp_path / "here.docx"))
    render.render_docx(here)  # the same letter rendered in this process reads the same
    assert "LPT-2026-0001" in text(done[0].result["path"]) and text(here["out"]) == text(done[0].result["path"])


def text(path: str) -> str:
    doc = Docx(path)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


ORPHAN = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from daemon.app.procpool import ProcessPool
    if __name__ == "__main__":
        pool = ProcessPool(2)
        print(pool.run(os.getpid), flush=True)
        time.sleep(60)
""")


def test_workers_leave_with_a_daemon_killed_by_sigkill(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(ORPHAN)
    proc = subprocess.Popen([sys.executable, str(script), str(ROOT)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(proc.stdout.readline())
        os.kill(worker, 0)  # alive
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(worker):
        time.sleep(0.1)
    assert not _running(worker)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_a_job_freed_by_one_start_is_not_freed_again_by_the_next(factory):
    """Two letters in flight when the daemon is killed, then killed again before it claimed
    them: each gave back the one attempt it used, once."""
    enqueue(factory, "render_letter", 2)
    gone = subprocess.Popen(["true"])
    gone.wait()
    holder = work.holder_name("jobs").replace(f":{os.getpid()}:", f":{gone.pid}:")
    assert jobs.claim(factory, holder) and jobs.claim(factory, holder)
    assert work.reclaim_orphans(factory) == 2
    assert work.reclaim_orphans(factory) == 0
    with factory() as s:
        assert {(j.attempts, j.interrupted) for j in s.scalars(select(Job))} == {(0, 1)}


def _imported(name: str) -> bool:
    return name in sys.modules


def test_workers_stopped_when_idle_are_started_ahead_with_the_letter_libraries():
    """A message coming in forks the stopped workers at once (prestart), each importing what a
    letter needs, so the letter a reply brings does not wait for docxtpl's import; the daemon's
    own process imports none of it."""
    name = next(n for n in ("colorsys", "wave", "chunk", "sndhdr") if n not in sys.modules)
    pool = procpool.ProcessPool(2)
    try:
        assert pool.pids() == [] and pool.last_used is None
        assert pool.prestart((name,)) is True
        assert len(pool.pids()) == 2  # forked now, without waiting for their imports
        assert pool.prestart((name,)) is False  # already running: nothing more
        assert 50 < pool.close_if_idle(60) <= 60  # the idle stop counts from the head start
        assert any(pool.run(_imported, name) for _ in range(4))
        assert name not in sys.modules  # only the workers imported it
        pool.close()
        assert pool.pids() == [] and pool.prestart((name,)) is True  # stopped, then started again
    finally:
        pool.close()


def test_a_lane_starts_no_worker_ahead_before_a_pool_was_made(monkeypatch):
    from daemon.app import lanes
    from daemon.paperwork import letters
    monkeypatch.setattr(procpool, "_shared", None)
    lane = lanes.Lane({work.RENDER}, idle_workers=lambda: 60)
    assert lane.prestart_workers() is False
    pool = procpool.ProcessPool(1)
    monkeypatch.setattr(procpool, "_shared", pool)
    try:
        assert lane.prestart_workers() is True and len(pool.pids()) == 1
        assert pool.run(_imported, letters.WORKER_IMPORTS[0])
    finally:
        pool.close()
