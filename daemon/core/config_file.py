"""The config file as plain data: read, parsed and its relative paths resolved (no models)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

from daemon.core.errors import ConfigError

DEFAULT_TIMEZONE = "Asia/Jakarta"  # [office] timezone when a config names none


def read_config(path: str | Path) -> tuple[Path, str, dict]:
    """The file's resolved path, its text and its data with paths made absolute; ConfigError
    naming file and line when it cannot be read or is not TOML."""
    path = Path(path).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read config: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, int(m.group(1)) if m else None, f"not valid TOML: {exc}") from None
    return path, text, resolve(data, path.parent)


def resolve(data: dict, base: Path) -> dict:
    """Make relative paths relative to the config file's folder."""
    paths = data.get("paths", {})
    for key in ("state", "dropbox", "archive"):
        if isinstance(paths.get(key), str) and not Path(paths[key]).is_absolute():
            paths[key] = str(base / paths[key])
    db = paths.get("database")
    if isinstance(db, str) and db.startswith("sqlite:///") and not db.startswith("sqlite:////"):
        rel = db[len("sqlite:///"):]
        if rel and rel != ":memory:":
            paths["database"] = "sqlite:///" + str(base / rel)
    rules = data.get("rules", {})
    if isinstance(rules.get("dir"), str) and not Path(rules["dir"]).is_absolute():
        rules["dir"] = str(base / rules["dir"])
    elif "rules" not in data:
        data["rules"] = {"dir": str(base / "rules")}
    publish = data.get("publish", {}) if isinstance(data.get("publish"), dict) else {}
    secrets = [(data.get(sec), "password_file") for sec in ("mailbox", "smtp")]
    secrets += [(publish.get("website"), "password_file"), (publish.get("facebook"), "token_file")]
    secrets.append((publish.get("website"), "folder"))  # not a secret, but a path all the same
    for section, key in secrets:
        pf = section.get(key) if isinstance(section, dict) else None
        if isinstance(pf, str) and not Path(pf).is_absolute():
            section[key] = str(base / pf)
    return data


def line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line of a [section] key in TOML text."""
    section = str(loc[0]) if loc else ""
    key = str(loc[1]) if len(loc) > 1 else None
    if key == "from_":
        key = "from"
    in_section, header_line = False, None
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.strip("[] ") == section
            if in_section:
                header_line = n
            continue
        if in_section and key and re.match(rf"{re.escape(key)}\s*=", stripped):
            return n
    return header_line


WITHOUT = {"mailbox": "the daemon cannot log in to the mailbox, so no mail is read",
           "smtp": "no mail can be sent", "publish.website": "nothing is posted to the website",
           "publish.facebook": "nothing is posted to Facebook"}


def unreadable(path: str) -> str | None:
    """Why a secret file cannot be read here, in words; None when it can."""
    try:
        with open(path, "rb"):
            return None
    except FileNotFoundError:
        return "the file does not exist"
    except IsADirectoryError:
        return "it is a folder, not a file"
    except OSError as exc:
        return f"{exc.strerror} (run the check as the service's user)"


def runtime_warnings(facts: dict) -> list[str]:
    """Problems that only matter when the daemon runs, from Config.runtime_facts(): checked
    here and now (a password file put in place later is no longer reported)."""
    out = []
    for section, key, path in facts["files"]:
        if path and (why := unreadable(path)):
            out.append(f"[{section}] {key} {path} is not readable here: {why}; "
                       f"{WITHOUT.get(section, 'that part will not work')}"
                       + (" (expected before the service starts: systemd puts its credentials "
                          "there, see systemd/liputan.service)" if path.startswith("/run/credentials/") else ""))
    listen, address = facts["listen"], facts["address"]
    if listen is not None and importlib.util.find_spec("prometheus_client") is None:
        out.append("[metrics] listen is set but prometheus_client is not installed "
                   "(pip install 'liputan[metrics]'): no metrics will be served")
    if address and address[0] not in ("127.0.0.1", "::1", "localhost"):
        out.append(f"[metrics] listen {listen} is not a loopback address: the figures "
                   "are open to the network")
    if facts["public_root"] is None:
        out.append("[delivery] public_root is not set: mails name the team's folder by its path "
                   "under the share only")
    return out
