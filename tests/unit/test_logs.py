"""Logs: journald (native protocol) under systemd with REQUEST_CODE= and SUBSYSTEM=, readable
lines on a terminal, the request's code on every line about it, no secrets, no library chatter."""

from __future__ import annotations

import io
import logging
import os
import socket
import struct
import tempfile

import pytest

from daemon.app import logs
from daemon.core import logctx


@pytest.fixture
def restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


def parse(datagram: bytes) -> dict[str, str]:
    """Read the journal's native protocol back (both plain and length-prefixed fields)."""
    fields, i = {}, 0
    while i < len(datagram):
        nl = datagram.index(b"\n", i)
        line = datagram[i:nl]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            i = nl + 1
        else:
            key = line
            (size,) = struct.unpack("<Q", datagram[nl + 1:nl + 9])
            value = datagram[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        fields[key.decode()] = value.decode()
    return fields


def test_journal_stream_selects_journald_with_structured_fields(tmp_path, restore_root):
    path = os.path.join(tempfile.mkdtemp(prefix="jrn-"), "socket")  # AF_UNIX paths: 108 bytes at most
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(5)
    stderr = (tmp_path / "stderr").open("w")  # stands for the stream systemd connected
    st = os.fstat(stderr.fileno())
    handler = logs.setup(stream=stderr, env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"},
                         journal_socket=path)
    assert isinstance(handler, logs.Journal)
    with logctx.about("LPT-2026-0007"):
        logging.getLogger("daemon.app.dispatcher").warning("inbound %d -> done\nsecond line", 3)
    fields = parse(server.recv(65536))
    assert fields["MESSAGE"] == "inbound 3 -> done\nsecond line"
    assert fields["REQUEST_CODE"] == "LPT-2026-0007" and fields["SUBSYSTEM"] == "app.dispatcher"
    assert fields["PRIORITY"] == "4" and fields["SYSLOG_IDENTIFIER"] == "liputan"
    logging.getLogger("daemon.mail.mailbox").info("connected with password=hunter2")
    fields = parse(server.recv(65536))
    assert "REQUEST_CODE" not in fields and "hunter2" not in fields["MESSAGE"]
    server.close()
    os.unlink(path)
    os.rmdir(os.path.dirname(path))
    logging.getLogger("daemon.app.service").error("the journal went away")
    stderr.close()
    assert "the journal went away" in (tmp_path / "stderr").read_text()  # not lost


def test_a_terminal_gets_readable_lines_naming_the_request(restore_root):
    out = io.StringIO()
    handler = logs.setup(stream=out, env={"JOURNAL_STREAM": "1:2"})  # not this stream: a terminal
    assert not isinstance(handler, logs.Journal)
    log = logging.getLogger("daemon.app.jobrunner")
    with logctx.about("LPT-2026-0001"):
        log.info("job 5 done")
    log.info("idle")
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("INFO daemon.app.jobrunner: [LPT-2026-0001] job 5 done")
    assert lines[1].endswith("INFO daemon.app.jobrunner: idle")


def test_libraries_speak_only_of_warnings(restore_root):
    out = io.StringIO()
    logs.setup(stream=out, env={})
    for name in ("mail.log", "aiosmtpd", "alembic.runtime.migration", "watchdog.observers", "httpx"):
        logging.getLogger(name).info("chatter")
    logging.getLogger("mail.log").warning("a real problem")
    assert "chatter" not in out.getvalue() and "a real problem" in out.getvalue()


@pytest.mark.parametrize("line, secret", [
    ("database postgresql://liputan:s3cret@db/liputan", "s3cret"),
    ("login failed: password=abc123 user=x", "abc123"),
    ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
    ("token: EAAB123", "EAAB123"),
])
def test_secrets_are_masked(line, secret):
    assert secret not in logs.mask(line) and "***" in logs.mask(line)


def test_a_mail_subject_names_its_request():
    assert logctx.code_in("Mohon disposisi [lpt-2026-0012] Musrenbang") == "LPT-2026-0012"
    assert logctx.code_in("Rapat biasa") is None


def test_a_persons_command_shows_warnings_but_the_journal_keeps_every_line(tmp_path, restore_root):
    out = io.StringIO()
    logs.setup(stream=out, env={}, terminal=logging.WARNING)  # `liputan approve` on a terminal
    logging.getLogger("daemon.engine").info("LPT-2026-0001 enters step 3 (disposition)")
    logging.getLogger("daemon.engine").warning("the SMTP server is away")
    assert "enters step 3" not in out.getvalue() and "the SMTP server is away" in out.getvalue()
    path = os.path.join(tempfile.mkdtemp(prefix="jrn-"), "socket")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(5)
    stderr = (tmp_path / "stderr").open("w")
    st = os.fstat(stderr.fileno())
    logs.setup(stream=stderr, env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}, journal_socket=path,
               terminal=logging.WARNING)  # the same command under systemd: the journal has it all
    logging.getLogger("daemon.engine").info("LPT-2026-0001 enters step 3 (disposition)")
    assert parse(server.recv(65536))["MESSAGE"] == "LPT-2026-0001 enters step 3 (disposition)"
    server.close()
    os.unlink(path)
    os.rmdir(os.path.dirname(path))
    stderr.close()
    kept = tmp_path / "daemon.log"
    logs.to_file(kept)  # the sandbox's daemon.log keeps the INFO lines the terminal does not show
    logging.getLogger("daemon.engine").info("LPT-2026-0002 enters step 2 (disposition)")
    assert "INFO daemon.engine: LPT-2026-0002 enters step 2" in kept.read_text()
