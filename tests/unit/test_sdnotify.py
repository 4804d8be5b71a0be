"""sd_notify over a real AF_UNIX datagram socket: path and abstract addresses, the watchdog's
interval, and pings that stop while the event loop is blocked."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from daemon.app import sdnotify
from daemon.app.service import watchdog_loop


@pytest.fixture
def listener(monkeypatch):
    folder = tempfile.mkdtemp(prefix="sdn-")  # AF_UNIX paths are limited to 108 bytes
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    yield sock
    sock.close()
    Path(path).unlink()
    os.rmdir(folder)


def test_it_sends_ready_status_watchdog_and_stopping(listener):
    assert sdnotify.ready("running: mailbox x@y")
    assert listener.recv(4096) == b"READY=1\nSTATUS=running: mailbox x@y"
    assert sdnotify.status("two\nlines")
    assert listener.recv(4096) == b"STATUS=two lines"
    assert sdnotify.watchdog()
    assert listener.recv(4096) == b"WATCHDOG=1"
    assert sdnotify.stopping("stopping")
    assert listener.recv(4096) == b"STOPPING=1\nSTATUS=stopping"


def test_it_reaches_an_abstract_socket(monkeypatch):
    name = f"liputan-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.ready()
        assert sock.recv(4096) == b"READY=1"


def test_it_does_nothing_without_systemd_or_when_the_socket_is_gone(monkeypatch, tmp_path):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.ready() is False
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody"))
    assert sdnotify.watchdog() is False  # no exception: the daemon goes on


def test_it_pings_at_half_the_watchdog_interval(monkeypatch):
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert sdnotify.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert sdnotify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))  # meant for another process
    assert sdnotify.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    monkeypatch.setenv("WATCHDOG_USEC", "0")
    assert sdnotify.watchdog_interval() is None


def test_it_stops_pinging_while_the_event_loop_hangs(listener):
    times: list[float] = []
    done = threading.Event()

    def receive() -> None:  # read as systemd does, while the loop runs
        listener.settimeout(0.1)
        while not done.is_set():
            try:
                if listener.recv(4096) == b"WATCHDOG=1":
                    times.append(time.monotonic())
            except socket.timeout:
                pass

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(watchdog_loop(stop, 0.05))
        await asyncio.sleep(0.3)
        time.sleep(1.0)  # a hung loop: a blocking call on the event loop's thread
        await asyncio.sleep(0.3)
        stop.set()
        await task

    reader = threading.Thread(target=receive)
    reader.start()
    asyncio.run(scenario())
    time.sleep(0.2)
    done.set()
    reader.join()
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) >= 6
    assert max(gaps) >= 0.9  # no ping while the loop was blocked
    assert sorted(gaps)[len(gaps) // 2] < 0.2  # otherwise every interval/2


def test_a_reload_says_reloading_with_the_monotonic_clock(listener):
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert sdnotify.reloading("reloading: config and rules")
    lines = listener.recv(4096).decode().split("\n")
    assert lines[0] == "RELOADING=1" and lines[2] == "STATUS=reloading: config and rules"
    assert lines[1].startswith("MONOTONIC_USEC=") and int(lines[1].split("=")[1]) >= before
