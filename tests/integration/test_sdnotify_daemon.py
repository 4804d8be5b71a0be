"""`liputan run` under a notify socket as systemd gives it: READY once up, STATUS lines,
WATCHDOG pings at half of $WATCHDOG_USEC, STOPPING on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def receive_until(sock: socket.socket, seen: list[tuple[float, str]], predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"not seen in time; got {[m for _, m in seen]}")
        sock.settimeout(min(left, 0.5))
        try:
            seen.append((time.monotonic(), sock.recv(4096).decode()))
        except socket.timeout:
            pass


def test_it_tells_systemd_ready_status_watchdog_and_stopping(config, tmp_path, daemons):
    folder = tempfile.mkdtemp(prefix="sdn-")  # AF_UNIX paths are limited to 108 bytes
    address = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    env = {**os.environ, "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "4000000"}
    env.pop("WATCHDOG_PID", None)
    proc = daemons.start(config.source, env=env)
    seen: list[tuple[float, str]] = []
    lines = lambda: [line for _, m in seen for line in m.splitlines()]  # noqa: E731
    try:
        receive_until(sock, seen, lambda: "READY=1" in lines(), 60)
        ready = next(t for t, m in seen if "READY=1" in m)
        assert any(line.startswith("STATUS=starting") for line in lines())
        assert any(line.startswith("STATUS=running") for line in lines())
        # the daemon is working: liputan run's workers are up when READY arrives
        assert "liputan running" in (tmp_path / "daemon.log").read_text()
        receive_until(sock, seen, lambda: sum(1 for t, m in seen if m == "WATCHDOG=1" and t > ready) >= 4, 60)
        pings = [t for t, m in seen if m == "WATCHDOG=1"]
        # every 2 s (half of WATCHDOG_USEC); never a gap that would reach systemd's 4 s deadline
        # (start-up threads and a loaded machine may hold the loop back: up to 2 s is allowed)
        assert max(b - a for a, b in zip(pings, pings[1:])) < 3.9
        proc.send_signal(signal.SIGTERM)
        receive_until(sock, seen, lambda: "STOPPING=1" in lines(), 30)
        assert "STATUS=stopping" in lines()
        assert proc.wait(timeout=30) == 0  # (a loaded machine: the stop cap of test_service)
    finally:
        daemons.kill_left()
        sock.close()
        Path(address).unlink()
        os.rmdir(folder)
