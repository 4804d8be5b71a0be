"""The benchmarks' office-clock offset (LIPUTAN_CLOCK_OFFSET_FILE): off by default, read from its file."""

from __future__ import annotations

from datetime import datetime, timezone

from daemon.core import context


def fresh(monkeypatch, path) -> None:  # noqa: ANN001
    monkeypatch.setattr(context, "OFFSET_FILE", str(path) if path else None)
    monkeypatch.setattr(context, "_offset", {"seconds": 0.0, "read_at": float("-inf")})


def test_without_the_file_the_office_clock_is_the_wall_clock(monkeypatch):
    fresh(monkeypatch, None)
    before = datetime.now(timezone.utc)
    now = context._utcnow()
    assert before <= now <= datetime.now(timezone.utc)


def test_the_offset_moves_the_office_clock_and_a_bad_value_keeps_the_last(monkeypatch, tmp_path):
    f = tmp_path / "offset"
    f.write_text("86400")
    fresh(monkeypatch, f)
    ahead = (context._utcnow() - datetime.now(timezone.utc)).total_seconds()
    assert 86399 < ahead <= 86400.5
    f.write_text("not a number")
    monkeypatch.setitem(context._offset, "read_at", float("-inf"))  # due for a re-read
    assert (context._utcnow() - datetime.now(timezone.utc)).total_seconds() > 86399
    f.write_text("3600")
    monkeypatch.setitem(context._offset, "read_at", float("-inf"))
    ahead = (context._utcnow() - datetime.now(timezone.utc)).total_seconds()
    assert 3599 < ahead <= 3600.5


def test_the_file_is_read_at_most_every_half_second(monkeypatch, tmp_path):
    f = tmp_path / "offset"
    f.write_text("100")
    fresh(monkeypatch, f)
    assert context.clock_offset(str(f)) == 100
    f.write_text("200")
    assert context.clock_offset(str(f)) == 100  # not re-read yet
    assert context.clock_offset(str(f), every=0) == 200
