"""Runs a command in the caller's process group and ends that whole group when the daemon that started it is gone."""

# Started as a script (`python tether.py OWNER_PID CMD...`, the group's leader): a daemon killed
# with SIGKILL outside systemd (no cgroup to clean up) would otherwise leave unoserver and its
# soffice running for ever. PR_SET_PDEATHSIG is not used: it fires when the *thread* that
# started the child ends (the converter is started from short-lived threads), and soffice,
# forked by unoserver, would not inherit it. Only the standard library: any python3 runs it.

from __future__ import annotations

import os
import signal
import subprocess
import sys

POLL_S = 0.25  # how soon a gone owner is noticed


def main(argv: list[str]) -> int:
    owner, cmd = int(argv[1]), argv[2:]
    child = subprocess.Popen(cmd)  # our stdio, our process group
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    while True:
        if os.getppid() != owner:  # the owner is gone (we were handed to init or a subreaper)
            os.killpg(0, signal.SIGKILL)  # the whole group: the command, its office, and us
        try:
            code = child.wait(POLL_S)
        except subprocess.TimeoutExpired:
            continue
        return code if code >= 0 else 128 - code


def command(cmd: list[str], python: str = sys.executable) -> list[str]:
    """`cmd` run under a tether to this process (start it with start_new_session=True)."""
    return [python, os.path.abspath(__file__), str(os.getpid()), *cmd]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
