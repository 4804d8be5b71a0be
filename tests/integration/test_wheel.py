"""The wheel carries templates/ and rules/ as daemon/_data/...: a non-editable install works outside the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import sys
    from datetime import datetime
    from pathlib import Path
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    import yaml

    import daemon
    from daemon.core import lexicon, resources
    from daemon.mail import mails
    from daemon.paperwork import letter_context, letters

    site, checkout = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()

    def installed(path):
        path = Path(path).resolve()
        assert path.is_relative_to(site) and not path.is_relative_to(checkout), path
        return path

    installed(daemon.__file__)
    import importlib
    for init in sorted((checkout / "daemon").rglob("__init__.py")):  # every package is in the wheel
        name = ".".join(init.parent.relative_to(checkout).parts)
        if "_data" not in name and "__pycache__" not in name:
            installed(importlib.import_module(name).__file__)
    assert installed(resources.rules_dir()) == site / "daemon" / "_data" / "rules"
    installed(mails.TEMPLATE_DIR)
    r = SimpleNamespace(code="LPT-2026-0001", title="Musrenbang", requester="Kantor Camat Bantan",
                        requester_email="camat@example.org", event_start=datetime(2026, 12, 7, 9),
                        event_end=None, until_done=True, location="Aula", outside_island=False,
                        letter_number=None, contact_name=None, contact_phone=None)
    office = yaml.safe_load((resources.rules_dir() / "office.yaml").read_text(encoding="utf-8"))
    subject, text, _ = mails.render("ack", tag="[LPT-2026-0001]", r=r, office=office)
    assert "LPT-2026-0001" in subject and "Musrenbang" in text, text
    assert any(lexicon.default_lexicon().values()), "empty lexicon"
    spt = installed(letters.template_path(letters.SPT_TEMPLATE))
    assert spt.is_file()
    now = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
    request = {"code": r.code, "title": r.title, "start": now, "location": r.location,
               "requester": r.requester}
    ctx = letter_context.spt_context(office, request, [], "1/2026", office["roles"]["kadis"], [], None, now)
    out = letters.render(letters.SPT_TEMPLATE, ctx, Path("spt.docx"))
    assert out.stat().st_size > 1000
    print("ok", resources.templates_dir("letters"))
''')

EDITABLE_SCRIPT = textwrap.dedent('''
    from daemon.core import lexicon, resources
    from daemon.paperwork import letters
    assert any(lexicon.default_lexicon().values())
    print(resources.rules_dir(), resources.templates_dir("letters"),
          letters.template_path(letters.SPT_TEMPLATE).is_file())
''')


CAN_BUILD = ("import importlib.util, setuptools; "
             "v = tuple(int(p) for p in setuptools.__version__.split('.')[:2]); "
             "raise SystemExit(importlib.util.find_spec('wheel') is None and v < (70, 1))")


def can_build_without_isolation(python: Path | str) -> bool:
    """bdist_wheel comes from the `wheel` package, or from setuptools itself since 70.1."""
    return subprocess.run([str(python), "-c", CAN_BUILD], capture_output=True).returncode == 0


def source_copy(where: Path) -> Path:
    """The files a build reads, copied so that no build/ or stale build/lib of the checkout is involved."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("daemon", "templates", "rules"):
        shutil.copytree(REPO / name, where / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, where / name)
    return where


def pip(python: Path | str, *args: str) -> None:
    isolation = ["--no-build-isolation"] if can_build_without_isolation(python) else []
    command = [str(python), "-m", "pip", *args[:1], "-q", "--no-deps", *isolation, *args[1:]]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


def build_wheel(source: Path, out: Path) -> Path:
    pip(sys.executable, "wheel", "-w", str(out), str(source))
    return next(out.glob("liputan-*.whl"))


def venv(where: Path) -> Path:
    """A venv that sees the system's packages (pip, dependencies: nothing is downloaded)."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(where)],
                   check=True, timeout=120)
    return where / "bin" / "python"


def run_outside(python: Path, tmp_path: Path, code: str, *args: str) -> str:
    """Run `code` from a folder outside any checkout, isolated from the caller's sys.path."""
    outside = tmp_path / "elsewhere"
    outside.mkdir(exist_ok=True)
    (outside / "check.py").write_text(code, encoding="utf-8")
    run = subprocess.run([str(python), "-I", "check.py", *args], cwd=outside, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_installed_wheel_reads_its_own_templates_and_rules(tmp_path: Path) -> None:
    wheel = build_wheel(source_copy(tmp_path / "src"), tmp_path / "dist")
    python = venv(tmp_path / "venv")
    pip(python, "install", "--force-reinstall", "--no-compile", "--no-warn-script-location", str(wheel))
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    assert run_outside(python, tmp_path, SCRIPT, site, str(REPO)).startswith("ok ")


def test_an_editable_install_reads_the_checkout(tmp_path: Path) -> None:
    source = source_copy(tmp_path / "src")
    python = venv(tmp_path / "venv")
    pip(python, "install", "--force-reinstall", "--no-compile", "--no-warn-script-location", "-e", str(source))
    out = run_outside(python, tmp_path, EDITABLE_SCRIPT)
    assert out.split() == [str(source / "rules"), str(source / "templates" / "letters"), "True"]
