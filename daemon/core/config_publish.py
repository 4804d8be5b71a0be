"""The config's [publish.*] sections: the website, the Facebook Page, the social accounts, the press."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from daemon.core.config_schema import Secret, Section


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
