"""The newest migration read from the migration files' own lines, without SQLAlchemy or Alembic."""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
# `revision = '0008'` / `down_revision = '0007'` (or None) in a migration file, as Alembic writes them
REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.*?)\s*(?:#.*)?$", re.MULTILINE)
PLAIN = re.compile(r"""^(?:None|'([\w-]+)'|"([\w-]+)")$""")


def head_from_files(migrations: Path = MIGRATIONS) -> str | None:
    """The one head of a simple chain of migrations; None when a file is not that simple (a merge,
    a branch): Alembic must then be asked."""
    revisions, parents = set(), set()
    for path in sorted((migrations / "versions").glob("*.py")):
        found = {name: PLAIN.match(value) for name, value in REVISION_LINE.findall(path.read_text())}
        if not found and path.name == "__init__.py":
            continue
        if set(found) != {"revision", "down_revision"} or None in found.values():
            return None
        revision, parent = (next((g for g in m.groups() if g), None) for m in
                            (found["revision"], found["down_revision"]))
        revisions.add(revision)
        parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and None in parents else None
