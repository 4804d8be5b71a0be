"""The SMTP capture server counts its open sessions: a test can wait until a killed client's
session has ended (its message stored or dropped) before it looks at what was accepted."""

from __future__ import annotations

import signal
import smtplib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

# a client that sends one whole message and waits for the answer to DATA (killed meanwhile)
CLIENT = """
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
def say(line):
    s.sendall(line + b"\\r\\n")
    return f.readline()
f.readline()
say(b"HELO killed.test"); say(b"MAIL FROM:<a@killed.test>"); say(b"RCPT TO:<b@killed.test>"); say(b"DATA")
s.sendall(b"Message-ID: <killed@test>\\r\\nSubject: x\\r\\n\\r\\nbody\\r\\n.\\r\\n")
print("sent", flush=True)
time.sleep(600)
"""


def test_open_sessions_are_counted_until_they_end(smtp):
    assert smtp.sessions_closed(5)
    client = smtplib.SMTP("127.0.0.1", smtp.port, timeout=30)
    try:
        assert smtp.sessions_closed(0.3) is False  # connected: a session is open
        client.sendmail("a@b.test", ["c@d.test"], b"Subject: x\r\n\r\nbody\r\n")
    finally:
        client.quit()
    assert smtp.sessions_closed(30)
    assert len(smtp.messages) == 1


def test_a_killed_clients_session_ends(smtp):
    proc = subprocess.Popen([sys.executable, "-c", CLIENT, str(smtp.port)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "sent"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert smtp.sessions_closed(30)  # its kernel closed the connection: the server saw it end
    assert len(smtp.messages) <= 1
