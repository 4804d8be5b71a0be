"""The validated cache: `liputan check` and the rules and config loaders answer from it only for
the same bytes and code, an edited file is validated again, and what lies outside the files
(password files, the database) is looked at on every run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.app import check
from daemon.core import validated_cache
from daemon.core.config import load_config
from daemon.core.errors import ConfigError
from daemon.core.models import Request
from daemon.core.rules_check import load_rules

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pydantic", "email_validator", "daemon.core.rules", "daemon.core.config", "yaml", "sqlalchemy")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LIPUTAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def setup(tmp_path) -> Path:
    """A config of the shipped one, on a copy of rules/, with a database in tmp_path."""
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    cfg = tmp_path / "liputan.toml"
    text = (REPO / "systemd" / "liputan.toml").read_text()
    cfg.write_text(text.replace('dir = "../rules"', f'dir = "{tmp_path / "rules"}"')
                   .replace("sqlite:////var/lib/liputan/liputan.db", f"sqlite:///{tmp_path / 'x.db'}"))
    return cfg


def liputan_check(cfg: Path, cache: Path) -> tuple[int, str, str, set[str]]:
    """`liputan check` in a fresh interpreter: exit code, output, errors, heavy modules loaded."""
    code = ("import sys\nfrom daemon.app.cli import main\nrc = main(sys.argv[1:])\n"
            f"print('LOADED', *[m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)\n"
            "sys.exit(rc)")
    env = {"PATH": "/usr/bin:/bin", "LIPUTAN_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code, "check", "-c", str(cfg)], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120, check=False)
    err, loaded = done.stderr.split("LOADED", 1)
    return done.returncode, done.stdout, err, set(loaded.split())


def test_a_second_check_answers_the_same_without_the_models(setup, cache):
    first = liputan_check(setup, cache)
    assert first[0] == 0 and ": ok; rules in" in first[1]
    assert {"pydantic", "daemon.core.rules"} <= first[3]
    second = liputan_check(setup, cache)
    assert second[:3] == first[:3]
    assert second[3] == set()  # no pydantic, no email_validator, no YAML, no SQLAlchemy


def test_an_edited_rules_file_is_validated_again(setup, cache):
    assert liputan_check(setup, cache)[0] == 0
    sop = setup.parent / "rules" / "sop.yaml"
    good = sop.read_text()
    sop.write_text(good.replace("kind: disposition", "kind: telegram", 1))
    rc, _, err, loaded = liputan_check(setup, cache)
    assert rc == 1 and "unknown kind 'telegram'" in err and "sop.yaml:" in err
    assert "pydantic" in loaded  # validated, not answered from the cache
    assert liputan_check(setup, cache)[:3] == (rc, _, err)  # the failing verdict is kept too
    sop.write_text(good)
    assert liputan_check(setup, cache)[0] == 0


def test_an_edited_config_and_a_new_file_in_rules_are_checked_again(setup, cache):
    assert liputan_check(setup, cache)[0] == 0
    text = setup.read_text()
    setup.write_text(text.replace("[smtp]", "[smtp]\nport_typo = 1", 1))
    rc, _, err, _ = liputan_check(setup, cache)
    assert rc == 1 and "port_typo" in err
    setup.write_text(text)
    office = setup.parent / "rules" / "office.yaml"
    office.write_text(office.read_text().replace("office:\n", "office:\n  lambang: lambang.png\n", 1))
    rc, _, err, _ = liputan_check(setup, cache)
    assert rc == 1 and "no image 'lambang.png'" in err
    (setup.parent / "rules" / "lambang.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert liputan_check(setup, cache)[0] == 0  # a file added to rules/ is a new key


def test_password_files_are_looked_at_on_every_check(setup, cache, tmp_path):
    secret = tmp_path / "imap-password"
    setup.write_text(setup.read_text().replace("/run/credentials/liputan.service/imap-password",
                                               str(secret)))
    assert "imap-password is not readable here" in liputan_check(setup, cache)[1]
    secret.write_text("rahasia")
    rc, out, _, loaded = liputan_check(setup, cache)
    assert rc == 0 and "imap-password" not in out and loaded == set()


def test_load_rules_validates_only_new_bytes(tmp_path, cache, monkeypatch):
    from daemon.core import rules_check
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    calls = []
    real = rules_check.validated_rules
    monkeypatch.setattr(rules_check, "validated_rules", lambda d: calls.append(d) or real(d))
    first = load_rules(tmp_path / "rules")
    again = load_rules(tmp_path / "rules")
    assert len(calls) == 1 and again == first and again.sop_revision == first.sop_revision
    assert again.office.numbering.pattern("spt") == first.office.numbering.pattern("spt")
    sop = tmp_path / "rules" / "sop.yaml"
    sop.write_text(sop.read_text().replace("kind: disposition", "kind: telegram", 1))
    load_rules(tmp_path / "rules")  # the loader checks no kinds; the bytes changed: validated
    assert len(calls) == 2
    sop.write_text(sop.read_text().replace("minutes:", "minutes: [", 1))
    with pytest.raises(ConfigError):
        load_rules(tmp_path / "rules")


def test_a_cached_config_is_the_validated_one_and_errors_are_never_cached(setup, cache):
    first = load_config(setup)
    second = load_config(setup)
    assert second == first and second.source == setup.resolve()
    assert list(cache.glob("rules/*.pickle"))
    setup.write_text(setup.read_text() + "\n[ha]\nlease_seconds = 1\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match="lease_seconds"):
            load_config(setup)


def test_a_cache_file_others_can_write_is_not_read(cache, caplog):
    validated_cache.store_json("k" * 64, {"a": 1})
    assert validated_cache.load_json("k" * 64) == {"a": 1}
    path = cache / "rules" / f"{'k' * 64}.json"
    assert path.stat().st_mode & 0o777 == 0o600
    os.chmod(path, 0o666)
    assert validated_cache.load_json("k" * 64) is None
    os.chmod(path, 0o600)
    path.write_bytes(b"{not json")
    assert validated_cache.load_json("k" * 64) is None
    (cache / "rules" / f"{'k' * 64}.pickle").write_bytes(b"\x80garbage")
    os.chmod(cache / "rules" / f"{'k' * 64}.pickle", 0o600)
    assert validated_cache.load("k" * 64) is None  # damaged: a miss, not a crash


def test_a_folder_too_large_to_be_rules_is_not_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(validated_cache, "MAX_FILES", 3)
    for i in range(5):
        (tmp_path / f"f{i}").write_text("x")
    assert validated_cache.key("check", [tmp_path]) is None
    assert validated_cache.key("check", [tmp_path / "f0"]) is not None  # not a folder: its absence


def test_open_requests_on_an_older_revision_are_listed_from_either_database(factory, db_url):
    with factory.begin() as s:
        s.add_all([Request(code="LPT-2026-0001", requester_email="a@b.go.id", sop_revision="old1"),
                   Request(code="LPT-2026-0002", requester_email="a@b.go.id", sop_revision="new1"),
                   Request(code="LPT-2026-0003", requester_email="a@b.go.id", sop_revision="old1",
                           state="done")])
    found = check.older_revisions(db_url, "new1")
    assert found == ["LPT-2026-0001 runs on an older SOP revision (old1); it keeps that revision "
                     "until it ends"]


def test_a_database_that_cannot_be_reached_is_said_not_checked():
    found = check.older_revisions("postgresql+psycopg://nobody@127.0.0.1:9/none", "new1")
    assert len(found) == 1 and found[0].startswith("database not checked (")


def test_places_come_from_the_cache_until_the_file_changes(tmp_path, cache, monkeypatch):
    import yaml

    from daemon.core import places
    shutil.copy(REPO / "rules" / "places.yaml", tmp_path / "places.yaml")
    first = places.load_places(tmp_path / "places.yaml")
    parsed = []
    real = yaml.load
    monkeypatch.setattr(yaml, "load", lambda *a, **k: parsed.append(1) or real(*a, **k))
    again = places.load_places(tmp_path / "places.yaml")
    assert parsed == [] and again.resolve("Kec. Mandau") == first.resolve("Kec. Mandau")
    text = (tmp_path / "places.yaml").read_text()
    (tmp_path / "places.yaml").write_text(text.replace("Mandau", "Mandaw"))
    edited = places.load_places(tmp_path / "places.yaml")
    assert parsed == [1] and edited.resolve("Kec. Mandaw").kecamatan is not None
    assert not validated_cache.json_safe({1: "int key"}) and validated_cache.json_safe({"a": [1, "b"]})
