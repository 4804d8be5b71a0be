"""A news text's title, body and lead from .docx, .txt and .md, whatever the editor it came from."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from daemon.delivery.news import News, NewsProblem, news_from_text, read_news

TITLE = "Bupati Resmikan Gedung SD Negeri 3 Bengkalis"
LEAD = "BENGKALIS - Bupati Bengkalis meresmikan gedung baru SD Negeri 3 pada Senin (30/11/2026)."
SECOND = "Gedung tersebut dibangun dengan dana APBD 2026."


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def test_the_first_line_is_the_title_and_the_first_paragraph_the_lead() -> None:
    news = news_from_text(f"\n\n{TITLE}\n\n{LEAD}\n\n{SECOND}\n")
    assert news == News(title=TITLE, body=f"{LEAD}\n\n{SECOND}", lead=LEAD)


def test_a_hard_wrapped_first_paragraph_is_joined_into_one_lead() -> None:
    news = news_from_text(f"{TITLE}\nBENGKALIS - Bupati Bengkalis meresmikan\ngedung baru.\n\n{SECOND}")
    assert news.lead == "BENGKALIS - Bupati Bengkalis meresmikan gedung baru."


def test_without_blank_lines_each_line_is_a_paragraph() -> None:
    assert news_from_text(f"{TITLE}\n{LEAD}\n{SECOND}").lead == LEAD


def test_markdown_heading_marks_and_emphasis_are_removed_from_the_title() -> None:
    assert news_from_text(f"# {TITLE} #\n\n{LEAD}").title == TITLE
    assert news_from_text(f"**{TITLE}**\n{LEAD}").title == TITLE


def test_bom_crlf_and_lone_cr_are_handled() -> None:
    news = news_from_text(f"\ufeff{TITLE}\r\n\r\n{LEAD}\r\n\r\n{SECOND}\r")
    assert (news.title, news.lead, news.body) == (TITLE, LEAD, f"{LEAD}\n\n{SECOND}")


def test_a_title_without_body_is_a_problem_in_indonesian() -> None:
    with pytest.raises(NewsProblem, match="hanya berisi judul; isi berita belum ada"):
        news_from_text(f"{TITLE}\n\n   \n")


def test_an_empty_text_is_a_problem_in_indonesian() -> None:
    with pytest.raises(NewsProblem, match="Naskah berita kosong"):
        news_from_text(" \n\t\n")


def test_a_heading_mark_alone_is_no_title() -> None:
    with pytest.raises(NewsProblem, match="tidak memiliki judul"):
        news_from_text(f"#\n{LEAD}")


def test_it_reads_a_docx_made_with_word(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "naskah.docx", [TITLE, "", LEAD, "", "", SECOND])
    news = read_news(path)
    assert news == News(title=TITLE, body=f"{LEAD}\n\n{SECOND}", lead=LEAD)


def test_a_docx_with_only_a_title_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(NewsProblem, match="isi berita belum ada"):
        read_news(make_docx(tmp_path / "naskah.docx", [TITLE]))


def test_it_reads_a_cp1252_text_from_old_notepad(tmp_path: Path) -> None:
    text = f"{TITLE}\r\n\r\nKafe \u201cCaf\u00e9 Melayu\u201d dibuka \u2013 ramai.\r\n"
    (tmp_path / "naskah.txt").write_bytes(text.encode("cp1252"))
    news = read_news(tmp_path / "naskah.txt")
    assert news.title == TITLE and news.lead == "Kafe \u201cCaf\u00e9 Melayu\u201d dibuka \u2013 ramai."


def test_it_reads_utf8_markdown_with_a_bom(tmp_path: Path) -> None:
    (tmp_path / "naskah.md").write_bytes(f"\ufeff## {TITLE}\n\n{LEAD}\n".encode("utf-8"))
    assert read_news(tmp_path / "naskah.md").title == TITLE


def test_binary_content_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "naskah.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(NewsProblem, match="bukan teks"):
        read_news(tmp_path / "naskah.txt")


def test_a_broken_docx_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    data = make_docx(tmp_path / "asli.docx", [TITLE, LEAD]).read_bytes()
    (tmp_path / "naskah.docx").write_bytes(data[: len(data) // 2])
    with pytest.raises(NewsProblem, match="rusak"):
        read_news(tmp_path / "naskah.docx")
