"""What a SIGHUP reads: the config and rules as at start-up; a bad change is refused with its
file and line, and leaves nothing of itself behind (the office's zone included)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from daemon.app import reload
from daemon.core import indonesian
from daemon.core.config import load_config
from daemon.devservers.config import write_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def setup(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    path = write_config(tmp_path / "liputan.toml", imap_port=1, smtp_port=1,
                        database=f"sqlite:///{tmp_path / 'x.db'}", rules=rules)
    cfg = load_config(path)
    indonesian.set_zone(cfg.office.timezone)
    yield cfg, rules, path
    indonesian.set_zone(cfg.office.timezone)


def test_a_valid_change_is_read(setup):
    cfg, rules, _ = setup
    lexicon = rules / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text().replace("approve:\n", "approve:\n  - gaspol\n", 1))
    new_cfg, ctx = reload.load(cfg)
    assert "gaspol" in ctx.lexicon["approve"] and new_cfg.source == cfg.source


def test_a_kind_the_engine_does_not_know_is_refused_with_its_line(setup):
    cfg, rules, _ = setup
    sop = rules / "sop.yaml"
    lines = sop.read_text().splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.strip() == "kind: plan")
    lines[n] = lines[n].replace("plan", "telegram")
    sop.write_text("\n".join(lines) + "\n")
    with pytest.raises(reload.Refused, match=rf"sop.yaml:{n + 1}: .*unknown kind 'telegram'"):
        reload.load(cfg)


def test_a_broken_config_is_refused_and_the_zone_stays(setup):
    cfg, rules, path = setup
    text = path.read_text()
    path.write_text(text.replace('timezone = "Asia/Jakarta"', 'timezone = "Asia/Jayapura"')
                    .replace("[rules]", "[rules]\nbogus = 1", 1))
    with pytest.raises(reload.Refused, match="liputan.toml"):
        reload.load(cfg)
    path.write_text(text.replace('timezone = "Asia/Jakarta"', 'timezone = "Asia/Jayapura"'))
    (rules / "places.yaml").write_text("kecamatan: [\n")  # the zone is set before the rules fail
    with pytest.raises(reload.Refused, match="places.yaml"):
        reload.load(cfg)
    assert indonesian.office_zone().key == "Asia/Jakarta"


def test_sections_the_workers_took_at_start_wait_for_a_restart(setup):
    cfg, _, path = setup
    path.write_text(path.read_text().replace("port = 1\n", "port = 2\n", 1))
    new_cfg, _ = reload.load(cfg)
    assert reload.waiting_for_restart(cfg, new_cfg) == ["mailbox"]
    assert reload.waiting_for_restart(cfg, cfg) == []
