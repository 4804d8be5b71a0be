"""The outbox's view of the SMTP server: one outage from the first failure to the first mail
delivered, probes 2, 4, 8 ... s apart up to the cap, and the heartbeat's check of it."""

from __future__ import annotations

from daemon.mail.health import SmtpHealth


def test_an_outage_starts_once_and_probes_back_off_to_the_cap() -> None:
    h = SmtpHealth("127.0.0.1:25", retry_max=5)
    assert not h.failing and h.retry_in() == 0 and h.check()["ok"] is True
    told = []
    h.listener = lambda: told.append(h.check()["ok"])
    assert h.fail("421 closing") is True
    assert 1.5 < h.retry_in() <= 2
    assert h.fail("451 later") is False  # the same outage
    assert 3.5 < h.retry_in() <= 4
    assert h.fail("refused") is False and h.fail("refused") is False
    assert 4.5 < h.retry_in() <= 5  # 8 and 16 capped at 5
    check = h.check()
    assert check["ok"] is False and check["error"] == "refused" and check["failures"] == 4
    assert check["since"] and check["server"] == "127.0.0.1:25"
    lasted = h.ok()
    assert lasted is not None and lasted >= 0
    assert h.ok() is None  # nothing to end any more
    assert not h.failing and h.retry_in() == 0 and h.check()["error"] is None
    assert told == [False] * 4 + [True]  # the heartbeat is told of each change
