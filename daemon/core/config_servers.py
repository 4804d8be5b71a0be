"""The config's sections naming the office and what it reaches: [office], [mailbox], [smtp], [paths], [rules]."""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from daemon.core.config_file import DEFAULT_TIMEZONE
from daemon.core.config_schema import Secret, Section
from daemon.core.suggest import ZONE_OF_LABEL


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


class RulesCfg(Section):
    dir: str = "rules"
