"""The shared folder's first rescan (at start, before any event) takes a file only once it is
complete: a copy still being written, paused longer than stable_seconds, waits for its end, and
a finished file is still taken promptly."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_delivery_watcher import CODE, FOLDER, Outcomes, jpeg, wait_for

from daemon.core.config_work import DeliveryCfg
from daemon.delivery.folders import create_request_folder
from daemon.delivery.open_files import open_for_writing
from daemon.delivery.watcher import FolderWatcher

pytestmark = pytest.mark.integration
STABLE = 0.3


class Sized(Outcomes):
    """Outcomes that also note each file's size when it was reported."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.sizes: dict[str, int] = {}

    def on_ready(self, path: Path) -> None:
        self.sizes[self.rel(path)] = path.stat().st_size
        super().on_ready(path)


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    create_request_folder(root, CODE, "Peresmian Gedung Sekolah", 2026)
    return root


def watcher_on(share: Path, observer: str, clock=time.monotonic, **settings: float) -> tuple[FolderWatcher, Sized]:
    values = {"stable_seconds": STABLE, "poll_seconds": 0.1, "rescan_seconds": 300.0}
    values.update(settings)
    seen = Sized(share)
    return FolderWatcher(share, DeliveryCfg(observer=observer, **values), seen.on_ready, seen.on_refused,
                         clock=clock), seen


@pytest.mark.parametrize("observer", ["inotify", "polling"])
def test_it_takes_a_file_written_slowly_during_the_first_rescan_only_once_complete(share, observer):
    data = jpeg() * 4
    path, rel = share / FOLDER / "foto.jpg", f"{FOLDER}/foto.jpg"
    done = share / FOLDER / "sudah.jpg"
    done.write_bytes(jpeg())  # finished before the start: taken promptly
    writer = open(path, "wb")  # noqa: SIM115 - opened before the watcher watches: no event tells of it
    writer.write(data[:1000])
    writer.flush()
    watcher, seen = watcher_on(share, observer)
    started = time.monotonic()
    watcher.start()
    try:
        assert wait_for(lambda: f"{FOLDER}/sudah.jpg" in seen.ready, timeout=60)
        assert seen.at[f"{FOLDER}/sudah.jpg"] - started < STABLE + 1.5
        chunks = [data[1000:len(data) // 2], data[len(data) // 2:]]
        for chunk in [b""] + chunks:  # pauses of 3x stable_seconds: size and time alone would take it
            if chunk:
                writer.write(chunk)
                writer.flush()
            time.sleep(3 * STABLE)
            assert rel not in seen.ready, f"taken while still being written ({os.path.getsize(path)} bytes)"
        writer.close()
        closed = time.monotonic()
        assert wait_for(lambda: rel in seen.ready, timeout=60)
        assert seen.at[rel] - closed < STABLE + 1.5  # promptly once complete
        assert seen.sizes[rel] == len(data) and seen.refused == {}
        time.sleep(2 * STABLE)
        assert seen.ready.count(rel) == 1 and watcher.running
    finally:
        writer.close()
        watcher.stop()


def test_a_file_left_open_but_unchanged_past_the_grace_is_taken(share):
    """A writer that holds a file open and writes nothing for open_grace (60 s here, a fake clock)
    does not hold the delivery up for ever."""
    now = [1000.0]
    watcher, seen = watcher_on(share, "polling", clock=lambda: now[0], poll_seconds=3600,
                               stable_seconds=1, rescan_seconds=3600)
    path = share / FOLDER / "naskah.txt"
    with open(path, "w", encoding="utf-8") as held:
        held.write("Bupati Resmikan Gedung Sekolah\n")
        held.flush()
        try:
            watcher.tick()  # observer, first rescan: pending
            now[0] += 5
            watcher.tick()
            assert seen.ready == []  # stable by size and time, but open for writing
            now[0] += 56
            watcher.tick()
            assert seen.ready == [f"{FOLDER}/naskah.txt"]
        finally:
            watcher.stop()


def test_open_for_writing_tells_writers_from_readers(tmp_path):
    written, read, closed = (tmp_path / n for n in ("ditulis.jpg", "dibaca.jpg", "ditutup.jpg"))
    for p in (read, closed):
        p.write_bytes(b"x")
    with open(written, "ab"), open(read, "rb"), open(tmp_path / "lain.jpg", "wb"):
        assert open_for_writing([written, read, closed, tmp_path / "hilang.jpg"]) == {written}
    assert open_for_writing([written, read]) == set()
