"""The shared folder as the service watches it (real inotify and polling observers): hostile
drops in a request's folder are quarantined with a reason in the request's history, a good file
is taken, and the watcher keeps running."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from harness import NEWS, Office, folder_of, jpeg, to_coverage, wait_for
from sqlalchemy import select

from daemon.app.folder import FolderIntake
from daemon.core.models import DeliveryFile

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("observer", ["inotify", "polling"])
def test_hostile_drops_are_quarantined_and_recorded_and_good_files_taken(tmp_path, observer):
    office = Office(tmp_path)
    d = office.cfg.delivery
    d.observer, d.stable_seconds, d.poll_seconds, d.rescan_seconds = observer, 0.3, 0.2, 2
    req = to_coverage(office)
    folder = folder_of(office, req)
    intake = FolderIntake(office.ctx, office.factory)
    intake.start()
    # the drops below must come after the observer watches (a file written before it did is seen
    # only by the first rescan, by size and time: an open, half-written file would look finished)
    wait_for(lambda: intake.watcher.kind)
    try:
        (folder / "..evil").write_bytes(jpeg())
        (folder / "foto\nbaris.jpg").write_bytes(jpeg())
        os.symlink("/etc/passwd", folder / "passwd.jpg")
        os.symlink("/etc", folder / "etc")
        (folder / "palsu.jpg").write_bytes(b"<html>bukan foto</html>")
        (folder / "kosong.jpg").write_bytes(b"")
        with open(folder / "besar.mp4", "wb") as fh:
            fh.truncate(2 << 30)  # a 2 GiB sparse file: refused by its content, never read whole
        (Path(office.cfg.paths.dropbox) / "di-luar.jpg").write_bytes(jpeg())
        growing = open(folder / "sedang-disalin.jpg", "wb")
        growing.write(jpeg()[:5000])
        growing.flush()
        (folder / "berita.txt").write_text(NEWS, encoding="utf-8")

        def rows():
            with office.factory() as s:
                return {r.name: (r.status, r.reason) for r in s.scalars(select(DeliveryFile))}

        expected = {"berita.txt", "..evil", "passwd.jpg", "etc", "palsu.jpg", "kosong.jpg", "besar.mp4",
                    "di-luar.jpg"}
        found = wait_for(lambda: (r := rows()) and expected <= set(r) and r)
        assert found["berita.txt"][0] == "accepted"
        for name in ("..evil", "passwd.jpg", "etc", "palsu.jpg", "kosong.jpg", "besar.mp4", "di-luar.jpg"):
            assert found[name][0] == "quarantined" and found[name][1], (name, found.get(name))
        assert any("baris" in n and s == "quarantined" for n, (s, _) in found.items())
        if observer == "inotify":  # open for writing, no close yet (polling sees only size/mtime:
            assert "sedang-disalin.jpg" not in found  # the watcher tests write to it as it polls)
        assert Path("/etc/passwd").read_text()  # never followed, never moved
        quarantine = Path(office.cfg.paths.dropbox) / "_KARANTINA"
        assert len(list(quarantine.rglob("*.alasan.txt"))) >= 8
        growing.write(jpeg()[5000:])
        growing.close()
        wait_for(lambda: rows().get("sedang-disalin.jpg", ("",))[0] in ("accepted", "quarantined"))
        if observer == "inotify":
            assert rows()["sedang-disalin.jpg"][0] == "accepted"
        notes = [e[4] for e in office.events(req.code) if e[1] == "quarantined"]
        assert any("palsu.jpg" in n for n in notes) and any("besar.mp4" in n for n in notes)
        assert intake.watcher.running
    finally:
        intake.stop()
