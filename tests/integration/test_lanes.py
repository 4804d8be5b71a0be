"""A hung LibreOffice (a fake soffice on PATH that does not return) holds up letters only: a
timer, a publication or a digest due meanwhile runs at once, in the main runner."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.app.jobrunner import JobRunner
from daemon.app.lanes import Lane, Wake
from daemon.core.db import transaction
from daemon.core.jobs import enqueue
from daemon.core.models import Job
from daemon.paperwork.pdf import ONESHOT, PdfConverter

pytestmark = pytest.mark.integration
RENDER, TIMER = "render_letter", "step_timer"
CAP = 60.0  # seconds: how long any wait here may take at most (a loaded machine included)


@pytest.fixture
def hung_office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A converter whose soffice hangs until the test lets it go (then fails: no PDF)."""
    bin_dir, release = tmp_path / "bin", tmp_path / "release"
    bin_dir.mkdir()
    (bin_dir / "soffice").write_text(f"#!/bin/sh\nwhile [ ! -e {release} ]; do sleep 0.05; done\nexit 1\n")
    (bin_dir / "soffice").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    conv = PdfConverter(tmp_path / "pdf-state", office="soffice", uno_python=str(tmp_path / "no-python3"),
                        convert_timeout=int(CAP * 2))
    assert conv.available() and conv.mode == ONESHOT, conv.reason
    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"not really a letter")
    yield conv, docx, release
    release.touch()
    conv.close()


def make_runner(factory, conv: PdfConverter, docx: Path, ran: list[str]) -> JobRunner:
    def render(job):
        made = conv.convert(docx)
        ran.append(RENDER)
        return {"pdf": str(made) if made else None}

    def timer(job):
        ran.append(TIMER)
        return {}
    return JobRunner(factory, {RENDER: render, TIMER: timer}, "test-host:1:jobs", poll=0.2)


def state(factory, kind: str) -> str | None:
    with factory() as s:
        return s.scalar(select(Job.state).where(Job.kind == kind))


async def until(predicate, cap: float = CAP) -> bool:
    deadline = time.monotonic() + cap
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.05)
    return False


async def scenario(factory, conv, docx, release, lane: Lane | None) -> dict:
    """A letter whose PDF hangs, then a timer due: what had run when the timer ended (or when a
    second passed without it) and whether the letter was still converting then."""
    ran: list[str] = []
    main = make_runner(factory, conv, docx, ran)
    stop = asyncio.Event()
    wake = Wake(lane.wake) if lane else asyncio.Event()
    tasks = [asyncio.create_task(main.run(stop, wake))]
    if lane is not None:
        lane.split(main)
        tasks.append(asyncio.create_task(lane.run(stop, lambda: main)))
    try:
        with transaction(factory) as s:
            enqueue(s, RENDER, {})
        wake.set()
        assert await until(lambda: conv.busy_since is not None), "the conversion never started"
        with transaction(factory) as s:
            enqueue(s, TIMER, {})
        wake.set()
        queued = time.monotonic()
        timer_done = await until(lambda: state(factory, TIMER) == "done",
                                 cap=CAP if lane is not None else 1.5)
        print(f"{'lane' if lane else 'one runner'}: the timer due behind a hung conversion "
              f"{'ran after %.2f s' % (time.monotonic() - queued) if timer_done else 'had not run after 1.5 s'}")
        seen = {"timer_done": timer_done, "ran": list(ran), "converting": conv.busy_since is not None,
                "letter": state(factory, RENDER)}
        release.touch()
        assert await until(lambda: state(factory, RENDER) == "done" and state(factory, TIMER) == "done")
        seen["order"] = list(ran)
        return seen
    finally:
        stop.set()
        release.touch()
        await asyncio.wait(tasks, timeout=CAP)


def test_a_hung_converter_holds_up_no_other_job(factory, hung_office):
    conv, docx, release = hung_office
    lane = Lane({RENDER})
    seen = asyncio.run(scenario(factory, conv, docx, release, lane))
    assert seen["timer_done"], seen
    assert seen["converting"] and seen["letter"] == "running" and seen["ran"] == [TIMER], seen
    assert seen["order"] == [TIMER, RENDER]  # the letter ended after the timer, as it was hung
    with factory() as s:
        holders = set(s.scalars(select(Job.leased_by)))
    assert holders == {"test-host:1:jobs", "test-host:1:letters"}  # each claimed by its own runner


def test_without_the_lane_the_hung_converter_holds_up_the_timer(factory, hung_office):
    """The fault the lane removes: one runner waits for the letter before it takes the timer."""
    conv, docx, release = hung_office
    seen = asyncio.run(scenario(factory, conv, docx, release, None))
    assert not seen["timer_done"] and seen["converting"] and seen["ran"] == [], seen
    assert seen["order"] == [RENDER, TIMER]


def test_the_main_runner_leaves_the_lanes_kinds_but_takes_unknown_ones(factory):
    main = JobRunner(factory, {RENDER: lambda job: {}, TIMER: lambda job: {}}, "h:1:jobs")
    lane = Lane({RENDER}).split(main)
    with transaction(factory) as s:
        enqueue(s, RENDER, {})
        enqueue(s, "no_such_kind", {})
    assert main.run_once() == 1  # the unknown kind, failed for good with its reason
    with factory() as s:
        states = dict(s.execute(select(Job.kind, Job.state)).all())
    assert states == {RENDER: "queued", "no_such_kind": "failed"}
    assert lane.run_once() == 1 and lane.run_once() == 0


@pytest.mark.parametrize("workers, in_flight", [(2, 4), (1, 1)])
def test_the_letters_lane_keeps_letters_queued_beyond_its_workers(factory, workers, in_flight):
    """With worker processes, two letters more than workers are in flight (lanes.AHEAD: so a
    worker never idles while this process records a result, prepares the next or waits for the
    write lock); rendered here (one process), one."""
    lock, now, peak = threading.Condition(), [0], [0]

    def render(job):
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
            lock.notify_all()  # the first letters wait for each other (a loaded machine may start
            lock.wait_for(lambda: peak[0] >= in_flight, timeout=30)  # the next one late)
        time.sleep(0.2)  # and overlap: one more in flight than allowed would show in the peak
        with lock:
            now[0] -= 1
        return {}
    main = JobRunner(factory, {RENDER: render}, "h:1:jobs", parallel=workers, parallel_kinds={RENDER})
    lane = Lane({RENDER}).split(main)
    with transaction(factory) as s:
        for _ in range(8):
            enqueue(s, RENDER, {})
    assert lane.run_once() == 8 and main.run_once() == 0
    assert (lane.parallel, peak[0]) == (in_flight, in_flight)
