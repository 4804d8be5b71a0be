"""`liputan check`: the shipped config and rules pass; mistakes are named by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from daemon.app.cli import main

REPO = Path(__file__).resolve().parents[2]


def rules_copy(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    cfg = tmp_path / "liputan.toml"
    cfg.write_text((REPO / "systemd" / "liputan.toml").read_text().replace('dir = "../rules"', 'dir = "rules"'))
    return cfg, rules


def test_it_accepts_the_shipped_config_and_rules(capsys):
    assert main(["check", "-c", str(REPO / "systemd" / "liputan.toml")]) == 0
    assert "ok" in capsys.readouterr().out


def test_it_names_file_and_line_of_a_misspelled_key(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    text = (rules / "office.yaml").read_text()
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.strip().startswith("skills:"))
    lines[n] = lines[n].replace("skills:", "skils:")
    (rules / "office.yaml").write_text("\n".join(lines) + "\n")
    assert main(["check", "-c", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert f"office.yaml:{n + 1}:" in err and "skils" in err


def test_it_names_file_and_line_of_a_wrong_type(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    lines = (rules / "sop.yaml").read_text().splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.strip() == "minutes: 15")
    lines[n] = lines[n].replace("15", "lima belas")
    (rules / "sop.yaml").write_text("\n".join(lines) + "\n")
    assert main(["check", "-c", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert f"sop.yaml:{n + 1}:" in err and "integer" in err


def test_it_rejects_a_step_leading_nowhere(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    text = (rules / "sop.yaml").read_text().replace("then: {approve: 3,", "then: {approve: 33,")
    (rules / "sop.yaml").write_text(text)
    assert main(["check", "-c", str(cfg)]) == 2
    assert "step 33" in capsys.readouterr().err


@pytest.mark.parametrize("edit, expect", [
    (("port = 993", 'port = "imap"'), "mailbox.port"),
    (("[smtp]", "[smtp]\nretries = 3"), "unknown setting 'smtp.retries'"),
    (('timezone = "Asia/Jakarta"', 'timezone = "Asia/Bengkalis"'), "unknown time zone"),
    (("[paths]", "[paths"), "not valid TOML"),
])
def test_it_names_the_line_of_a_config_mistake(tmp_path, capsys, edit, expect):
    cfg, _ = rules_copy(tmp_path)
    cfg.write_text(cfg.read_text().replace(*edit))
    assert main(["check", "-c", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "liputan.toml:" in err and expect in err


def test_a_bad_nip_is_refused(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    text = (rules / "office.yaml").read_text().replace('"19680411 199303 1 009"', '"1968"', 1)
    (rules / "office.yaml").write_text(text)
    assert main(["check", "-c", str(cfg)]) == 2
    assert "18 digits" in capsys.readouterr().err
