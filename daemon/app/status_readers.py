"""`liputan status`: the messages quarantined because a reader failed, read from the database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# what the dispatcher's quarantine writes (dispatcher.quarantine): the exception as Python shows it
INTERNAL = "internal error while handling: "
GUARDED_RE = re.compile(r"^(?:[\w.]+\.)?ReadingFailed: (?P<what>.+?) failed: (?P<error>.*)$", re.DOTALL)
OUTSIDE_READERS = "handling the message"  # an internal error raised outside any reader's guard
RECENT, FAILING = timedelta(hours=24), timedelta(hours=1)
LISTED = 5


def readers_part(s, now: datetime) -> dict:  # noqa: ANN001 - Session
    """Quarantines for an internal error in the last 24 hours (core/guard.py's FAILURES are one
    process's; these are every instance's, kept with each quarantined message): how many, how many
    in the last hour (those make status "failing"), per reader, and the latest with their errors."""
    from sqlalchemy import select

    from daemon.core.models import Inbound
    rows = s.execute(select(Inbound.id, Inbound.message_id, Inbound.from_addr, Inbound.reason,
                            Inbound.processed_at)
                     .where(Inbound.status == "quarantined", Inbound.processed_at > now - RECENT,
                            Inbound.reason.like(INTERNAL + "%"))
                     .order_by(Inbound.processed_at.desc(), Inbound.id.desc())).all()
    failures = [dict(zip(("reader", "error"), reader_of(r.reason)), inbound_id=r.id,
                     message_id=r.message_id, sender=r.from_addr or None, at=_iso(r.processed_at),
                     recent=now - r.processed_at <= FAILING) for r in rows]
    by_reader: dict[str, int] = {}
    for f in failures:
        by_reader[f["reader"]] = by_reader.get(f["reader"], 0) + 1
    return {"failures_24h": len(failures), "failures_1h": sum(f.pop("recent") for f in failures),
            "by_reader": by_reader, "last": failures[:LISTED]}


def reader_of(reason: str) -> tuple[str, str]:
    """(the reader that raised, its error) from a quarantine's recorded reason."""
    detail = reason[len(INTERNAL):] if reason.startswith(INTERNAL) else reason
    m = GUARDED_RE.match(detail)
    return (m.group("what"), m.group("error")) if m else (OUTSIDE_READERS, detail)


def problem(part: dict) -> dict | None:
    """The problem `liputan status` lists (and exits 1 for) when a reader failed in the last hour."""
    n = part["failures_1h"]
    if not n:
        return None
    last = part["last"][0]
    return {"check": "readers", "code": "reader_failures", "count": n, "detail": last["error"],
            "message": f"{n} message(s) quarantined in the last hour because a reader failed; the "
                       f"latest: {last['reader']} on {last['message_id']}: {last['error']}"[:500]}


def text(part: dict, when) -> list[str]:  # noqa: ANN001 - human.when
    """The Indonesian lines of `liputan status` about reader failures."""
    out = [f"Pembaca surat: {part['failures_24h']} pesan dikarantina karena galat pembaca (24 jam), "
           f"{part['failures_1h']} dalam satu jam terakhir"]
    if part["by_reader"]:
        out.append("  Per pembaca: " + ", ".join(f"{k} {v}x" for k, v in part["by_reader"].items()))
    out += [f"  {when(f['at'])}  pesan #{f['inbound_id']} {f['message_id']}"
            f" ({f['sender'] or '-'}): {f['reader']}: {f['error'][:200]}" for f in part["last"]]
    return out


def empty() -> dict:
    return {"failures_24h": 0, "failures_1h": 0, "by_reader": {}, "last": []}


def _iso(dt: datetime | None) -> str | None:
    from daemon.core import indonesian
    return indonesian.to_zone(dt).isoformat() if dt else None
