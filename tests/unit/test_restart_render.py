"""A letter being made when the daemon stops is retried at the next start without using an attempt."""

from __future__ import annotations

import pytest
from harness import CAMAT, KADIS, Office, letter
from sqlalchemy import select
from test_workflow_bodies import BANTAN

from daemon.app.work import RENDER
from daemon.core.models import Job
from daemon.paperwork import pdf


@pytest.fixture
def closed(tmp_path, monkeypatch):
    """The process's converter as the daemon's stop leaves it: closed for good (final)."""
    conv = pdf.PdfConverter(tmp_path / "office", office="/bin/true")
    conv.mode = pdf.SERVER
    conv.close(wait=0.1, final=True)
    monkeypatch.setattr(pdf, "_default", conv)
    return conv


def _render_job(office: Office) -> Job:
    with office.factory() as s:
        return s.scalars(select(Job).where(Job.kind == RENDER).order_by(Job.id)).first()


def test_a_letter_met_by_the_closed_converter_keeps_its_attempts(tmp_path, db_url, closed):
    """ConverterClosed at a stop is the host's outage: however many stops meet the same letter,
    none uses up an attempt, and the letter goes out once the converter works again."""
    office = Office(tmp_path, database=db_url)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    job = _render_job(office)
    assert job.state == "queued" and "ConverterClosed" in job.last_error
    for _ in range(job.max_attempts + 2):  # more stops than the letter has attempts
        office.clock.advance(seconds=25)
        office.settle()
        job = _render_job(office)
        assert job.state == "queued" and job.attempts == 0, (job.state, job.attempts)
    assert not office.mail_to(KADIS), "the task mail waits for its letter"
    closed.reopen()  # the next start
    closed.mode = pdf.NONE  # no office on the test machine's path: the letter goes as .docx
    office.clock.advance(seconds=25)
    office.settle()
    job = _render_job(office)
    assert job.state == "done" and job.attempts == 1
    assert office.mail_to(KADIS)
