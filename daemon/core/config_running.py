"""The config's sections of how the daemon runs: [ha], [status], [metrics], [reading], [pdf], [jobs]."""

from __future__ import annotations

import os

from pydantic import Field, field_validator, model_validator

from daemon.core.config_schema import Section


class HaCfg(Section):
    """[ha]: two instances on one PostgreSQL database; one holds the lease and does the work."""

    # the database ends the lease holder's session this long after its last renewal, so a
    # standby takes over about this long (plus check_seconds) after the holder lost its network
    lease_seconds: float = Field(15.0, ge=5.0, le=300.0)
    check_seconds: float = Field(2.0, ge=0.5, le=30.0)  # renewal, and a standby's try to take over

    @model_validator(mode="after")
    def _renew_in_time(self) -> "HaCfg":
        if self.check_seconds * 3 > self.lease_seconds:
            raise ValueError("check_seconds must be at most a third of lease_seconds")
        return self


class StatusCfg(Section):
    """[status]: the heartbeat each running daemon writes, which `liputan status` reads."""

    heartbeat_seconds: float = Field(5, gt=0, description="seconds between two heartbeats")
    stale_seconds: float = Field(30, gt=0, description="no heartbeat for this long: the daemon is down")
    trim_seconds: float = Field(10, ge=0, description="hand freed memory back to the system this often "
                                                     "(glibc malloc_trim, with the heartbeat); 0 = never")
    # measured (bench_memory.py, 2 cores): no clear effect; runs with the same setting differ by
    # 15 MB (started 85-100 MB, after 2,000 messages 168 with 2, 183 with glibc's own)
    malloc_arenas: int = Field(2, ge=0, description="malloc arenas the daemon's threads share (glibc "
                                                   "M_ARENA_MAX, set at start); 0 = glibc's default, 8 per core")


class MetricsCfg(Section):
    """[metrics]: an optional Prometheus endpoint (needs `pip install 'liputan[metrics]'`)."""

    listen: str | None = None  # e.g. "127.0.0.1:9464"; off when absent

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str | None) -> str | None:
        if v is None:
            return v
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"listen must be HOST:PORT, e.g. 127.0.0.1:9464, not '{v}'")
        return v

    def address(self) -> tuple[str, int] | None:
        if self.listen is None:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


class ReadingCfg(Section):
    """[reading]: the budget for reading one inbound message; a message over it is quarantined with
    the reason (the operator is told) and the others flow on."""

    max_message_mb: float = Field(40, gt=0, description="a larger stored message is not parsed")
    max_text_chars: int = Field(50_000, ge=1000, description="a longer mail text is not read")
    max_parts: int = Field(500, ge=1, description="more MIME parts than this are not read")
    max_depth: int = Field(30, ge=1, description="multiparts nested deeper than this are not read")
    max_seconds: float = Field(20, gt=0, description="reading that took longer is not trusted")
    read_ahead: bool = Field(True, description="during a backlog, read the next batch in a second "
                             "process while this one is written (false: read every batch inline)")
    idle_process_seconds: float = Field(10, ge=0, description=(
        "the reading process stops after this long without a backlog and is forked again, in "
        "milliseconds, for the next (forked, it keeps the old copy of every page the daemon writes "
        "meanwhile: 60-70 MB of its own after a minute's wait in a backlog of letters); 0 = it stays"))


class PdfCfg(Section):
    """[pdf]: the optional PDF copies of letters (LibreOffice); a conversion over its time is
    killed with its office, the letter goes out as .docx and the next one restarts the office."""

    convert_timeout_seconds: float = Field(60, gt=0, description="one conversion at most this long")
    start_timeout_seconds: float = Field(60, gt=0, description="LibreOffice must answer this soon")


class JobsCfg(Section):
    """[jobs]: how letters are rendered: in worker processes, so a backlog uses every core."""

    render_processes: int = Field(0, ge=0, le=32, description=(
        "worker processes rendering letters: 0 = min(2, CPU count), 1 = in the daemon's process"))
    render_nice: int = Field(5, ge=0, le=19, description=(
        "how much lower the CPU priority of those worker processes is than the daemon's (its "
        "mail intake and the letters' bookkeeping go first when a backlog of letters fills the cores)"))
    idle_workers_seconds: float = Field(60, ge=0, description=(
        "the letter workers stop after this long without a letter (each holds tens of MB) and are "
        "forked again, in milliseconds, for the next; 0 = they stay"))

    def processes(self) -> int:
        """The number of letters rendered at once."""
        return self.render_processes or min(2, os.cpu_count() or 1)
