"""The TOML configuration as one typed value, validated at start-up (or found in the validated cache)."""

from __future__ import annotations

import functools
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError

from daemon.core import validated_cache
from daemon.core.config_file import line_of, read_config, runtime_warnings
from daemon.core.config_publish import PublishCfg
from daemon.core.config_running import (
    HaCfg,
    JobsCfg,
    MetricsCfg,
    PdfCfg,
    ReadingCfg,
    StatusCfg,
)
from daemon.core.config_schema import Section
from daemon.core.config_servers import (
    MailboxCfg,
    OfficeCfg,
    PathsCfg,
    RulesCfg,
    SmtpCfg,
)
from daemon.core.config_work import (
    DeliveryCfg,
    DigestCfg,
    HoursCfg,
    OutboxCfg,
    RetentionCfg,
)
from daemon.core.problems import Problem, ProblemsError
from daemon.core.suggest import did_you_mean


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
