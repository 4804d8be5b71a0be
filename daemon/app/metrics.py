"""The optional Prometheus endpoint (`[metrics] listen`): the figures of `liputan status`, read
from the database at each scrape, served on localhost by `prometheus_client`."""

from __future__ import annotations

import logging
from datetime import datetime

log = logging.getLogger("daemon.app.metrics")
MAILBOX_STATES = ("connecting", "connected", "cannot_store", "away", "standby", "stopped", "unknown")


class StatusCollector:
    """A prometheus_client collector: one `liputan status` read per scrape."""

    def __init__(self, cfg) -> None:  # noqa: ANN001 - Config
        from daemon.core import db
        self.cfg = cfg
        self.engine = db.make_engine(cfg.paths.database)  # its own: SQL compiled once, not per scrape

    def collect(self):  # noqa: ANN201 - yields metric families
        from prometheus_client.core import GaugeMetricFamily

        from daemon.app import status
        snap = status.read(self.cfg, engine=self.engine)

        def gauge(name: str, doc: str, value: float | None, labels: dict | None = None):
            g = GaugeMetricFamily(f"liputan_{name}", doc, labels=list(labels or {}))
            if value is not None:
                g.add_metric(list((labels or {}).values()), float(value))
            return g

        d = snap["daemon"]
        yield gauge("status_code", "the exit code of `liputan status` (0 ok, 1 failing, 3 down, 4 unknown)",
                    snap["exit_code"])
        yield gauge("database_ok", "1 when the database could be read", 1 if snap["database"]["ok"] else 0)
        yield gauge("up", "1 when a daemon instance has a fresh heartbeat", 1 if d.get("up") else 0)
        if not snap["database"]["ok"]:
            return
        yield gauge("heartbeat_age_seconds", "seconds since the newest heartbeat", d.get("heartbeat_age_seconds"))
        yield gauge("started_timestamp_seconds", "when the instance shown started", _ts(d.get("started_at")))
        box = snap["mailbox"]
        yield gauge("mailbox_connected", "1 when the working instance is connected to the mailbox",
                    1 if box["state"] == "connected" else 0)
        states = GaugeMetricFamily("liputan_mailbox_state", "the mailbox worker's state (1 for the current one)",
                                   labels=["state"])
        for name in MAILBOX_STATES:
            states.add_metric([name], 1.0 if box["state"] == name else 0.0)
        yield states
        yield gauge("last_message_timestamp_seconds", "when the last message was stored",
                    _ts(box["last_message_at"]))
        yield _family("outbox_messages", "outgoing mail not yet sent, by status", "status",
                      {k: snap["outbox"][k] for k in ("queued", "waiting", "sending", "retrying", "failed_24h")})
        yield _family("jobs", "jobs by state", "state",
                      {k: snap["jobs"][k] for k in ("due", "scheduled", "running", "retrying", "failed_24h")})
        yield gauge("late_steps", "open steps past their SOP time standard", snap["late"]["count"])
        readers = snap.get("readers") or {}
        yield _family("reader_failures", "messages quarantined because a reader failed", "window",
                      {"1h": readers.get("failures_1h", 0), "24h": readers.get("failures_24h", 0)})
        for name, check in (("shared_folder_ok", "folder"), ("pdf_converter_ok", "converter")):
            ok = snap[check].get("ok")
            yield gauge(name, f"1 when the {check} check passes, 0 when it fails (absent: not known or not used)",
                        None if ok is None else int(ok))
        places = snap.get("disk", {}).get("places", [])
        if places:
            yield _family("disk_free_bytes", "free space where the database and the state folder live",
                          "what", {p["what"]: p.get("free_bytes") for p in places})
        ok = (snap["outbox"].get("server") or {}).get("ok")
        yield gauge("smtp_ok", "1 when the SMTP server took the last mail, 0 during an outage (absent: not known)",
                    None if ok is None else int(ok))
        yield gauge("problems", "how many problems `liputan status` lists", len(snap["problems"]))
        lease = snap.get("lease") or {}
        held = GaugeMetricFamily("liputan_lease_holder", "1 for the instance holding the HA lease, "
                                 "0 for each standing by", labels=["instance", "host", "pid"])
        holder = lease.get("holder")
        for who, value in ([(holder, 1.0)] if holder else []) + [(i, 0.0) for i in lease.get("standby", [])]:
            held.add_metric([str(who["instance"]), str(who.get("host") or ""), str(who.get("pid") or "")], value)
        yield held
        yield gauge("lease_since_timestamp_seconds", "when the holder took the HA lease",
                    _ts(holder.get("since")) if holder else None)


def _family(name: str, doc: str, label: str, values: dict):  # noqa: ANN202
    from prometheus_client.core import GaugeMetricFamily
    g = GaugeMetricFamily(f"liputan_{name}", doc, labels=[label])
    for key, value in values.items():
        g.add_metric([key], float(value or 0))
    return g


def _ts(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


class Server:
    """The running endpoint; `close()` stops it."""

    def __init__(self, httpd, thread, collector: StatusCollector) -> None:  # noqa: ANN001
        self.httpd, self.thread, self.collector = httpd, thread, collector

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.collector.engine.dispose()


def serve(cfg) -> Server | None:  # noqa: ANN001 - Config
    """Start the endpoint when `[metrics] listen` is set; a missing package or a busy port is
    logged and the daemon runs on without metrics."""
    address = cfg.metrics.address()
    if address is None:
        return None
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ImportError:
        log.error("[metrics] listen is set but prometheus_client is not installed "
                  "(pip install 'liputan[metrics]'); no metrics are served")
        return None
    registry = CollectorRegistry(auto_describe=False)
    collector = StatusCollector(cfg)
    registry.register(collector)
    try:
        httpd, thread = start_http_server(address[1], addr=address[0], registry=registry)
    except OSError as exc:
        log.error("cannot serve metrics on %s: %s; the daemon runs on without them", cfg.metrics.listen, exc)
        collector.engine.dispose()
        return None
    log.info("metrics at http://%s/metrics", cfg.metrics.listen)
    return Server(httpd, thread, collector)
