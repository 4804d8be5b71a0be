"""The shared-folder watcher on real folders: inotify and polling, a share that goes away and comes back,
and hostile drops — each file ends reported ready once, or quarantined with its reason, and the watcher runs on."""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import docx
import pytest
from PIL import Image

from daemon.core.config_work import DeliveryCfg
from daemon.delivery.folders import create_request_folder
from daemon.delivery.intake import quarantine
from daemon.delivery.watcher import FolderWatcher

pytestmark = pytest.mark.integration

CODE = "LPT-2026-0007"
FOLDER = f"2026/{CODE} Peresmian Gedung Sekolah"


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 90, 160)).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> bool:  # (a loaded machine)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class Outcomes:
    """What the watcher reported: ready paths, and refusals (quarantined as the service would)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.Lock()
        self.ready: list[str] = []
        self.refused: dict[str, str] = {}
        self.refusals = 0
        self.at: dict[str, float] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def on_ready(self, path: Path) -> None:
        with self.lock:
            self.ready.append(self.rel(path))
            self.at[self.rel(path)] = time.monotonic()

    def on_refused(self, path: Path, reason: str) -> None:
        quarantine(self.root, path, reason)  # first: a test that sees the refusal finds the file moved
        with self.lock:
            self.refused[self.rel(path)] = reason
            self.refusals += 1


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    create_request_folder(root, CODE, "Peresmian Gedung Sekolah", 2026)
    return root


@pytest.fixture
def watch(share: Path) -> Iterator[Callable[..., tuple[FolderWatcher, Outcomes]]]:
    started: list[FolderWatcher] = []

    def start(observer: str, observer_is: str | None = None, **settings: float) -> tuple[FolderWatcher, Outcomes]:
        """A running watcher expected to use `observer`; `observer_is` is the setting if it differs (auto)."""
        values = dict(stable_seconds=0.3, poll_seconds=0.1, rescan_seconds=300.0)
        values.update(settings)
        outcomes = Outcomes(share)
        cfg = DeliveryCfg(observer=observer_is or observer, **values)
        watcher = FolderWatcher(share, cfg, outcomes.on_ready, outcomes.on_refused)
        watcher.start()
        started.append(watcher)
        assert wait_for(lambda: watcher.kind == observer)
        return watcher, outcomes

    yield start
    for watcher in started:
        watcher.stop()


def test_inotify_reports_a_slowly_written_file_once_only_after_it_is_closed(share: Path, watch) -> None:
    watcher, seen = watch("inotify")
    data = jpeg()
    with open(share / FOLDER / "foto.jpg", "wb") as fh:
        for n in range(4):  # each pause is longer than stable_seconds: only the close may count
            fh.write(data[n * len(data) // 4:(n + 1) * len(data) // 4])
            fh.flush()
            time.sleep(0.45)
            assert seen.ready == [], f"reported while still open, after chunk {n + 1}"
    assert wait_for(lambda: seen.ready == [f"{FOLDER}/foto.jpg"])
    time.sleep(0.6)
    assert seen.ready == [f"{FOLDER}/foto.jpg"] and seen.refused == {} and watcher.running


def test_inotify_close_counts_at_once_without_waiting_for_stability(share: Path, watch) -> None:
    watcher, seen = watch("inotify", stable_seconds=600.0)  # waiting for stability would take 10 min
    (share / FOLDER / "foto.jpg").write_bytes(jpeg())
    closed = time.monotonic()
    assert wait_for(lambda: seen.ready == [f"{FOLDER}/foto.jpg"], timeout=60)  # a generous cap
    assert seen.at[f"{FOLDER}/foto.jpg"] - closed < 60 < watcher.cfg.stable_seconds


def test_polling_reports_a_file_once_when_stable_and_rescans_do_not_repeat_it(share: Path, watch) -> None:
    watcher, seen = watch("polling", rescan_seconds=0.2)
    (share / FOLDER / "foto.jpg").write_bytes(jpeg())
    written = time.monotonic()
    assert wait_for(lambda: seen.ready == [f"{FOLDER}/foto.jpg"])
    assert seen.at[f"{FOLDER}/foto.jpg"] - written >= 0.3  # stable_seconds passed first
    time.sleep(1.0)  # about five rescans
    assert seen.ready == [f"{FOLDER}/foto.jpg"] and watcher.running


def test_a_file_still_being_written_is_not_reported_until_it_is_stable(share: Path, watch) -> None:
    watcher, seen = watch("polling", stable_seconds=1.0)
    path = share / FOLDER / "naskah.txt"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Bupati Resmikan Gedung Sekolah\n\n")
        for n in range(12):  # 1.2 s of writing, each pause shorter than stable_seconds
            fh.write(f"Paragraf {n} berita.\n")
            fh.flush()
            time.sleep(0.1)
            assert seen.ready == [], f"reported while being written (write {n})"
    assert wait_for(lambda: seen.ready == [f"{FOLDER}/naskah.txt"])
    time.sleep(0.5)
    assert seen.ready == [f"{FOLDER}/naskah.txt"] and watcher.running


def test_a_network_share_that_disappears_is_rescanned_when_it_is_back(share: Path, watch, tmp_path: Path) -> None:
    watcher, seen = watch("polling")
    away = tmp_path / "unmounted"
    share.rename(away)  # the share is unmounted: its path is gone
    (away / FOLDER / "foto.jpg").write_bytes(jpeg())
    later = create_request_folder(away, "LPT-2026-0008", "Rapat Paripurna", 2026)
    (later / "naskah.txt").write_text("Rapat Paripurna DPRD\n\nBENGKALIS - Rapat digelar.\n")
    time.sleep(0.6)
    assert seen.ready == [] and watcher.running
    away.rename(share)  # mounted again
    expected = sorted([f"{FOLDER}/foto.jpg", "2026/LPT-2026-0008 Rapat Paripurna/naskah.txt"])
    assert wait_for(lambda: sorted(seen.ready) == expected)
    assert watcher.restarts >= 1 and watcher.running and seen.refused == {}


def test_a_share_mounted_anew_in_place_gets_a_new_observer(share: Path, watch, tmp_path: Path) -> None:
    watcher, seen = watch("inotify")
    share.rename(tmp_path / "old")
    shutil.copytree(tmp_path / "old", share)  # same path, another directory (inode): a remount
    (share / FOLDER / "foto.jpg").write_bytes(jpeg())
    assert wait_for(lambda: seen.ready == [f"{FOLDER}/foto.jpg"])
    assert watcher.restarts >= 1 and watcher.running


def test_a_dead_observer_is_restarted_and_nothing_is_missed(share: Path, watch) -> None:
    watcher, seen = watch("inotify")
    watcher._observer.stop()  # the observer thread dies
    (share / FOLDER / "foto.jpg").write_bytes(jpeg())
    assert wait_for(lambda: seen.ready == [f"{FOLDER}/foto.jpg"])
    assert watcher.restarts == 1 and watcher.running


def drop_hostile_files(share: Path) -> None:
    folder = share / FOLDER
    (folder / "foto.jpg").write_bytes(jpeg())
    document = docx.Document()
    document.add_paragraph("Bupati Resmikan Gedung Sekolah")
    document.add_paragraph("BENGKALIS - Bupati meresmikan gedung baru.")
    document.save(folder / "naskah.docx")
    (folder / "..evil").write_text("Judul\nIsi\n")
    (folder / "foto\nbaru.jpg").write_bytes(jpeg())
    (folder / "bel\x07.txt").write_text("Judul\nIsi\n")
    os.symlink("/etc/passwd", folder / "pw.txt")
    os.symlink("/etc", folder / "etc")
    (folder / "palsu.jpg").write_text("ini bukan foto\n")
    (folder / "kosong.jpg").write_bytes(b"")
    with open(folder / "besar.mp4", "wb") as fh:
        fh.truncate(2 << 30)
    os.mkfifo(folder / "pipa.mp4")
    (folder / "rahasia.jpg").write_bytes(jpeg())
    (share / "luar.txt").write_text("Judul\nIsi\n")
    (share / "2026" / "lepas.jpg").write_bytes(jpeg())
    for junk in ("Thumbs.db", "~$naskah.docx", "video.mp4.part", ".DS_Store"):
        (folder / junk).write_bytes(b"junk")


REFUSED = {
    f"{FOLDER}/..evil": ("dua titik", "evil"),
    f"{FOLDER}/foto\nbaru.jpg": ("karakter kendali", "foto baru.jpg"),
    f"{FOLDER}/bel\x07.txt": ("karakter kendali", "bel .txt"),
    f"{FOLDER}/pw.txt": ("symlink", "pw.txt"),
    f"{FOLDER}/etc": ("symlink", "etc"),
    f"{FOLDER}/palsu.jpg": ("bukan gambar", "palsu.jpg"),
    f"{FOLDER}/kosong.jpg": ("kosong", "kosong.jpg"),
    f"{FOLDER}/besar.mp4": ("bukan video", "besar.mp4"),
    f"{FOLDER}/pipa.mp4": ("Bukan berkas biasa", "pipa.mp4"),
    f"{FOLDER}/rahasia.jpg": ("hak akses", "rahasia.jpg"),
    "luar.txt": ("di luar folder permintaan", "luar.txt"),
    "2026/lepas.jpg": ("di luar folder permintaan", "lepas.jpg"),
}


@pytest.mark.parametrize("observer", ["inotify", "polling"])
def test_hostile_drops_are_quarantined_with_a_reason_and_the_watcher_runs_on(
        share: Path, watch, observer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    passwd = os.stat("/etc/passwd")
    real_open = os.open

    def denied(path, flags, *args):  # noqa: ANN001, ANN202 - tests run as root, who reads anything
        if str(path).endswith("/rahasia.jpg"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", denied)
    watcher, seen = watch(observer)
    drop_hostile_files(share)
    # a drop that stalled the watcher (a FIFO opened for reading blocks for ever) never gets here
    assert wait_for(lambda: set(seen.refused) == set(REFUSED) and len(seen.ready) == 2, timeout=60), \
        (seen.refused, seen.ready)
    assert sorted(seen.ready) == [f"{FOLDER}/foto.jpg", f"{FOLDER}/naskah.docx"]
    for rel, (phrase, name) in REFUSED.items():
        assert phrase in seen.refused[rel], (rel, seen.refused[rel])
        [kept] = (share / "_KARANTINA").glob(f"*/{name}")
        assert os.path.lexists(kept) and not os.path.lexists(share / rel)
        assert seen.refused[rel] in Path(f"{kept}.alasan.txt").read_text(encoding="utf-8")
    assert os.readlink(next((share / "_KARANTINA").glob("*/etc"))) == "/etc"
    assert os.stat("/etc/passwd") == passwd  # never touched through the links
    time.sleep(0.8)  # more ticks, and a rescan below: nothing is reported twice, _KARANTINA never
    watcher.rescan()
    time.sleep(0.4)
    assert seen.refusals == len(REFUSED) and len(seen.ready) == 2 and watcher.running
    junk = sorted(p.name for p in (share / FOLDER).iterdir())
    assert junk == sorted(["BACA-SAYA.txt", "Thumbs.db", "~$naskah.docx", "video.mp4.part", ".DS_Store",
                           "foto.jpg", "naskah.docx"])


def test_tick_alone_judges_stability_by_size_and_mtime(share: Path) -> None:
    """No thread and no events (a poll interval longer than the test): only tick() and a fake clock."""
    now = [1000.0]
    seen = Outcomes(share)
    cfg = DeliveryCfg(observer="polling", poll_seconds=3600, stable_seconds=10, rescan_seconds=3600)
    watcher = FolderWatcher(share, cfg, seen.on_ready, seen.on_refused, clock=lambda: now[0])
    path = share / FOLDER / "naskah.txt"
    path.write_text("Bupati Resmikan Gedung Sekolah\n\n")
    try:
        watcher.tick()  # starts the observer and rescans: the file is pending from now
        now[0] += 11
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("BENGKALIS - Gedung baru diresmikan.\n")
        watcher.tick()  # grown since the last look: stable again only 10 s from now
        now[0] += 9
        watcher.tick()
        assert seen.ready == []
        now[0] += 2
        watcher.tick()
        assert seen.ready == [f"{FOLDER}/naskah.txt"] and seen.refused == {}
    finally:
        watcher.stop()


def test_a_failing_callback_does_not_stop_the_watcher_and_is_retried(share: Path) -> None:
    calls: list[str] = []

    def flaky_ready(path: Path) -> None:  # the database is down the first time
        calls.append(path.name)
        if len(calls) == 1:
            raise RuntimeError("database is locked")

    cfg = DeliveryCfg(observer="inotify", stable_seconds=0.3, poll_seconds=0.1, rescan_seconds=0.3)
    watcher = FolderWatcher(share, cfg, flaky_ready, lambda p, r: None)
    watcher.start()
    try:
        (share / FOLDER / "foto.jpg").write_bytes(jpeg())
        assert wait_for(lambda: len(calls) == 2)  # offered again by a rescan
        time.sleep(0.8)
        assert calls == ["foto.jpg", "foto.jpg"] and watcher.running
    finally:
        watcher.stop()


def test_auto_picks_inotify_on_a_local_folder_and_polling_on_a_network_share(
        share: Path, watch, monkeypatch: pytest.MonkeyPatch) -> None:
    watcher, _ = watch("inotify", observer_is="auto")
    assert watcher.kind == "inotify"
    monkeypatch.setattr("daemon.delivery.watcher.is_network_fs", lambda root: True)  # a cifs mount
    watcher, seen = watch("polling", observer_is="auto")
    (share / FOLDER / "foto.jpg").write_bytes(jpeg())
    assert wait_for(lambda: seen.ready == [f"{FOLDER}/foto.jpg"])
