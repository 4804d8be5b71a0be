"""The mail waiting for a letter alone is built by the worker that renders the letter, as the
daemon would build it; a mail whose parts changed meanwhile is built again by the daemon."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from docx import Document as Docx
from sqlalchemy import select

from daemon.app import work
from daemon.app.jobrunner import JobRunner
from daemon.core.models import Outbox
from daemon.mail import outgoing
from daemon.paperwork import pdf
from daemon.sop import writer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from harness import CAMAT, Office, letter  # noqa: E402
from test_workflow_bodies import BANTAN  # noqa: E402


@pytest.fixture
def no_office(monkeypatch):
    """LibreOffice absent: letters go out as .docx (the converter as it finds no soffice)."""
    converter = pdf.PdfConverter()
    converter.mode, converter.reason = pdf.NONE, "LibreOffice is not installed (test)"
    monkeypatch.setattr(pdf, "_default", converter)


def office_with(tmp_path: Path, name: str, built: bool) -> Office:
    office = Office(tmp_path / name)
    if office.jobs.parallel < 2:
        pytest.skip("one CPU: letters are rendered in the daemon's process")
    if not built:  # the daemon's process builds every waiting mail, as before
        ctx, factory, pool = office.ctx, office.factory, work.procpool.shared(office.jobs.parallel)
        office.jobs = JobRunner(factory, work.handlers(ctx, factory, pool), "plain",
                                on_done=work.on_done(ctx), on_failed=work.on_failed(ctx),
                                clock=ctx.now, parallel=2, parallel_kinds={work.RENDER})
    office.store(letter(CAMAT, "Permohonan peliputan Musrenbang", BANTAN))
    return office


def disposition(office: Office):
    mails = [m for m in office.outbox() if any(p.get_filename() for p in m.iter_attachments())]
    assert len(mails) == 1
    return mails[0]


def test_the_workers_mail_is_the_one_the_daemon_would_build(tmp_path, no_office, monkeypatch):
    in_daemon: list[int] = []
    release = outgoing.release
    monkeypatch.setattr(outgoing, "release", lambda s, row, resolve: in_daemon.append(row.id) or release(s, row, resolve))
    plain = office_with(tmp_path, "plain", built=False)
    plain.settle()
    assert in_daemon, "the daemon's process built the mail"
    in_daemon.clear()
    ours = office_with(tmp_path, "ours", built=True)
    ours.settle()
    assert in_daemon == []  # built by the worker that rendered the letter
    a, b = disposition(plain), disposition(ours)
    for header in ("Subject", "To", "From", "In-Reply-To", "Auto-Submitted", "X-Liputan-Kind"):
        assert a[header] == b[header], header
    assert a.get_body(("plain",)).get_content() == b.get_body(("plain",)).get_content()
    files = [[(p.get_filename(), p.get_content_type()) for p in m.iter_attachments()] for m in (a, b)]
    assert files[0] == files[1] and any(name.endswith(".docx") for name, _ in files[1])

    def text(msg) -> str:
        part = next(p for p in msg.iter_attachments() if p.get_filename().endswith(".docx"))
        doc = Docx(io.BytesIO(part.get_content()))
        return "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)

    assert text(a).replace("LPT-2026-0001", "") and text(a) == text(b)
    with ours.factory() as s:
        assert {r.status for r in s.scalars(select(Outbox))} == {"queued"}


def test_a_mail_changed_after_its_worker_built_it_is_built_again(tmp_path, no_office):
    office = office_with(tmp_path, "changed", built=True)
    office.dispatcher.run_once()
    office.jobs.run_once()
    with office.factory() as s:
        row = s.scalars(select(Outbox).where(Outbox.raw != b"")).all()[-1]
        raw = row.raw
    # a release handed a message built from other parts: the daemon builds it from its own
    with office.factory() as s, s.begin():
        waiting = Outbox(message_id="<w@x>", request_id=row.request_id, kind="task", recipients=["a@x"],
                         subject="s", raw=b"", status="waiting", attempts=0, waits_on=[],
                         parts={"sender": "liputan@bengkaliskab.go.id", "to": ["a@x"], "subject": "s",
                                "text": "t", "html": None, "cc": [], "message_id": "<w@x>",
                                "in_reply_to": None, "references": [], "reply_to": None,
                                "kind": "task", "extra_headers": {}, "items": []})
        s.add(waiting)
        s.flush()
        same = Outbox(**{c: getattr(waiting, c) for c in ("request_id", "kind", "recipients", "subject",
                                                         "raw", "status", "attempts", "waits_on")},
                      message_id="<v@x>", parts={**waiting.parts, "message_id": "<v@x>"})
        s.add(same)
        s.flush()
        stale = {**waiting.parts, "subject": "lain"}
        built = {waiting.id: (stale, raw), same.id: (dict(same.parts), raw)}
        assert writer.release_waiting(office.ctx, s, row.request_id, built) == 2
        assert waiting.raw != raw and b"Subject: s" in waiting.raw
        assert same.raw == raw and same.status == "queued"  # as the worker built it
