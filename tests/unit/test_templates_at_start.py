"""The daemon renders the templates of its own start: files replaced on disk after it started
(an upgrade without a restart) change no mail and no letter; a broken one stops the start."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from harness import CAMAT, KADIS, Office, letter
from test_workflow_bodies import BANTAN

from daemon.app import service
from daemon.core.errors import ConfigError
from daemon.mail import mails, mime
from daemon.paperwork import letters

ROOT = Path(__file__).resolve().parents[2]
NEW_TEXT = "Teks templat baru {{ news_files | length }}\n"  # the upgrade's template: new code's variable


@pytest.fixture()
def templates(tmp_path, monkeypatch):
    """A copy of templates/ the daemon reads, as a deployment's installed files."""
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    monkeypatch.setattr(mails, "TEMPLATE_DIR", copy / "email")
    monkeypatch.setattr(letters, "TEMPLATE_DIR", copy / "letters")
    monkeypatch.setenv("LIPUTAN_CACHE_DIR", str(tmp_path / "cache"))
    mails.forget()
    letters.forget()
    yield copy
    mails.forget()
    letters.forget()


def first_mails(folder: Path, replace=None) -> tuple[str, str, str]:
    """(the requester's acknowledgement, the Kadis's task mail, the disposition sheet's text) of
    one letter, with `replace(templates)` run after the daemon's start."""
    office = Office(folder)
    service.load_templates()
    if replace:
        replace()
    office.deliver(letter(CAMAT, "Permohonan peliputan", BANTAN))
    ack, task = office.last_to(CAMAT), office.last_to(KADIS)
    return (mime.body_text(ack), mime.body_text(task), office.document_text("lembar_disposisi"))


def test_it_keeps_the_templates_of_its_start_when_files_change_on_disk(tmp_path, templates):
    before = first_mails(tmp_path / "before")
    assert "Bantan" in before[0] and before[2]

    def upgrade() -> None:  # every mail template, the shared parts and the letters replaced
        for path in (templates / "email").glob("*.txt"):
            path.write_text(NEW_TEXT, encoding="utf-8")
        for path in (templates / "letters").glob("*.docx"):
            shutil.copy(ROOT / "templates" / "letters" / "spt.docx", path)

    mails.forget()
    letters.forget()
    after = first_mails(tmp_path / "after", upgrade)
    assert after == before
    assert "Teks templat baru" not in after[0] + after[1]


def test_it_reads_the_changed_templates_at_the_next_start(tmp_path, templates):
    """Not a cache that can never change: a restart (a fresh process) reads the files anew."""
    (templates / "email" / "ack.body.txt").write_text("Pesan baru untuk {{ r.code }}.\n",
                                                      encoding="utf-8")
    ack, _, _ = first_mails(tmp_path / "office")
    assert ack.startswith("Pesan baru untuk LPT-")


def test_a_broken_mail_template_stops_the_start_naming_file_and_line(templates, caplog):
    (templates / "email" / "notice.body.txt").write_text("Baik.\n{% if x %}\nTidak selesai\n",
                                                         encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        service.load_templates()
    assert info.value.path.endswith("notice.body.txt") and info.value.line == 3
    assert any("template is broken" in r.message and "notice.body.txt" in r.getMessage()
               for r in caplog.records)


def test_a_broken_letter_template_stops_the_start_naming_the_file(tmp_path, templates):
    spt = templates / "letters" / "spt.docx"
    with zipfile.ZipFile(ROOT / "templates" / "letters" / "spt.docx") as src, \
            zipfile.ZipFile(spt, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{", b"{{ (", 1)  # a tag Word left unclosed
            out.writestr(info.filename, data)
    with pytest.raises(ConfigError) as info:
        service.load_templates()
    assert info.value.path.endswith("spt.docx") and "broken tag" in str(info.value)


def our_sentences(templates: Path) -> str:
    """In the reading process: our sentences, with the templates read from `templates` (the
    deployment's files, replaced on disk by now) if they are read at all."""
    from daemon.core import resources
    from daemon.reading import quotes
    resources.templates_dir = lambda kind: templates / kind
    quotes._our_text.cache_clear()
    return quotes.warm()


def test_a_reading_process_started_later_reads_our_sentences_of_the_start(templates, monkeypatch):
    """The backlog's reading process (forkserver: a fresh interpreter, started when a backlog
    first needs it) tells our quoted mail apart with the sentences the daemon started with."""
    from daemon.app import read_ahead
    from daemon.core import resources
    from daemon.core.config_running import ReadingCfg
    from daemon.reading import quotes
    monkeypatch.setattr(resources, "templates_dir", lambda kind: templates / kind)
    quotes._our_text.cache_clear()
    monkeypatch.setattr(quotes, "_pinned_text", None)
    at_start = quotes.warm()
    assert "telah kami terima" in at_start
    for path in (templates / "email").glob("*.txt"):
        path.write_text("Kalimat templat baru.\n", encoding="utf-8")
    ahead = read_ahead.ReadAhead(read_ahead.Settings(ReadingCfg(max_seconds=5), None, None, None, True))
    try:
        assert ahead._pool().submit(our_sentences, templates).result(timeout=60) == at_start
    finally:
        ahead.close()
        quotes._our_text.cache_clear()


def test_a_mail_template_that_is_not_text_stops_the_start_with_a_reason(templates):
    (templates / "email" / "notice.body.txt").write_bytes(b"Baik.\n\xff\xfe bukan UTF-8\n")
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        service.load_templates()
    assert info.value.path.endswith("notice.body.txt")
