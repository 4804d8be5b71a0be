"""The [status] and [metrics] sections: defaults for an old config, a bad address named by line,
a warning for an endpoint open to the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.core.config import load_config
from daemon.core.errors import ConfigError
from daemon.devservers.config import write_config

REPO = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, **extra) -> Path:
    return write_config(tmp_path / "liputan.toml", imap_port=1143, smtp_port=1025,
                        database=f"sqlite:///{tmp_path / 'l.db'}", rules=REPO / "rules", extra=extra)


def test_an_existing_config_gets_the_defaults(tmp_path):
    cfg = load_config(config(tmp_path))
    assert (cfg.status.heartbeat_seconds, cfg.status.stale_seconds) == (5, 30)
    assert cfg.metrics.listen is None and cfg.metrics.address() is None


def test_the_metrics_address(tmp_path):
    cfg = load_config(config(tmp_path, metrics={"listen": "127.0.0.1:9464"}))
    assert cfg.metrics.address() == ("127.0.0.1", 9464)
    assert not [w for w in cfg.warnings() if "loopback" in w]
    cfg = load_config(config(tmp_path, metrics={"listen": "0.0.0.0:9464"}))
    assert any("not a loopback address" in w for w in cfg.warnings())


@pytest.mark.parametrize("bad", ["9464", "127.0.0.1:", "127.0.0.1:99999", "host:port"])
def test_a_bad_metrics_address_is_named_with_its_line(tmp_path, bad):
    path = config(tmp_path, metrics={"listen": bad})
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "HOST:PORT" in str(exc.value) and exc.value.line is not None


def test_a_stale_time_must_be_positive(tmp_path):
    with pytest.raises(ConfigError):
        load_config(config(tmp_path, status={"stale_seconds": 0}))
