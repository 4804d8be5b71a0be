"""A TCP proxy for tests that can blackhole its connections like a dead route or NAT.

`cut()` silently stops every existing connection in both directions (the sockets stay open,
bytes are read and dropped: no FIN, no RST, no error) and makes new connections hang: they are
accepted but never forwarded. `heal()` forwards NEW connections again; the ones cut stay dead.
"""

from __future__ import annotations

import select
import socket
import threading
from typing import Callable

from daemon.devservers import free_port

TICK = 0.1  # how often the threads look at the closing flag


class _Link:
    """One client connection and, unless it hangs, its upstream connection."""

    def __init__(self, client: socket.socket, upstream: socket.socket | None):
        self.client, self.upstream = client, upstream
        self.dead = threading.Event()  # set by cut(): drop everything from now on
        self.threads: list[threading.Thread] = []

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            try:
                sock.close()
            except OSError:
                pass


class BlackholeProxy:
    """Forwards 127.0.0.1:port to 127.0.0.1:target_port until cut()."""

    def __init__(self, target_port: int, port: int | None = None, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self.accepted = 0  # connections accepted, forwarded or not
        self.hung = 0  # connections accepted while cut (never forwarded)
        self.dropped = 0  # bytes swallowed by cut connections
        # a hook to cut from inside the data stream: called with (direction, chunk) before a
        # chunk is forwarded; returning True cuts (the chunk is dropped too)
        self.cut_when: Callable[[str, bytes], bool] | None = None
        self._cut = False
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._links: list[_Link] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)
        self._listener.settimeout(TICK)
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"blackhole-{self.port}",
                                          daemon=True)
        self._acceptor.start()

    # -- control ---------------------------------------------------------------------------
    @property
    def is_cut(self) -> bool:
        return self._cut

    def cut(self) -> None:
        """Every connection goes silent; new ones are accepted and then ignored."""
        with self._lock:
            self._cut = True
            for link in self._links:
                link.dead.set()

    def heal(self) -> None:
        """New connections are forwarded again (the connections cut stay dead)."""
        with self._lock:
            self._cut = False
            self.cut_when = None

    def close(self) -> None:
        self._closing.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            link.close()
        for link in links:
            for t in link.threads:
                t.join(5)

    def __enter__(self) -> "BlackholeProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the threads -----------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                cut = self._cut
                if cut:
                    self.hung += 1
            upstream = None
            if not cut:
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    client.close()  # the target itself is down: refuse like it would
                    continue
            link = _Link(client, upstream)
            with self._lock:
                if self._closing.is_set():
                    link.close()
                    return
                self._links.append(link)
                if upstream is None:
                    link.dead.set()
            if upstream is None:
                # hang: swallow whatever the client sends, answer nothing
                link.threads.append(self._start(link, client, None, "hang"))
            else:
                link.threads.append(self._start(link, client, upstream, "up"))
                link.threads.append(self._start(link, upstream, client, "down"))

    def _start(self, link: _Link, src: socket.socket, dst: socket.socket | None,
               direction: str) -> threading.Thread:
        t = threading.Thread(target=self._pump, args=(link, src, dst, direction),
                             name=f"blackhole-{self.port}-{direction}", daemon=True)
        t.start()
        return t

    def _pump(self, link: _Link, src: socket.socket, dst: socket.socket | None,
              direction: str) -> None:
        while not self._closing.is_set():
            try:
                ready, _, _ = select.select([src], [], [], TICK)
                if not ready:
                    continue
                chunk = src.recv(65536)
            except (OSError, ValueError):
                return  # closed by close()
            if not chunk:
                # an orderly close from this side: pass it on only while the link is alive
                if not link.dead.is_set() and dst is not None:
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                return
            hook = self.cut_when
            if not link.dead.is_set() and hook is not None and hook(direction, chunk):
                self.cut()
            if link.dead.is_set() or dst is None:
                with self._lock:
                    self.dropped += len(chunk)
                continue
            try:
                dst.sendall(chunk)
            except OSError:
                return
