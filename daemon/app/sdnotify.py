"""systemd's sd_notify protocol without a dependency: one datagram to the socket in $NOTIFY_SOCKET."""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger("daemon.app.sdnotify")


def notify(*lines: str) -> bool:
    """Send `KEY=VALUE` lines; False (and nothing else) when not run by systemd or it fails."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or not lines:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.settimeout(1.0)  # a manager that stops reading must not hang the daemon
            sock.connect(address)
            sock.sendall("\n".join(lines).encode("utf-8"))
        return True
    except OSError as exc:  # the manager gone or the socket unreadable: the daemon goes on
        log.debug("sd_notify to %s failed: %s", address, exc)
        return False


def ready(text: str | None = None) -> bool:
    return notify("READY=1", *([f"STATUS={text}"] if text else []))


def status(text: str) -> bool:
    return notify(f"STATUS={text.replace(chr(10), ' ')}")


def watchdog() -> bool:
    return notify("WATCHDOG=1")


def reloading(text: str | None = None) -> bool:
    """RELOADING=1 (READY=1 follows once the reload is applied or refused)."""
    usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    return notify("RELOADING=1", f"MONOTONIC_USEC={usec}", *([f"STATUS={text}"] if text else []))


def stopping(text: str | None = None) -> bool:
    return notify("STOPPING=1", *([f"STATUS={text}"] if text else []))


def watchdog_interval() -> float | None:
    """Seconds between pings (half of $WATCHDOG_USEC), or None when no watchdog is asked for.

    $WATCHDOG_PID, when set, names the process the watchdog is meant for; another process
    (e.g. a child that inherited the environment) must not ping.
    """
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid.strip() != str(os.getpid()):
        return None
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2_000_000 if usec > 0 else None
