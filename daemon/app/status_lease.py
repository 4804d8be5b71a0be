"""`liputan status`: which instance holds the HA lease (and so works the mailbox), since when, and
which stand by; on PostgreSQL the database itself names the session holding the lock."""

from __future__ import annotations

import logging
from datetime import datetime

log = logging.getLogger("daemon.app.status")


def lease_part(cfg, s, fresh: list, iso) -> dict:  # noqa: ANN001 - Config, Session, Heartbeat rows, formatter
    """{"mode", "holder", "standby", "verified", "error"}: `holder` is the instance holding the
    lease (instance, host, pid, since) or None; on PostgreSQL `verified` says the holder was
    read from pg_locks (the server's word), otherwise from the instances' own heartbeats."""
    shared = s.get_bind().dialect.name == "postgresql"
    out: dict = {"mode": "shared" if shared else "single", "holder": None, "standby": [],
                 "verified": False, "error": None}
    holder = None
    if shared:
        holder, out["verified"], out["error"], session = _from_server(cfg, s, fresh)
        if session is not None and holder is None:  # a holder without a heartbeat row
            out["holder"] = {"instance": session["application_name"], "host": None, "pid": None,
                             "since": None, "heartbeat": False,
                             "session_started_at": iso(session["backend_start"])}
    if not shared:  # SQLite: one instance by design, which holds the lease from its start
        holder = next((r for r in fresh if r.mailbox != "standby"), fresh[0] if fresh else None)
    elif not out["verified"]:  # the server could not be asked: the instances' own word
        holder = next((r for r in fresh if _lease(r).get("held")), None)
    if holder is not None:
        since = _lease(holder).get("since")
        out["holder"] = {"instance": holder.instance, "host": holder.host, "pid": holder.pid,
                         "since": iso(datetime.fromisoformat(since)) if since else iso(holder.started_at),
                         "heartbeat": True}
    out["standby"] = [{"instance": r.instance, "host": r.host, "pid": r.pid,
                       "heartbeat_at": iso(r.beat_at)} for r in fresh if r is not holder]
    return out


def _lease(row) -> dict:  # noqa: ANN001 - a Heartbeat row
    lease = (row.checks or {}).get("lease")
    return lease if isinstance(lease, dict) else {}


def _from_server(cfg, s, fresh: list):  # noqa: ANN001, ANN202
    """(heartbeat row of the holder or None, verified, error, the holding session or None)."""
    from daemon.mail.mailbox_lock import lock_key, session_holding
    box = cfg.mailbox
    try:
        session = session_holding(s, lock_key(box.host, box.port, box.username, box.folder))
    except Exception as exc:  # noqa: BLE001 - e.g. no right to read pg_stat_activity: say so
        log.debug("cannot read the lease holder from pg_locks: %s", exc)
        s.rollback()
        return None, False, f"{type(exc).__name__}: {exc}"[:300], None
    if session is None:
        return None, True, None, None
    name = session.get("application_name") or ""
    row = next((r for r in fresh if lease_session_name(r.instance) == name), None)
    return row, True, None, session


def lease_session_name(instance: str) -> str:
    """The lease session's application_name of a heartbeat's 'host:pid' instance, as the service
    names it (work.holder_name("lease"): host cut to 40 characters, the whole to 64)."""
    host, _, pid = instance.rpartition(":")
    return f"{host[:40]}:{pid}:lease"[:64]
