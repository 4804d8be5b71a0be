"""systemd/install.sh into a staging root: the unit passes `systemd-analyze verify` there, rates OK
in the offline security review, the user and folders apply, the installed program checks the
installed config, and a second run (an upgrade) keeps the office's config, rules and data."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_wheel import build_wheel, source_copy

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HOST_UNITS = Path("/usr/lib/systemd/system")
needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("wheel")
    return build_wheel(source_copy(where / "src"), where / "dist")


def install(stage: Path, wheel: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DESTDIR": str(stage), "LIPUTAN_SOURCE": str(wheel),
           "LIPUTAN_PIP_ARGS": "--no-deps --no-index",  # offline and fast: the test's packages
           "LIPUTAN_VENV_ARGS": "--system-site-packages"}
    out = subprocess.run(["sh", str(REPO / "systemd" / "install.sh")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def verify(stage: Path, unit: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", f"--root={stage}", unit], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    root = tmp_path_factory.mktemp("stage")
    first = install(root, wheel)
    assert "tesseract-ocr-ind poppler-utils libreoffice-writer-nogui" in first.stdout
    # the base system's /bin/kill (procps, priority important), which ExecReload= runs
    (root / "bin").mkdir(exist_ok=True)
    shutil.copy2(shutil.which("kill") or "/bin/kill", root / "bin" / "kill")  # a link would resolve in root
    return root


def test_it_installs_the_venv_unit_user_folders_and_docs(stage: Path) -> None:
    liputan = stage / "opt/liputan/bin/liputan"
    assert liputan.read_text().splitlines()[0] == "#!/opt/liputan/bin/python"  # the target's path
    unit = (stage / "etc/systemd/system/liputan.service").read_text()
    docs = re.findall(r"^Documentation=file://(\S+)", unit, re.M)
    assert docs and all((stage / d.lstrip("/")).is_file() for d in docs)
    assert (stage / "usr/lib/sysusers.d/liputan.conf").is_file()
    assert (stage / "usr/lib/tmpfiles.d/liputan.conf").is_file()
    assert 'dir = "rules"' in (stage / "etc/liputan/liputan.toml").read_text()
    assert (stage / "etc/liputan/rules/sop.yaml").is_file()
    for secret in ("imap-password", "smtp-password"):  # LoadCredential= needs the files
        assert (stage / "etc/liputan" / secret).stat().st_mode & 0o077 == 0


def test_the_installed_program_checks_the_installed_config(stage: Path, tmp_path: Path) -> None:
    config = (stage / "etc/liputan/liputan.toml").read_text()
    config = config.replace("/var/lib/liputan", str(tmp_path / "state"))
    config = config.replace("/srv/liputan", str(tmp_path / "srv"))
    config = config.replace('dir = "rules"', f'dir = "{stage}/etc/liputan/rules"')
    (tmp_path / "liputan.toml").write_text(config)
    python = stage / "opt/liputan/bin/python"
    out = subprocess.run([str(python), "-I", "-m", "daemon.app.cli", "check", "-c", str(tmp_path / "liputan.toml")],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    where = subprocess.run([str(python), "-I", "-c", "import daemon; print(daemon.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(stage / "opt/liputan/lib"))


@needs_systemd
def test_the_user_and_folders_apply_in_the_staging_root(stage: Path) -> None:
    subprocess.run(["systemd-sysusers", f"--root={stage}", "liputan.conf"], check=True, timeout=60)
    subprocess.run(["systemd-tmpfiles", f"--root={stage}", "--create", "liputan.conf"], check=True, timeout=60)
    user = next(line.split(":") for line in (stage / "etc/passwd").read_text().splitlines()
                if line.startswith("liputan:"))
    assert user[5] == "/var/lib/liputan" and user[6].endswith("nologin")
    drop, archive = stage / "srv/liputan/hasil-liputan", stage / "srv/liputan/arsip"
    assert drop.stat().st_uid == int(user[2]) and oct(drop.stat().st_mode & 0o7777) == "0o2775"
    assert archive.stat().st_uid == int(user[2]) and oct(archive.stat().st_mode & 0o777) == "0o750"
    assert oct((stage / "etc/liputan").stat().st_mode & 0o777) == "0o750"
    assert (stage / "etc/liputan").stat().st_gid == int(user[3])


@needs_systemd
@pytest.mark.skipif(not HOST_UNITS.is_dir(), reason="no system units to verify against")
def test_systemd_analyze_verifies_the_installed_unit_and_rejects_a_typo(stage: Path) -> None:
    units = stage / "usr/lib/systemd/system"
    if not (units / "sysinit.target").exists():  # the targets the unit orders itself after
        shutil.copytree(HOST_UNITS, units, symlinks=True, dirs_exist_ok=True)
    good = verify(stage, "liputan.service")
    assert good.returncode == 0 and good.stdout + good.stderr == "", good.stdout + good.stderr
    installed = (stage / "etc/systemd/system/liputan.service").read_text()
    typo = stage / "etc/systemd/system/liputan-typo.service"
    typo.write_text(installed.replace("ProtectSystem=strict", "ProtectSytem=strict"))
    try:
        assert "Unknown key 'ProtectSytem'" in verify(stage, typo.name).stderr
    finally:
        typo.unlink()
    binary = stage / "opt/liputan/bin/liputan"
    binary.rename(binary.with_name("moved"))
    try:  # ExecStart= is looked up inside the staging root
        assert verify(stage, "liputan.service").returncode != 0
    finally:
        binary.with_name("moved").rename(binary)


@needs_systemd
def test_the_offline_security_review_rates_the_unit_ok(stage: Path) -> None:
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", f"--root={stage}",
                          "liputan.service"], capture_output=True, text=True, timeout=60)
    level = re.search(r"Overall exposure level for liputan.service: ([\d.]+) (\w+)", out.stdout)
    assert level, out.stdout + out.stderr
    assert level.group(2) in ("PERFECT", "SAFE", "OK") and float(level.group(1)) <= 2.0, level.group(0)


def test_an_upgrade_keeps_the_config_rules_and_data(stage: Path, wheel: Path) -> None:
    config = stage / "etc/liputan/liputan.toml"
    config.write_text(config.read_text() + '\n# edited by the office\n')
    office = stage / "etc/liputan/rules/office.yaml"
    office.write_text(office.read_text() + "# Plt. Kadis from 1 December\n")
    data = stage / "var/lib/liputan/liputan.db"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes(b"the office's requests")
    (stage / "etc/liputan/imap-password").write_text("rahasia")
    before = config.read_text()
    again = install(stage, wheel)
    assert "keeping /etc/liputan/liputan.toml" in again.stdout
    assert "keeping /etc/liputan/rules" in again.stdout
    assert config.read_text() == before
    assert office.read_text().endswith("# Plt. Kadis from 1 December\n")
    assert data.read_bytes() == b"the office's requests"
    assert (stage / "etc/liputan/imap-password").read_text() == "rahasia"
    assert (stage / "opt/liputan/bin/liputan").read_text().startswith("#!/opt/liputan/bin/python\n")
