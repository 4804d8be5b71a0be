"""A private PostgreSQL cluster (initdb/pg_ctl as the postgres user) for tests and benchmarks."""

from __future__ import annotations

import glob
import os
import pwd
import subprocess
from pathlib import Path
from typing import Any

from daemon.devservers import _chown, _make_traversable, _Managed, free_port, wait_port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found under /usr/lib/postgresql/*/bin: "
                           "install the Debian package postgresql (.ci/run does)")
    return found[-1]


class Postgres(_Managed):
    """A private PostgreSQL cluster (initdb/pg_ctl as the postgres user) on 127.0.0.1:port."""

    def __init__(self, base_dir: str | Path, port: int | None = None, dbname: str = "liputan",
                 durable: bool = False):
        self.base = Path(base_dir).resolve()
        self.port = port or free_port()
        self.dbname = dbname
        self.durable = durable
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, dbname: str | None = None) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname or self.dbname}"

    def _as_postgres(self, args: list[str]) -> subprocess.CompletedProcess:
        pw = pwd.getpwnam("postgres")

        def demote() -> None:
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)

        return subprocess.run(args, capture_output=True, text=True, cwd=self.base, stdin=subprocess.DEVNULL,
                              preexec_fn=demote if os.geteuid() == 0 else None)

    def start(self) -> "Postgres":
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            _chown(self.base, "postgres")
            os.chmod(self.base, 0o755)
            _make_traversable(self.base)
        if not (self.data / "PG_VERSION").exists():
            res = self._as_postgres([self.initdb, "-D", str(self.data), "-U", "postgres",
                                     "-A", "trust", "-E", "UTF8", "--no-sync"])
            if res.returncode != 0:
                raise RuntimeError(f"initdb failed: {res.stderr.strip()}")
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=100"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        res = self._as_postgres([self.pg_ctl, "-D", str(self.data), "-l", str(self.base / "pg.log"),
                                 "-o", opts, "-w", "-t", "60", "start"])
        if res.returncode != 0:
            log_text = (self.base / "pg.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {res.stderr.strip()} {log_text}")
        self.create_database(self.dbname)
        return self

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               dbname="postgres", autocommit=True)

    def create_database(self, name: str) -> str:
        """Create a database (if missing) and return its SQLAlchemy URL."""
        with self._admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        self._as_postgres([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])
        wait_port(self.port, up=False)
