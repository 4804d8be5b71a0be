"""The variables a .docx template uses, read by docxtpl once per template content (cached by hash)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger("daemon.core.template_cache")
# docxtpl (with jinja2 and python-docx) costs ~0.8 s to import and read four letters: `liputan
# check` asks it only for a template whose bytes (or docxtpl's version) it has not seen
CACHE_FILE = "template-variables.json"


def cache_path() -> Path:
    """LIPUTAN_CACHE_DIR, else systemd's CacheDirectory= ($CACHE_DIRECTORY), else
    $XDG_CACHE_HOME/liputan, else ~/.cache/liputan."""
    if own := os.environ.get("LIPUTAN_CACHE_DIR") or os.environ.get("CACHE_DIRECTORY", "").split(":")[0]:
        return Path(own) / CACHE_FILE
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "liputan" / CACHE_FILE


def variables(path: Path, data: bytes | None = None, *, apart: bool = False) -> tuple[list[str], str | None]:
    """(variables used, None) or ([], "broken tag ...") for a template (its bytes `data` when
    given, else read from `path`); OSError and damaged files raise, and are never cached.

    `apart` (the daemon's start): a template not in the cache is read by docxtpl in a short child
    process, so the long-running main process never imports docxtpl, python-docx and lxml (~7 MB;
    the forked letter workers import them for their renders). A child that fails (a damaged
    file) leaves it to this process, which raises as before."""
    data = Path(path).read_bytes() if data is None else data
    key = f"{hashlib.sha256(data).hexdigest()}:docxtpl-{docxtpl_version()}"
    cache = _read()
    if isinstance(hit := cache.get(key), dict) and isinstance(hit.get("used"), list):
        return [str(v) for v in hit["used"]], hit.get("broken")
    used, broken = (_read_apart(data) if apart else None) or _read_template(data)
    cache[key] = {"used": used, "broken": broken}
    _write(cache)
    return used, broken


def docxtpl_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("docxtpl")
    except PackageNotFoundError:
        return "none"


def _read_apart(data: bytes) -> tuple[list[str], str | None] | None:
    """_read_template in `python -m daemon.core.template_cache` (the bytes on stdin); None when the
    child could not say (the caller then reads it itself)."""
    import subprocess
    import sys
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    try:
        done = subprocess.run([sys.executable, "-m", "daemon.core.template_cache"], input=data,
                              capture_output=True, timeout=120, env=env, check=False)
        if done.returncode != 0:
            return None
        used, broken = json.loads(done.stdout)
        return [str(v) for v in used], (str(broken) if broken is not None else None)
    except (OSError, subprocess.SubprocessError, ValueError, TypeError) as exc:
        log.debug("template not read in a child process: %s", exc)
        return None


def _read_template(data: bytes) -> tuple[list[str], str | None]:
    import io

    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError
    try:
        return sorted(DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables()), None
    except TemplateSyntaxError as exc:
        return [], f"broken tag (line {exc.lineno} of its text): {exc.message}"


def _read() -> dict:
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(cache: dict) -> None:
    """Best effort and atomic: a read-only home only means docxtpl is asked next time too."""
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(dict(list(cache.items())[-64:]), indent=0), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("template cache not written: %s", exc)


if __name__ == "__main__":  # the template's bytes on stdin -> [variables, broken] as JSON
    import sys
    print(json.dumps(_read_template(sys.stdin.buffer.read())))
