"""The config's sections of the office's working: [hours], [digest], [delivery], [outbox], [retention]."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field, field_validator, model_validator

from daemon.core.config_schema import Section

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
