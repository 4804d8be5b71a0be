"""Issue 13, the hostile corpus: 200+ generated messages (tests/data/hostile/generate.py) go through
the real dispatcher with the readers strict. Zero crashes, zero unsafe files, zero loops, no mail
to a stranger, no header injected into what we send; each message meets its expected outcome."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from harness import KADIS, Office, letter
from sqlalchemy import select
from test_workflow_bodies import BANTAN

from daemon.core import guard
from daemon.core.models import Inbound, Request
from daemon.mail import mime

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "hostile"))
import generate  # noqa: E402

CAMAT = "camat.bantan@bengkaliskab.go.id"
OFFICE_DOMAIN = "@bengkaliskab.go.id"


@pytest.mark.timeout(1200)  # 200+ messages through the whole dispatcher and its jobs: minutes
def test_every_hostile_message_meets_its_expected_outcome(tmp_path):
    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    task = office.last_to(KADIS)
    kadis = office.ctx.rules.office.roles["kadis"].name
    cases = generate.cases(task, kadis)
    assert len(cases) >= 200 and len({c.name for c in cases}) == len(cases)
    ids = {office.store(case.raw): case for case in cases}
    started = time.monotonic()
    with guard.strict():  # a reader that fails is a crash here, not a fallback
        office.settle()
    seconds = time.monotonic() - started
    with office.factory() as s:
        rows = {r.id: r for r in s.scalars(select(Inbound).where(Inbound.id.in_(ids)))}

    wrong = []
    for row_id, case in ids.items():
        row = rows[row_id]
        if "internal error" in (row.reason or "") or row.status not in case.statuses \
                or case.reason not in (row.reason or ""):
            wrong.append(f"{case.name}: {row.status}: {(row.reason or '')[:200]}")
    assert not wrong, f"{len(wrong)} of {len(cases)} not as expected:\n" + "\n".join(wrong)

    sent = office.outbox()
    strangers = Counter()
    for m in sent:
        for addr in mime.addresses(m, "To") + mime.addresses(m, "Cc") + mime.addresses(m, "Bcc"):
            if not addr.endswith(OFFICE_DOMAIN):
                strangers[addr] += 1
        assert m.get("Bcc") is None
        for name, value in m.raw_items():  # nothing we echo starts a header of its own
            assert "\n" not in str(value).replace("\r\n ", " ").replace("\n ", " ").replace("\r\n\t", " ").replace("\n\t", " ")
    with office.factory() as s:  # a unit may write from anywhere: its request is acknowledged
        requesters = {(e or "").lower() for e in s.scalars(select(Request.requester_email))}
    forbidden = {c.stranger for c in cases if c.stranger}
    assert not forbidden & set(strangers), f"mail to forgers, loops or echoed recipients: {forbidden & set(strangers)}"
    # a (mangled) letter of a unit gets its acknowledgement or "already received" notice: a letter's sender
    writers = {mime.address(mime.parse(c.raw))[1] for c in cases if not c.stranger}
    assert set(strangers) <= requesters | writers, f"mail outside the office: {set(strangers) - requesters - writers}"
    per_address = Counter(a for m in sent for a in mime.addresses(m, "To"))
    assert per_address[KADIS] <= 12, f"{per_address[KADIS]} mails to the Kepala Dinas: a loop or a flood"

    unsafe = []
    for root, dirs, files in os.walk(tmp_path):
        for name in dirs + files:
            path = Path(root, name)
            if "\x00" in name or name in ("..", ".") or not path.resolve().is_relative_to(tmp_path.resolve()):
                unsafe.append(str(path))
    for outside in ("/tmp/liputan-pwned.pdf", "/etc/liputan-pwned.pdf", str(tmp_path.parent / "evil.pdf")):
        if Path(outside).exists():
            unsafe.append(outside)
    assert not unsafe, unsafe
    print(f"{len(cases)} hostile messages in {seconds:.1f} s; statuses "
          f"{dict(Counter(r.status for r in rows.values()))}")
