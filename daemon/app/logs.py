"""Logging: journald with structured fields under systemd, readable lines on a terminal; library
chatter kept to warnings; every line about a request names its code; secrets masked."""

from __future__ import annotations

import logging
import os
import re
import struct
import sys
from typing import TextIO

from daemon.core.logctx import RequestCode

JOURNAL_SOCKET = "/run/systemd/journal/socket"
IDENTIFIER = "liputan"
# libraries that speak at INFO about their own business (the SMTP server's every command, each
# migration plugin, file events, HTTP requests): only their warnings reach the log
QUIET = ("alembic", "aiosmtpd", "mail.log", "watchdog", "httpx", "httpcore", "urllib3",
         "imapclient", "PIL", "docxtpl", "unoserver", "asyncio", "sqlalchemy", "multipart")
# not inside a file name: "…/imap-password: cannot be read" names the file, it does not hold the secret
SECRET = re.compile(r"(?i)(?<![\w/.])(?<!\w-)(password|passwd|pwd|token|secret|api[_-]?key)(\s*[=:]\s*)(\S+)")
AUTHORIZATION = re.compile(r"(?i)\b((?:proxy-)?authorization)(\s*[=:]\s*)(.+)")  # the whole value
URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")
PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
            logging.DEBUG: 7}
MAX_MESSAGE = 48 * 1024  # one datagram; the journal's own limit is far above


def mask(text: str) -> str:
    """Passwords, tokens and the password in a URL replaced by ***, wherever a line has them."""
    return URL_PASSWORD.sub(r"\1***@", SECRET.sub(_hide, AUTHORIZATION.sub(_hide, text)))


def _hide(match: re.Match) -> str:
    return f"{match[1]}{match[2]}***"


class Terminal(logging.Formatter):
    """`2026-11-30 09:00:01 INFO app.dispatcher [LPT-2026-0007] inbound 3 -> done: handled`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        code = getattr(record, "request_code", None)
        if code:
            head, _, rest = line.partition(": ")
            line = f"{head}: [{code}] {rest}"
        return mask(line)


def journal_fields(record: logging.LogRecord, message: str) -> dict[str, str]:
    """The journal entry of one record: MESSAGE, PRIORITY and our own fields."""
    fields = {"MESSAGE": message[:MAX_MESSAGE],
              "PRIORITY": str(PRIORITY.get(record.levelno, 6 if record.levelno < 30 else 3)),
              "SYSLOG_IDENTIFIER": IDENTIFIER, "LOGGER": record.name,
              "SUBSYSTEM": subsystem(record.name), "THREAD_NAME": record.threadName or "",
              "CODE_FILE": record.pathname, "CODE_LINE": str(record.lineno),
              "CODE_FUNC": record.funcName}
    if code := getattr(record, "request_code", None):
        fields["REQUEST_CODE"] = code
    return fields


def subsystem(logger: str) -> str:
    """`daemon.app.dispatcher` -> `app.dispatcher`; a library's logger keeps its name."""
    return logger.removeprefix("daemon.")


def encode(fields: dict[str, str]) -> bytes:
    """The journal's native protocol: KEY=value lines; a value with a newline goes length-prefixed."""
    out = bytearray()
    for key, value in fields.items():
        data = value.encode("utf-8", "replace")
        if b"\n" in data:
            out += key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key.encode() + b"=" + data + b"\n"
    return bytes(out)


class Journal(logging.Handler):
    """Sends each record to journald over its native socket; if the socket fails, the line goes
    to standard error instead (which systemd also keeps), and the service goes on."""

    def __init__(self, path: str = JOURNAL_SOCKET, fallback: TextIO | None = None):
        super().__init__()
        self.path, self.fallback = path, fallback or sys.stderr
        import socket  # only under systemd
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.plain = Terminal()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
            self.sock.sendto(encode(journal_fields(record, mask(message))), self.path)
        except OSError:
            try:
                self.fallback.write(self.plain.format(record) + "\n")
                self.fallback.flush()
            except Exception:  # noqa: BLE001 - logging must never stop the daemon
                self.handleError(record)
        except Exception:  # noqa: BLE001
            self.handleError(record)

    def close(self) -> None:
        self.sock.close()
        super().close()


def under_journal(stream: TextIO, env: os._Environ | dict) -> bool:
    """systemd connected this stream to the journal (JOURNAL_STREAM names its device:inode);
    a shell started from the service, whose output goes elsewhere, is not."""
    value = env.get("JOURNAL_STREAM", "")
    try:
        dev, ino = (int(x) for x in value.split(":"))
        st = os.fstat(stream.fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


def setup(level: int = logging.INFO, stream: TextIO | None = None, env: dict | None = None,
          journal_socket: str = JOURNAL_SOCKET, terminal: int = logging.NOTSET) -> logging.Handler:
    """Configure the root logger once for the process; returns the handler chosen. `terminal`
    is the least a line needs to reach a terminal (a person's command: WARNING, its result is
    what it prints); the journal still gets every line from `level` up."""
    stream = stream or sys.stderr
    env = os.environ if env is None else env
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "liputan", False)]:
        root.removeHandler(old)
        old.close()
    if under_journal(stream, env) and os.path.exists(journal_socket):
        handler: logging.Handler = Journal(journal_socket, stream)
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(Terminal())
        handler.setLevel(terminal)
    handler.liputan = True  # type: ignore[attr-defined]
    handler.addFilter(RequestCode())
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def to_file(path: str | os.PathLike, level: int = logging.INFO) -> logging.Handler:
    """Also keep the log in a file (the sandbox's daemon.log), every line from `level` up."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(Terminal())
    handler.setLevel(level)
    handler.liputan = True  # type: ignore[attr-defined]
    handler.addFilter(RequestCode())
    logging.getLogger().addHandler(handler)
    return handler
