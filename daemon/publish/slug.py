"""WordPress-style slugs, for the website channels (here so the local-folder site needs no httpx)."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """A WordPress-style slug: ASCII, lower case, words joined by hyphens ("Bukit Batu" -> "bukit-batu")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
