"""The systemd unit as the issue asks for it: notify with a watchdog, credentials, only the state
dir and /srv/liputan writable, and the hardening directives (read from the file itself)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def directives(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


UNIT = directives(REPO / "systemd" / "liputan.service")


def test_it_is_a_notify_service_with_a_watchdog() -> None:
    assert UNIT["Type"] == ["notify"] and UNIT["NotifyAccess"] == ["main"]
    assert UNIT["WatchdogSec"] == ["30"]
    assert UNIT["ExecStart"] == ["/opt/liputan/bin/liputan run -c /etc/liputan/liputan.toml"]


def test_it_gets_its_folders_and_passwords_from_systemd() -> None:
    assert UNIT["StateDirectory"] == ["liputan"] and UNIT["ConfigurationDirectory"] == ["liputan"]
    assert {v.split(":")[0] for v in UNIT["LoadCredential"]} == {"imap-password", "smtp-password"}
    assert UNIT["User"] == ["liputan"] and UNIT["UMask"] == ["0027"]
    # only the state dir (StateDirectory=) and the shared folder and archive are writable; a
    # missing /srv/liputan does not fail the start
    assert UNIT["ProtectSystem"] == ["strict"] and UNIT["ReadWritePaths"] == ["-/srv/liputan"]
    assert UNIT["Documentation"] == ["file:///opt/liputan/share/doc/liputan/README.md"]


def test_it_is_hardened() -> None:
    yes = ["ProtectHome", "PrivateTmp", "PrivateDevices", "NoNewPrivileges", "ProtectKernelTunables",
           "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock",
           "ProtectHostname", "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID",
           "LockPersonality", "MemoryDenyWriteExecute"]
    assert {k: UNIT.get(k) for k in yes} == {k: ["yes"] for k in yes}
    assert UNIT["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    assert UNIT["SystemCallFilter"][0] == "@system-service"
    assert UNIT["SystemCallArchitectures"] == ["native"]
    assert UNIT["CapabilityBoundingSet"] == [""]


def test_the_user_and_folders_files_match_the_unit() -> None:
    sysusers = (REPO / "systemd" / "liputan.sysusers").read_text()
    assert 'u liputan - "Liputan daemon" /var/lib/liputan' in sysusers
    tmpfiles = [line.split() for line in (REPO / "systemd" / "liputan.tmpfiles").read_text().splitlines()
                if line and not line.startswith("#")]
    paths = {fields[1]: fields for fields in tmpfiles}
    for folder in ("/srv/liputan/hasil-liputan", "/srv/liputan/arsip"):
        assert paths[folder][0] == "d" and paths[folder][3] == "liputan"
    assert paths["/etc/liputan"][2:5] == ["0750", "root", "liputan"]
