"""The one config for local servers: what the sandbox, the tests and the benchmarks run on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from daemon.core.config_file import DEFAULT_TIMEZONE

DOMAIN = "bengkaliskab.go.id"
OFFICE_MAILBOX = f"liputan@{DOMAIN}"
PASSWORD = "rahasia"


def to_toml(sections: dict[str, dict[str, Any]]) -> str:
    """Flat TOML sections; values are strings, numbers or booleans (JSON's forms are TOML's)."""
    out = []
    for name, values in sections.items():
        out.append(f"[{name}]")
        out += [f"{key} = {json.dumps(value)}" for key, value in values.items() if value is not None]
        out.append("")
    return "\n".join(out)


def write_config(path: Path, *, imap_port: int, smtp_port: int, database: str, rules: Path,
                 user: str = OFFICE_MAILBOX, office: dict | None = None, mailbox: dict | None = None,
                 smtp: dict | None = None, paths: dict | None = None,
                 extra: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write a liputan.toml for servers on 127.0.0.1 without TLS; the dicts add or override keys,
    `extra` adds sections (e.g. {"delivery": {...}, "publish.website": {...}})."""
    sections = {
        "office": {"name": "Dinas Komunikasi, Informatika dan Statistik Kabupaten Bengkalis",
                   "domain": DOMAIN, "timezone": DEFAULT_TIMEZONE,
                   "operator": f"operator.liputan@{DOMAIN}", **(office or {})},
        "mailbox": {"host": "127.0.0.1", "port": imap_port, "security": "none", "username": user,
                    "password": PASSWORD, **(mailbox or {})},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none",
                 "from": f"Liputan Diskominfotik <{OFFICE_MAILBOX}>", **(smtp or {})},
        "paths": {"database": database, "state": "state", "dropbox": "hasil-liputan",
                  "archive": "arsip", **(paths or {})},
        "rules": {"dir": str(rules)},
        **(extra or {}),
    }
    path.write_text("# written for local servers (sandbox, tests, benchmarks)\n" + to_toml(sections),
                    encoding="utf-8")
    return path
