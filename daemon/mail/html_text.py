"""Readable text from an HTML body: imported only when a message has HTML to read (bs4 is ~8 MB)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, CData, NavigableString, Tag


def html_to_text(html: str) -> str:
    """Readable text from HTML: block elements become lines, scripts and styles dropped. One pass
    over the tree without changing it (no recursion: 10,000 nested <div>s are fine), so linear."""
    soup = BeautifulSoup(html, "lxml")
    out: list[str] = []
    stack: list[object] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if type(node) in (NavigableString, CData) or node.__class__ is str:
                out.append(str(node))
            continue
        if not isinstance(node, Tag) or node.name in HIDDEN_TAGS:
            continue
        if node.name == "br":
            out.append("\n")
            continue
        closing = "\t" if node.name in CELL_TAGS else "\n" if node.name in BLOCK_TAGS else None
        if node.name in BLOCK_TAGS:
            out.append("\n")
        if closing:
            stack.append(closing)  # a plain str: emitted after the children
        stack.extend(reversed(node.contents))
    text = "".join(out).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


HIDDEN_TAGS = {"script", "style", "head"}
CELL_TAGS = {"td", "th"}
BLOCK_TAGS = {"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table"}
