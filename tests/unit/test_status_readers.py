"""`liputan status` shows the messages quarantined because a reader failed, from the database
(another process's failures included): the count, the reader, its error and the message; one in
the last hour makes the status "failing" (exit 1)."""

from __future__ import annotations

from datetime import timedelta

from harness import KADIS, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.app import human, status, status_readers
from daemon.core import guard
from daemon.core.models import Heartbeat
from daemon.reading import replies, trust

CAMAT = "camat.bantan@bengkaliskab.go.id"


def boom(*_args, **_kwargs):
    raise ValueError("injected reader bug")


def snapshot(office: Office, after: timedelta) -> dict:
    """The status `after` the office's clock, with a daemon beating at that moment."""
    now = office.clock() + after
    with office.factory() as s, s.begin():
        beat = s.get(Heartbeat, "host:1") or Heartbeat(instance="host:1", host="host", pid=1)
        beat.beat_at, beat.mailbox, beat.mailbox_since = now, "connected", now
        s.merge(beat)
    with office.factory() as s:
        return status._finish(status.gather(office.cfg, s, now))


def test_reader_failures_are_shown_with_the_reader_error_and_message(tmp_path, monkeypatch):
    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    task_mail = office.last_to(KADIS)
    quiet = snapshot(office, timedelta(minutes=1))
    assert quiet["exit_code"] == status.OK and quiet["readers"] == status_readers.empty()

    guard.FAILURES.clear()
    monkeypatch.setattr(replies, "_read", boom)
    first = office.deliver(reply(task_mail, KADIS, "Setuju"))
    monkeypatch.undo()
    monkeypatch.setattr(trust, "name_tokens", boom)
    second = office.deliver(reply(task_mail, "kadis.bengkalis@gmail.com", "Setuju", display="Kepala Dinas"))
    monkeypatch.undo()
    assert (first.status, second.status) == ("quarantined", "quarantined")
    guard.FAILURES.clear()  # what this process counted is not what status reads

    snap = snapshot(office, timedelta(minutes=5))
    part = snap["readers"]
    assert part["failures_24h"] == 2 and part["failures_1h"] == 2
    assert part["by_reader"] == {"reading the reply": 1, "the impersonation check": 1}
    latest = part["last"][0]
    assert latest["reader"] == "the impersonation check" and latest["message_id"] == second.message_id
    assert latest["error"] == "ValueError: injected reader bug" and latest["inbound_id"] == second.id
    assert part["last"][1]["message_id"] == first.message_id
    assert snap["exit_code"] == status.FAILING
    problem = next(p for p in snap["problems"] if p["code"] == "reader_failures")
    assert problem["count"] == 2 and second.message_id in problem["message"]
    text = human.status_text(snap)
    assert "Pembaca surat: 2 pesan dikarantina karena galat pembaca (24 jam), 2 dalam satu jam terakhir" in text
    assert f"{second.message_id} (kadis.bengkalis@gmail.com): the impersonation check: ValueError" in text
    assert "2 pesan masuk dikarantina dalam satu jam terakhir karena galat pembaca surat" in text

    later = snapshot(office, timedelta(hours=2))  # listed for a day, failing for an hour
    assert later["readers"]["failures_24h"] == 2 and later["readers"]["failures_1h"] == 0
    assert later["exit_code"] == status.OK
    gone = snapshot(office, timedelta(hours=25))
    assert gone["readers"]["failures_24h"] == 0 and gone["readers"]["last"] == []


def test_an_internal_error_outside_the_readers_is_named_as_such():
    reason = "internal error while handling: KeyError: 'step'"
    assert status_readers.reader_of(reason) == (status_readers.OUTSIDE_READERS, "KeyError: 'step'")
    guarded = ("internal error while handling: daemon.core.guard.ReadingFailed: reading the reply "
               "failed: ValueError: bad charset")
    assert status_readers.reader_of(guarded) == ("reading the reply", "ValueError: bad charset")
