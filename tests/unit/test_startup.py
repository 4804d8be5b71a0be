"""Start-up: `liputan --help` and `liputan check` load no database layer and no engine, and the
faster paths (libyaml, the template cache, the kinds' names) find what the slow ones found."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from daemon.core import template_cache, yamlfile
from daemon.core.errors import DEFAULT_KINDS

REPO = Path(__file__).resolve().parents[2]
ENTRY = "import sys; from daemon.app.cli import main; sys.exit(main())"
HEAVY = ("sqlalchemy", "alembic", "daemon.core.db", "daemon.core.models", "daemon.sop.engine",
         "daemon.sop.kinds", "docxtpl")


def python(code: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                          cwd=REPO, timeout=60, env=env)


def loaded_after(argv: list[str], env: dict | None = None) -> set[str]:
    """The heavy modules in sys.modules once `liputan ARGV` has run (in a fresh interpreter)."""
    code = ("import sys\nfrom daemon.app.cli import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            f"print('LOADED', *[m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)")
    done = python(code, *argv, env=env)
    assert done.returncode == 0, done.stderr
    return set(done.stderr.split("LOADED", 1)[1].split())


def test_importing_the_cli_loads_no_database_layer():
    assert loaded_after(["--help"]) == set()
    code = "import sys, daemon.app.cli as c; c.parser(); print('pydantic' in sys.modules)"
    assert python(code).stdout.strip() == "False"  # nor the config's models


def test_help_starts_about_as_fast_as_python_itself():
    def median(argv: list[str]) -> float:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, *argv], cwd=REPO, capture_output=True, check=True)
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    base = median(["-c", "pass"])
    helps = median(["-c", ENTRY, "--help"])
    assert helps < 3 * base + 0.3, f"--help {helps:.3f} s, python -c pass {base:.3f} s"


def test_check_of_a_fresh_install_loads_neither_database_nor_engine(tmp_path):
    cfg = tmp_path / "liputan.toml"
    text = (REPO / "systemd" / "liputan.toml").read_text()
    cfg.write_text(text.replace('dir = "../rules"', f'dir = "{REPO / "rules"}"')
                   .replace("sqlite:////var/lib/liputan/liputan.db", f"sqlite:///{tmp_path / 'db' / 'x.db'}"))
    env = {"PATH": "/usr/bin:/bin", "LIPUTAN_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    assert loaded_after(["check", "-c", str(cfg)], env) == {"docxtpl"}  # the first check reads them
    assert loaded_after(["check", "-c", str(cfg)], env) == set()  # then knows them by their hash
    assert not (tmp_path / "db").exists()  # a check creates no database


def test_the_kinds_check_knows_are_the_engines():
    from daemon.sop.kinds import KINDS
    assert set(KINDS) == set(DEFAULT_KINDS)


@pytest.mark.parametrize("name", ["sop.yaml", "office.yaml", "places.yaml", "lexicon.yaml"])
def test_libyaml_reads_the_rules_as_the_python_parser_does(name, monkeypatch):
    text = (REPO / "rules" / name).read_text()
    fast = yamlfile.parse(text, name)
    monkeypatch.setattr(yamlfile, "LOADER", yaml.SafeLoader)
    slow = yamlfile.parse(text, name)
    assert fast == slow and fast[0] == yaml.safe_load(text)


def test_a_broken_yaml_file_still_names_its_line():
    with pytest.raises(yamlfile.ConfigError) as info:
        yamlfile.parse("steps:\n  - number: 1\n   kind: [intake\n", "sop.yaml")
    assert info.value.line in (3, 4) and "not valid YAML" in str(info.value)


def test_the_template_cache_asks_again_when_the_template_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("LIPUTAN_CACHE_DIR", str(tmp_path / "cache"))
    letters = REPO / "templates" / "letters"
    spt = next(p for p in sorted(letters.glob("*.docx")) if "spt" in p.name.lower())
    copy = tmp_path / spt.name
    shutil.copy(spt, copy)
    reads = []
    real = template_cache._read_template
    monkeypatch.setattr(template_cache, "_read_template", lambda p: reads.append(p) or real(p))
    first = template_cache.variables(copy)
    assert template_cache.variables(copy) == first and len(reads) == 1
    assert "number" in first[0] and first[1] is None
    other = next(p for p in sorted(letters.glob("*.docx")) if p.name != spt.name)
    shutil.copy(other, copy)  # same name, other content
    assert template_cache.variables(copy) != first and len(reads) == 2
