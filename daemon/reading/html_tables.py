"""The tables of an HTML letter as rows of cells: imported only when a letter has HTML (bs4 is ~8 MB)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

Table = list[list[str]]


def _clean(text: str) -> str:
    return re.sub(r"[ \t\xa0]+", " ", text or "").strip()


def html_tables(html: str) -> list[Table]:
    """The rows of every HTML table, with rowspan/colspan cells repeated into the grid."""
    soup = BeautifulSoup(html, "lxml")
    tables: list[Table] = []
    for table in soup.find_all("table"):
        if table.find("table"):
            continue  # layout table around the real ones
        tables.append(_grid(table))
    return [t for t in tables if t]


def _grid(table) -> Table:
    rows: Table = []
    pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows left)
    for tr in table.find_all("tr"):
        row: list[str] = []
        cells = list(tr.find_all(["td", "th"]))
        col = 0
        while cells or col in pending:
            if col in pending:
                text, left = pending.pop(col)
                row.append(text)
                if left > 1:
                    pending[col] = (text, left - 1)
                col += 1
                continue
            cell = cells.pop(0)
            text = _clean(cell.get_text(" "))
            span = _int(cell.get("rowspan"))
            for _ in range(_int(cell.get("colspan"))):
                if span > 1:
                    pending[col] = (text, span - 1)
                row.append(text)
                col += 1
        rows.append(row)
    return rows


def _int(value) -> int:
    try:
        return max(1, min(int(value), 50))
    except (TypeError, ValueError):
        return 1
