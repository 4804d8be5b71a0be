"""The TOML configuration: typed, validated at start-up, with passwords read from files."""

from __future__ import annotations

import functools
import os
import re
from datetime import date, time
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from daemon.core import validated_cache
from daemon.core.config_file import DEFAULT_TIMEZONE, line_of, read_config, runtime_warnings
from daemon.core.errors import ConfigError
from daemon.core.problems import Problem, ProblemsError
from daemon.core.suggest import ZONE_OF_LABEL, did_you_mean



class Section(BaseModel):
    # schemas are built on first validation: a config found in the validated cache needs none
    model_config = ConfigDict(extra="forbid", defer_build=True)


class OfficeCfg(Section):
    name: str
    domain: str
    timezone: str = DEFAULT_TIMEZONE
    operator: str = Field(description="operator's address for alerts (bounces, failed mail)")
    # the office mail server's authserv-id; when set, replies must pass its DKIM/SPF check
    authserv_id: str | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            near = ZONE_OF_LABEL.get(v.strip().upper())
            raise ValueError(f"unknown time zone '{v}'" + (f" (did you mean '{near}'?)" if near else
                                                           " (e.g. 'Asia/Jakarta' for WIB)")) from None
        return v


class Secret(Section):
    password: str | None = None
    password_file: str | None = None

    def secret(self) -> str:
        if self.password_file:
            try:
                return Path(self.password_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(self.password_file, None, f"the password file cannot be read ({exc.strerror})") from None
        return self.password or ""


class MailboxCfg(Secret):
    host: str
    port: int = Field(ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: str
    folder: str = "INBOX"
    processed_folder: str = "Liputan/Diproses"
    quarantine_folder: str = "Liputan/Karantina"
    ignored_folder: str = "Liputan/Diabaikan"
    timeout: float = Field(30, gt=0, description="socket timeout, seconds")
    idle_seconds: int = Field(300, ge=10, le=1500, description="re-issue IDLE this often")
    poll_seconds: int = Field(60, ge=1, description="poll interval when IDLE is not offered")
    retry_max_seconds: float = Field(30, gt=0, le=3600, description="longest pause between "
                                     "reconnection attempts while the server is away (1, 2, 4 ... s)")


class SmtpCfg(Secret):
    host: str
    port: int = Field(ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "starttls"
    username: str | None = None
    from_: str = Field(alias="from")
    timeout: float = Field(30, gt=0)
    max_attempts: int = Field(8, ge=1, description="attempts of one mail the server answers 4xx for "
                              "(its recipients); an unreachable server or a 421 never uses them up")
    retry_max_seconds: float = Field(30, gt=0, le=3600, description="longest pause between probes "
                                     "of an unreachable or failing server (2, 4, 8 ... s)")

    @field_validator("from_")
    @classmethod
    def _addr(cls, v: str) -> str:
        if "@" not in parseaddr(v)[1]:
            raise ValueError(f"'from' must be an address like 'Liputan <liputan@example.go.id>', got {v!r}")
        return v


class PathsCfg(Section):
    database: str
    state: str
    dropbox: str
    archive: str

    @field_validator("database")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^(sqlite|postgresql(\+\w+)?)://", v):
            raise ValueError("database must be 'sqlite:///PATH' or 'postgresql+psycopg://...'")
        return v


WEEKDAYS = {"senin": 1, "selasa": 2, "rabu": 3, "kamis": 4, "jumat": 5, "sabtu": 6, "minggu": 7,
            "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


class HoursCfg(Section):
    """[hours]: when the office works; time standards are counted in this time only."""

    days: list[int] = [1, 2, 3, 4, 5]  # ISO weekdays (1 = Monday); names like "senin" are read too
    start: time = time(7, 30)
    end: time = time(16, 0)
    friday_end: time | None = None  # Friday's shorter day, e.g. "11:30"
    national_holidays: bool = True  # national holidays and cuti bersama (the holidays package)
    extra_holidays: list[date] = []  # office days off besides those

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, v: object) -> object:
        if isinstance(v, list):
            return [WEEKDAYS.get(str(d).lower(), d) if isinstance(d, str) else d for d in v]
        return v

    @model_validator(mode="after")
    def _order(self) -> "HoursCfg":
        if not self.start < self.end or (self.friday_end and not self.start < self.friday_end):
            raise ValueError("the office must open before it closes")
        if not self.days or any(not 1 <= d <= 7 for d in self.days):
            raise ValueError("days are ISO weekdays 1..7 (or senin..minggu)")
        return self


class DigestCfg(Section):
    """[digest]: the morning mail of today's and tomorrow's coverage and what waits on whom."""

    enabled: bool = True
    at: time = time(7, 0)  # on working days, in the office's zone


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


class DeliveryCfg(Section):
    """[delivery]: the shared folder the team drops its files into, and mail deliveries."""

    # how the team opens the share, e.g. \\fileserver\hasil-liputan or an SMB/Drive link;
    # mails name folders under it, never the server's own path
    public_root: str | None = None
    observer: Literal["auto", "inotify", "polling"] = "auto"  # polling for network shares
    # the folder must be a mount point: a plain local folder in its place is a share not mounted
    # (without it, a folder seen mounted once by the daemon counts as unmounted when it is not)
    require_mount: bool = False
    poll_seconds: float = Field(5, gt=0, description="polling observer interval")
    stable_seconds: float = Field(10, gt=0, description="unchanged this long = written completely")
    rescan_seconds: float = Field(300, gt=0, description="full rescan, so nothing is missed")
    settle_seconds: float = Field(120, ge=0, description="quiet this long after the last file: "
                                  "the delivery is checked (a preview, or what is missing)")
    max_file_mb: int = Field(4096, ge=1, description="a larger file is quarantined")
    max_mail_mb: float = Field(20, gt=0, description="a larger mail delivery is pointed to the folder")
    refused_notice_seconds: float = Field(60, ge=0, description="files refused within this long "
                                          "after the first are told in one mail (per request)")


class WebsiteCfg(Secret):
    """[publish.website]: the office's WordPress, through its REST API and an application password;
    or, with no url, a local folder that gets one HTML page per story with its photos."""

    url: str | None = None
    username: str | None = None
    folder: str | None = Field(None, description="with no url: write each post here as HTML + photos")
    status: Literal["publish", "draft"] = "draft"
    category: str = "Berita"
    timeout: float = Field(30, gt=0)

    @model_validator(mode="after")
    def _where(self) -> "WebsiteCfg":
        if self.url and not self.username:
            raise ValueError("a WordPress url needs its username")
        if not self.url and not self.folder:
            raise ValueError("give url (WordPress) or folder (a local folder of HTML pages)")
        return self


class FacebookCfg(Section):
    """[publish.facebook]: a Facebook Page, posted to through the Graph API."""

    page_id: str
    token_file: str
    graph_url: str = "https://graph.facebook.com/v21.0"
    timeout: float = Field(30, gt=0)


class SocialCfg(Section):
    """[publish.social]: accounts posted to by hand; their admin gets a ready package by mail."""

    admin: str
    hashtags: list[str] = []
    platforms: list[Literal["instagram", "x", "tiktok"]] = ["instagram", "x", "tiktok"]


class PressCfg(Section):
    """[publish.press]: the release mailed to the media contacts of office.yaml."""

    enabled: bool = True
    max_mail_mb: float = Field(8, gt=0, description="photos are shrunk to keep each mail under this")
    contact: str | None = None  # who journalists call, e.g. "Nurul Hidayah (0812-...)"


class PublishCfg(Section):
    website: WebsiteCfg | None = None
    facebook: FacebookCfg | None = None
    social: SocialCfg | None = None
    press: PressCfg = Field(default_factory=PressCfg)


class RulesCfg(Section):
    dir: str = "rules"


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


class OutboxCfg(Section):
    """[outbox]: notices (answers, acknowledgements, "what is missing") to one address beyond
    this many an hour wait for the next free slot; task mail to officials is never held."""

    per_address_per_hour: int = Field(10, ge=1)


class RetentionCfg(Section):
    """[retention]: raw mail (outbox bodies with their attachments, inbound .eml files) is
    removed this many days after it was sent or handled, once the request's archive (step 15
    bag) holds it; mail of no request after the same time. History rows are kept for good."""

    enabled: bool = True
    outbox_days: float = Field(30, ge=0)
    inbound_days: float = Field(30, ge=0)
    every_hours: float = Field(6, gt=0, description="how often the pruning job runs")


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


class Config(Section):
    office: OfficeCfg
    mailbox: MailboxCfg
    smtp: SmtpCfg
    paths: PathsCfg
    rules: RulesCfg = Field(default_factory=RulesCfg)
    hours: HoursCfg = Field(default_factory=HoursCfg)
    digest: DigestCfg = Field(default_factory=DigestCfg)
    ha: HaCfg = Field(default_factory=HaCfg)
    delivery: DeliveryCfg = Field(default_factory=DeliveryCfg)
    publish: PublishCfg = Field(default_factory=PublishCfg)
    status: StatusCfg = Field(default_factory=StatusCfg)
    metrics: MetricsCfg = Field(default_factory=MetricsCfg)
    outbox: OutboxCfg = Field(default_factory=OutboxCfg)
    retention: RetentionCfg = Field(default_factory=RetentionCfg)
    reading: ReadingCfg = Field(default_factory=ReadingCfg)
    pdf: PdfCfg = Field(default_factory=PdfCfg)
    jobs: JobsCfg = Field(default_factory=JobsCfg)
    source: Path | None = None

    def warnings(self) -> list[str]:
        """Problems that only matter when the daemon runs (e.g. credentials not yet in place)."""
        return runtime_warnings(self.runtime_facts())

    def runtime_facts(self) -> dict:
        """What `warnings` looks at, as plain data (`liputan check` keeps it in its cache)."""
        files = [(name, "password_file", getattr(self, name).password_file) for name in ("mailbox", "smtp")]
        if self.publish.website:
            files.append(("publish.website", "password_file", self.publish.website.password_file))
        if self.publish.facebook:
            files.append(("publish.facebook", "token_file", self.publish.facebook.token_file))
        return {"files": files, "listen": self.metrics.listen, "address": self.metrics.address(),
                "public_root": self.delivery.public_root}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)

    @property
    def from_address(self) -> str:
        return _address_of(self.smtp.from_)

    @property
    def state_dir(self) -> Path:
        return Path(self.paths.state)


@functools.lru_cache(maxsize=16)
def _address_of(value: str) -> str:
    """The lower-case address of a From value (parsed once: every message handled asks)."""
    return parseaddr(value)[1].lower()


def load_config(path: str | Path) -> Config:
    """Read, resolve and validate a config file; raise ConfigError naming file and line."""
    path, text, data = read_config(path)
    name = validated_cache.data_key("config", data)
    cached = validated_cache.load(name)
    if isinstance(cached, Config):
        cached.source = path
        return cached
    cfg = _validate(data, path, text)
    validated_cache.store(name, cfg)
    cfg.source = path
    return cfg


def _validate(data: dict, path: Path, text: str) -> Config:
    """The resolved data as a Config; ProblemsError (a ConfigError) naming every problem and its
    line, a misspelled setting named once rather than also as missing."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        misspelled = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "extra_forbidden"}
        kept = [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"][:-1]) in misspelled)]
        kept.sort(key=lambda e: e["type"] != "extra_forbidden")
        raise ProblemsError([Problem(str(path), line_of(text, e["loc"]), setting_problem(e))
                             for e in kept]) from None


def setting_problem(err: dict) -> str:
    """One validation error of the config in plain words."""
    where = ".".join(str(p) for p in err["loc"]) or "config"
    if err["type"] == "extra_forbidden":
        return f"unknown setting '{where}'" + (did_you_mean(Config, tuple(err["loc"])) or " (misspelled?)")
    if err["type"] == "missing":
        return f"setting '{where}' is required but missing"
    return f"setting '{where}': {err['msg']}"
