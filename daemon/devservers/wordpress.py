"""A private WordPress (Debian's package, `php -S`) on a private MariaDB, with an application password, for tests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from daemon.devservers import _Managed, free_port, port_open, wait_port

WP_ROOT = Path("/usr/share/wordpress")
WP_ETC = Path("/etc/wordpress")
PACKAGES = "wordpress php-cli php-mysql mariadb-server"

# Debian's wp-config.php picks /etc/wordpress/config-$WORDPRESS_CONFIG.php when that server
# variable is set; the router sets it, so instances with their own config can run side by side
# (pytest-xdist workers) on one host without fighting over config-127.0.0.1.php.
ROUTER_PHP = """<?php
$_SERVER['WORDPRESS_CONFIG'] = '{name}';
return false;
"""

CONFIG_PHP = """<?php
/* written by daemon/devservers/wordpress.py for a private test instance; removed when it stops */
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp');
define('DB_HOST', '127.0.0.1:{db_port}');
define('WP_CONTENT_DIR', '{content}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
"""

# Runs on every mariadbd start; IF NOT EXISTS makes a restart harmless.
INIT_SQL = """\
CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'wp'@'%' IDENTIFIED BY 'wp';
GRANT ALL ON wordpress.* TO 'wp'@'%';
"""

# No outgoing HTTP from the test site: install.php would otherwise call itself to probe pretty
# permalinks, and single-process `php -S` cannot answer while it waits (seconds lost per probe).
MU_PLUGIN_PHP = """<?php
add_filter('pre_http_request', function () {
    return new WP_Error('http_request_blocked', 'outgoing HTTP is off in the test WordPress');
}, 1);
"""

APP_PASSWORD_PHP = """<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1:{port}';
$_SERVER['WORDPRESS_CONFIG'] = '{name}';
require '{root}/wp-load.php';
$user = get_user_by('login', '{user}');
$made = WP_Application_Passwords::create_new_application_password($user->ID, ['name' => 'liputan']);
if (is_wp_error($made)) {{ fwrite(STDERR, $made->get_error_message()); exit(1); }}
echo $made[0];
"""

PERMALINKS_PHP = """<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1:{port}';
$_SERVER['WORDPRESS_CONFIG'] = '{name}';
require '{root}/wp-load.php';
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('{structure}');
$wp_rewrite->flush_rules(false);
"""


def _require(path: str, what: str) -> str:
    found = shutil.which(path) or (path if os.path.isfile(path) else None)
    if not found:
        raise RuntimeError(f"{what} not found: install the Debian packages {PACKAGES} "
                           f"(apt-get install -y --no-install-recommends {PACKAGES}; .ci/run does)")
    return found


class WordPress(_Managed):
    """WordPress served by `php -S 127.0.0.1:port` over a MariaDB in base_dir; admin user and an application password.

    After start(): `url`, `user`, `password` (the admin's login password) and `app_password`
    (for the REST API's Basic auth).
    """

    def __init__(self, base_dir: str | Path, port: int | None = None, user: str = "admin",
                 password: str = "rahasia-admin-123", title: str = "Diskominfotik Bengkalis (uji)",
                 permalinks: str | None = None):
        self.base = Path(base_dir).resolve()
        self.port = port or free_port()
        self.db_port = free_port()
        self.user, self.password, self.title = user, password, title
        self.app_password = ""
        # e.g. "/%postname%/": pretty permalinks, so the REST API also answers at /wp-json/
        self.permalinks = permalinks
        self.name = f"liputan-{uuid.uuid4().hex[:12]}"
        self._db: subprocess.Popen | None = None
        self._php: subprocess.Popen | None = None
        self.php = _require("php", "php (php-cli)")
        self.install_db = _require("mariadb-install-db", "mariadb-install-db (mariadb-server)")
        self.mariadbd = _require("/usr/sbin/mariadbd", "mariadbd (mariadb-server)")
        if not (WP_ROOT / "wp-load.php").is_file():
            raise RuntimeError(f"WordPress not found in {WP_ROOT}: install the Debian packages {PACKAGES} "
                               f"(apt-get install -y --no-install-recommends {PACKAGES}; .ci/run does)")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_file(self) -> Path:
        return WP_ETC / f"config-{self.name}.php"

    def start(self) -> "WordPress":
        self.base.mkdir(parents=True, exist_ok=True)
        try:
            self._start_mariadb()
            self._start_php()
            wait_port(self.port, up=True, timeout=10)
            self._install()
            self.app_password = self._run_php("app-password.php", APP_PASSWORD_PHP, user=self.user)
            if not self.app_password:
                raise RuntimeError("no application password was created")
            if self.permalinks:
                self._run_php("permalinks.php", PERMALINKS_PHP, structure=self.permalinks)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_php(self) -> None:
        content = self.base / "wp-content"
        (content / "uploads").mkdir(parents=True, exist_ok=True)
        (content / "mu-plugins").mkdir(exist_ok=True)
        (content / "mu-plugins" / "liputan-no-http.php").write_text(MU_PLUGIN_PHP)
        WP_ETC.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(CONFIG_PHP.format(db_port=self.db_port, content=content))
        router = self.base / "router.php"
        router.write_text(ROUTER_PHP.format(name=self.name))
        log = open(self.base / "php.log", "ab")
        self._php = subprocess.Popen([self.php, "-S", f"127.0.0.1:{self.port}", "-t", str(WP_ROOT), str(router)],
                                     cwd=WP_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()

    def _start_mariadb(self) -> None:
        data, tmp = self.base / "db", self.base / "tmp"
        # A starting mariadbd deletes every #sql* file in its tmpdir: a shared /tmp lets two instances
        # (pytest-xdist workers) destroy each other's temporary tables during bootstrap.
        tmp.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(tmp)}
        if not (data / "mysql").is_dir():
            res = subprocess.run([self.install_db, "--no-defaults", "--user=root", f"--datadir={data}",
                                  "--skip-test-db", "--auth-root-authentication-method=normal"],
                                 capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
            if res.returncode != 0:
                raise RuntimeError(f"mariadb-install-db failed: {res.stderr.strip()[-2000:]}")
        (self.base / "init.sql").write_text(INIT_SQL)
        log = open(self.base / "mariadb.log", "ab")
        self._db = subprocess.Popen(
            [self.mariadbd, "--no-defaults", "--user=root", f"--datadir={data}",
             f"--socket={self.base / 'mariadb.sock'}", f"--pid-file={self.base / 'mariadb.pid'}",
             f"--port={self.db_port}", "--bind-address=127.0.0.1", f"--init-file={self.base / 'init.sql'}",
             f"--tmpdir={tmp}",
             "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=32M",
             "--innodb-log-file-size=16M", "--skip-name-resolve"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        log.close()
        try:
            wait_port(self.db_port, up=True, timeout=30)
        except TimeoutError:
            tail = (self.base / "mariadb.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"mariadbd did not start: {tail}") from None

    def _install(self) -> None:
        form = urllib.parse.urlencode({
            "weblog_title": self.title, "user_name": self.user, "admin_password": self.password,
            "admin_password2": self.password, "pw_weak": "1", "admin_email": "admin@bengkaliskab.go.id",
            "blog_public": "0", "language": ""}).encode()
        req = urllib.request.Request(f"{self.url}/wp-admin/install.php?step=2", data=form)
        with urllib.request.urlopen(req, timeout=60) as resp:
            page = resp.read().decode("utf-8", "replace")
        if "wp-login.php" not in page and "already installed" not in page:
            raise RuntimeError(f"WordPress install did not finish: {page[-1500:]}")

    def _run_php(self, name: str, template: str, **values: str) -> str:
        """Run a PHP script inside this WordPress (wp-load.php) and return its last line of output."""
        script = self.base / name
        script.write_text(template.format(port=self.port, name=self.name, root=WP_ROOT, **values))
        res = subprocess.run([self.php, str(script)], capture_output=True, text=True, cwd=WP_ROOT,
                             stdin=subprocess.DEVNULL, timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"{name} failed: {res.stderr.strip() or res.stdout.strip()}")
        lines = res.stdout.strip().splitlines()
        return lines[-1] if lines else ""

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the PHP server's log, for a failing test's message."""
        path = self.base / "php.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def _end(self, proc: subprocess.Popen | None, port: int) -> None:
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._end(self._php, self.port)
        self._php = None
        self._end(self._db, self.db_port)
        self._db = None
        self.config_file.unlink(missing_ok=True)

    def info(self) -> dict[str, Any]:
        return {"url": self.url, "user": self.user, "app_password": self.app_password}
