"""An aiosmtpd SMTP capture server that keeps every message and fails on demand, for tests."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daemon.devservers import _Managed, free_port, wait_port


@dataclass
class Received:
    """One message as the SMTP capture server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    path: Path
    auth_user: str | None = None


@dataclass
class _Failure:
    code: int
    message: str
    times: int
    stage: str = "DATA"
    address: str | None = None  # RCPT only: fail for this recipient alone


@dataclass
class _Script:
    failures: list[_Failure] = field(default_factory=list)

    def take(self, stage: str, address: str | None = None) -> _Failure | None:
        for f in self.failures:
            if f.address is not None and (address or "").lower() != f.address.lower():
                continue
            if f.stage == stage and f.times != 0:
                f.times -= 1 if f.times > 0 else 0
                return f
        return None


class _CaptureHandler:
    def __init__(self, owner: "SmtpCapture"):
        self.owner = owner

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        failure = self.owner._take("MAIL")
        if failure:
            return f"{failure.code} {failure.message}"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        failure = self.owner._take("RCPT", address)
        if failure:
            return f"{failure.code} {failure.message}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self.owner._take("DATA")
        if failure:
            return f"{failure.code} {failure.message}"
        auth = session.auth_data.login.decode() if getattr(session, "auth_data", None) else None
        self.owner._store(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, auth)
        return "250 Message accepted for delivery"


def _accept_any(owner: "SmtpCapture") -> Any:
    """Any login, except while a scripted AUTH failure is pending (answered 535)."""
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        if owner._take("AUTH") is not None:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)
    return authenticate


def _counting_controller(owner: "SmtpCapture") -> Any:
    """aiosmtpd's Controller whose sessions tell `owner` when they open and close."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class _Session(SMTP):
        def connection_made(self, transport: Any) -> None:
            owner._count_session(+1)
            super().connection_made(transport)

        def connection_lost(self, error: Exception | None) -> None:
            try:
                super().connection_lost(error)
            finally:
                owner._count_session(-1)

    class _Controller(Controller):
        def factory(self) -> SMTP:
            return _Session(self.handler, **self.SMTP_kwargs)
    return _Controller


class SmtpCapture(_Managed):
    """An aiosmtpd server that keeps every message (in memory and as files) and fails on demand."""

    def __init__(self, port: int | None = None, maildir_path: str | Path | None = None):
        self.port = port or free_port()
        self.maildir = Path(maildir_path) if maildir_path else None
        self.messages: list[Received] = []
        self._script = _Script()
        self._lock = threading.Lock()
        self._controller: Any = None
        self._sessions = 0  # connections open now (a killed client's is closed by its kernel)

    def start(self) -> "SmtpCapture":
        if self.maildir:
            for sub in ("tmp", "new", "cur"):
                (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        self._sessions = 0
        self._controller = _counting_controller(self)(
            _CaptureHandler(self), hostname="127.0.0.1", port=self.port,
            auth_require_tls=False, authenticator=_accept_any(self), decode_data=False,
            server_hostname="capture.liputan.test", ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            wait_port(self.port, up=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _count_session(self, n: int) -> None:
        with self._lock:
            self._sessions += n

    def sessions_closed(self, timeout: float = 30.0) -> bool:
        """Wait until no client is connected: a client killed after sending DATA may still have
        its message stored by the server (or dropped) until its session ends here."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._sessions <= 0:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def fail_next(self, code: int = 451, times: int = 1, message: str | None = None,
                  stage: str = "DATA", address: str | None = None) -> None:
        """Answer the next `times` DATA (or MAIL, or RCPT: for `address` only when given)
        commands with `code`; times=-1 means forever. AUTH: the next logins fail (535)."""
        text = message or ("Try again later" if code < 500 else "Rejected")
        with self._lock:
            self._script.failures.append(_Failure(code, text, times, stage, address))

    def heal(self, stage: str | None = None) -> None:
        """Forget pending failures (of one stage when given); the messages stay."""
        with self._lock:
            self._script.failures[:] = [f for f in self._script.failures
                                        if stage is not None and f.stage != stage]

    def _take(self, stage: str, address: str | None = None) -> _Failure | None:
        with self._lock:
            return self._script.take(stage, address)

    def clear(self) -> None:
        """Forget captured messages and pending failures."""
        with self._lock:
            self.messages.clear()
            self._script.failures.clear()

    def _store(self, mail_from: str, rcpts: list[str], data: bytes, auth: str | None) -> None:
        digest = hashlib.sha256(data).hexdigest()
        path = Path(f"{digest}.eml")
        if self.maildir:
            name = f"{time.time_ns()}.{digest[:16]}.liputan"
            tmp = self.maildir / "tmp" / name
            tmp.write_bytes(data)
            path = self.maildir / "new" / name
            tmp.replace(path)
        with self._lock:
            self.messages.append(Received(mail_from, rcpts, data, path, auth))
