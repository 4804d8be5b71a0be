"""A news text the team delivered (.docx, .txt, .md): its title, body and lead paragraph."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from daemon.core import quarantine_reasons as reasons
from daemon.delivery.sniff import MAX_TEXT_BYTES, decode_text, open_nofollow


class NewsProblem(ValueError):
    """A news file that cannot be used; the message is for the team, in Indonesian."""

    @classmethod
    def of(cls, code: str, **fields: object) -> NewsProblem:
        """The problem with its reason from the table (daemon/core/quarantine_reasons.py)."""
        return cls(reasons.shown(code, **fields))


@dataclass(frozen=True)
class News:
    title: str
    body: str
    lead: str


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_EMPHASIS = re.compile(r"^([*_]{1,3})(.+?)\1$")


def _clean_title(line: str) -> str:
    title = _HEADING.sub("", line).strip()
    title = title.rstrip("#").strip()
    match = _EMPHASIS.match(title)
    return (match.group(2) if match else title).strip()


def _paragraphs(body: str) -> list[str]:
    """Blocks split by blank lines; a body without blank lines has one paragraph per line."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    if len(blocks) == 1 and "\n" in blocks[0]:
        blocks = [line.strip() for line in blocks[0].split("\n") if line.strip()]
    return [" ".join(block.split()) for block in blocks]


def news_from_text(text: str) -> News:
    """Title = the first non-empty line (markdown '#' removed), body = the rest, lead = its first paragraph."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise NewsProblem.of("news_empty")
    title = _clean_title(lines[first])
    body = "\n".join(line.rstrip() for line in lines[first + 1:]).strip("\n")
    body = re.sub(r"\n{3,}", "\n\n", body)
    if not title:
        raise NewsProblem.of("news_no_title")
    paragraphs = _paragraphs(body)
    if not paragraphs:
        raise NewsProblem.of("news_title_only", title=title)
    return News(title=title, body=body.strip(), lead=paragraphs[0])


def _docx_text(path: Path) -> str:
    import docx  # here: python-docx and lxml (~7 MB) stay out of the main process until a news file comes
    from docx.opc.exceptions import PackageNotFoundError
    try:
        with open_nofollow(path) as fh:
            document = docx.Document(fh)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:  # SyntaxError: lxml
        raise NewsProblem.of("news_docx_unreadable") from exc
    # each Word paragraph is a paragraph of the news: blank lines between them keep it so
    return "\n\n".join(p.text for p in document.paragraphs)


def _plain_text(path: Path) -> str:
    with open_nofollow(path) as fh:
        data = fh.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise NewsProblem.of("news_too_long")
    text = decode_text(data)
    if text is None:
        raise NewsProblem.of("news_not_text")
    return text


def read_news(path: Path) -> News:
    """The news in a .docx, .txt or .md file; NewsProblem says (in Indonesian) what is missing."""
    path = Path(path)
    with open_nofollow(path) as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    return news_from_text(_docx_text(path) if is_zip else _plain_text(path))
