"""Quoted messages cut out of an HTML reply: imported only when a reply has HTML (bs4 is ~8 MB)."""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag


def clean_html(html: str, from_line: re.Pattern) -> str:
    """HTML with quoted messages removed (Gmail, Outlook, Apple Mail, Thunderbird, Yahoo);
    `from_line` matches the From: line of a quoted header (quotes.py, from the lexicon)."""
    soup = BeautifulSoup(html, "lxml")
    markers = "#appendonsend, #divRplyFwdMsg, div.OutlookMessageHeader, #mail-editor-reference-message-container"
    for marker in soup.select(markers):
        if marker.parent is not None:
            _cut_after(marker)
    for hr in soup.find_all("hr"):  # Outlook: <hr> then a From:/Sent: block
        nxt = hr.find_next(string=True)
        if nxt and from_line.match(str(nxt)):
            _cut_after(hr)
            break
    selectors = ("div.gmail_quote", "blockquote", "div.yahoo_quoted", "div.moz-cite-prefix", "div.gmail_signature",
                 "div[data-smartmail=gmail_signature]", "div.ms-outlook-mobile-reference-message")
    for selector in selectors:
        for node in soup.select(selector):
            node.decompose()
    return str(soup)


def _cut_after(node: Tag) -> None:
    """Remove a node and everything after it in document order."""
    current: Any = node
    while current is not None and getattr(current, "name", None) not in ("body", "html", "[document]"):
        for sibling in list(current.next_siblings):
            sibling.extract()
        current = current.parent
    node.extract()
