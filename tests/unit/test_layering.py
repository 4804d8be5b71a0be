"""The package's layers import downward only, and no module imports itself back, not even
through an import inside a function (grimp reads every import statement)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["daemon.app", "daemon.sop", "daemon.publish", "daemon.archive", "daemon.delivery", "daemon.paperwork", "daemon.reading", "daemon.mail", "daemon.core"]


def layer_of(module: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return i
    return None


def upward_imports(graph) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a lower layer imports a higher one."""
    out = []
    for importer in graph.modules:
        low = layer_of(importer)
        if low is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            high = layer_of(imported)
            if high is not None and high < low:
                out.append((importer, imported))
    return sorted(out)


def cycles(graph) -> list[list[str]]:
    """Every module that can reach itself through imports, with one such path."""
    found = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                found.append([module, *chain])
                break
    return found


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("daemon", include_external_packages=False)


def test_no_layer_imports_a_higher_one(graph) -> None:
    assert upward_imports(graph) == []


def test_no_import_cycles(graph) -> None:
    assert cycles(graph) == []


def test_the_checks_fail_on_a_deliberate_cycle(graph) -> None:
    graph.add_import(importer="daemon.core.models", imported="daemon.sop.engine")
    assert ("daemon.core.models", "daemon.sop.engine") in upward_imports(graph)
    assert any(c[0] == "daemon.core.models" for c in cycles(graph))


def test_an_import_inside_a_function_counts(tmp_path: Path, monkeypatch) -> None:
    pkg = tmp_path / "layered"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    for sub in ("", "low", "high"):
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "high" / "top.py").write_text("from layered.low import base\n")
    (pkg / "low" / "base.py").write_text("def f():\n    from layered.high import top\n    return top\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    g = grimp.build_graph("layered", include_external_packages=False, cache_dir=None)
    assert g.find_shortest_chain(importer="layered.low.base", imported="layered.high.top")
    assert cycles(g)


def test_the_import_linter_contract_is_kept() -> None:
    """The same layers as declared in pyproject.toml, checked by import-linter itself."""
    lint = Path(sys.executable).with_name("lint-imports")
    cmd = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    done = subprocess.run(cmd + ["--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
