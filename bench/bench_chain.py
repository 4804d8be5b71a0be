"""Requests walked through SOP steps 1-10 per second (engine, readers, letters, outbox rows on
SQLite), next to rendering the same number of letters with daemon.paperwork.letters alone."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from harness import KABID, KADIS, KASI, SEKDIS, Office, letter, reply  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from test_workflow_bodies import BANTAN, DURI  # noqa: E402

from daemon.core.models import Document, Request  # noqa: E402
from daemon.paperwork import letters  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def walk(office: Office, body: str, sender: str, replies: list[str]) -> None:
    office.deliver(letter(sender, "Permohonan peliputan", body))
    for who in replies:
        office.deliver(reply(office.last_to(who), who, "Setuju"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        office = Office(Path(tmp))
        spent = [0.0]
        run_once = office.dispatcher.run_once

        def timed() -> int:  # count the daemon's time, not the test harness's mail reading
            t = time.perf_counter()
            try:
                return run_once()
            finally:
                spent[0] += time.perf_counter() - t

        office.dispatcher.run_once = timed
        started = time.perf_counter()
        for i in range(N):
            title, day = f"Kegiatan Nomor {i}", f"{1 + i % 28} Desember 2026"
            if i % 2:
                walk(office, DURI.replace("Peresmian Gedung Sekolah Dasar Negeri 12 Mandau", title)
                     .replace("Rabu, 9 Desember 2026", day),
                     f"unit{i}@bengkaliskab.go.id", [KADIS, KABID, KASI, KABID, KABID, SEKDIS, KADIS])
            else:
                walk(office, BANTAN.replace("Musrenbang Kecamatan Bantan Tahun 2027", title)
                     .replace("Senin, 7 Desember 2026", day),
                     f"unit{i}@bengkaliskab.go.id", [KADIS, KABID, KASI, KABID])
        wall = time.perf_counter() - started
        chain = spent[0]
        with office.factory() as s:
            docs = s.scalar(select(func.count()).select_from(Document))
            at_step_10 = office.dispatcher and sum(
                1 for r in s.scalars(select(Request)) if r.step == 10)
        steps_done = N
        # baseline: render as many letters again, straight from a template
        started = time.perf_counter()
        out = Path(tmp) / "baseline.docx"
        from daemon.paperwork import letter_context
        office_dict = office.ctx.office_dict()
        req = {"code": "LPT-2026-9999", "title": "Bench", "start": office.clock(), "end": None,
               "until_done": True, "location": "Duri", "requester": "Dinas", "letter_number": None,
               "letter_date": None, "subject": "Bench"}
        ctx = letter_context.spt_context(office_dict, req, [], "800/1/2026", office_dict["roles"]["kadis"],
                                         [], None, office.clock())
        for _ in range(docs):
            letters.render(letters.SPT_TEMPLATE, ctx, out)
        bare = time.perf_counter() - started
    print(f"requests through steps 1-10: {steps_done} in {chain:.2f} s of dispatcher time = "
          f"{steps_done / chain:.2f} requests/s ({docs} letters, {chain / steps_done * 1000:.0f} ms "
          f"per request; {wall:.1f} s with the scripted officials)")
    print(f"baseline: {docs} letters rendered alone in {bare:.2f} s "
          f"({bare / chain * 100:.0f}% of the chain's time)")
    assert at_step_10 == N, f"only {at_step_10} of {N} requests reached step 10"


if __name__ == "__main__":
    main()
