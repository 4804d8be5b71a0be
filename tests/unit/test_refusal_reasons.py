"""Every reason a refused file is given (sniff, safety, news) comes from the reason table
(daemon/core/quarantine_reasons.py): each refusal path is exercised and its reason read back to its
code, and no Indonesian sentence is written elsewhere in daemon/delivery."""

from __future__ import annotations

import ast
import errno
import io
import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from daemon.core import quarantine_reasons as reasons
from daemon.delivery import news, safety, sniff
from daemon.delivery.folders import create_request_folder

DELIVERY = Path(__file__).resolve().parents[2] / "daemon" / "delivery"
MB = 1024 * 1024
# a sentence a person reads: an Indonesian word of refusal or advice in a text of several words
SENTENCE = ("mohon", "tidak", "bukan", "diterima", "diproses", "rusak", "berkas ", "naskah ")
FAMILIES = ("file_", "share_", "name_", "news_")


def picture(fmt: str, size: tuple[int, int] = (8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size).save(buf, fmt)
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb() -> bytes:
    """A PNG that says it is 60,000 x 60,000 pixels."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", zlib.compress(b"\0" * 100)) + png_chunk(b"IEND", b"")


def docx_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def classified(tmp: Path, name: str, data: bytes, max_bytes: int | None = None) -> str | None:
    (tmp / name).write_bytes(data)
    return sniff.classify(tmp / name, max_bytes).reason


def news_problem(fn, *args) -> str:
    with pytest.raises(news.NewsProblem) as caught:
        fn(*args)
    return str(caught.value)


def judged(tmp: Path, make) -> str | None:
    share = Path(tempfile.mkdtemp(dir=tmp)) / "share"  # a share of its own for each path
    create_request_folder(share, "LPT-2026-0007", "Peresmian", 2026)
    path = make(share, share / "2026" / "LPT-2026-0007 Peresmian")
    return safety.judge(share, path, MB)[1]


def every_refusal(tmp: Path) -> dict[str, str | None]:
    """code -> the reason its path gives: one path for each refusal in sniff, safety and news."""
    big_xml = docx_bytes({"word/document.xml": b" " * (sniff.MAX_DOCX_XML + 1)})
    return {
        "file_not_regular": sniff.unreadable_reason(IsADirectoryError(errno.EISDIR, "x")),
        "file_no_permission": sniff.unreadable_reason(PermissionError(errno.EACCES, "x")),
        "file_gone": sniff.unreadable_reason(OSError(errno.ENOENT, "x")),
        "file_read_error": sniff.unreadable_reason(OSError(errno.EIO, "x")),
        "share_disconnected": sniff.unreadable_reason(OSError(errno.ESTALE, "x")),
        "share_timed_out": sniff.unreadable_reason(OSError(errno.ETIMEDOUT, "x")),
        "file_busy": sniff.unreadable_reason(OSError(errno.EBUSY, "x")),
        "file_name_too_long": sniff.unreadable_reason(OSError(errno.ENAMETOOLONG, "x")),
        "file_unreadable": sniff.unreadable_reason(OSError(errno.EROFS, "x")),
        "file_empty": classified(tmp, "kosong.txt", b""),
        "file_too_large": classified(tmp, "besar.txt", b"x" * (2 * MB), MB),
        "file_heif": classified(tmp, "foto.heic", b"\0\0\0\x18ftypheic" + b"\0" * 64),
        "file_legacy_doc": classified(tmp, "lama.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 600),
        "file_pdf": classified(tmp, "berita.pdf", b"%PDF-1.4\n" + b"\0" * 100),
        "file_archive": classified(tmp, "foto.zip", docx_bytes({"a.jpg": b"x"})),
        "file_docx_broken": classified(tmp, "rusak.docx", b"PK\x03\x04" + b"\0" * 100),
        "file_docx_too_large": classified(tmp, "besar.docx", big_xml),
        "file_not_a_picture": classified(tmp, "foto.jpg", b"ini bukan foto\n"),
        "file_picture_broken": classified(tmp, "potong.jpg", picture("JPEG")[:200]),
        "file_picture_too_many_pixels": classified(tmp, "bom.png", png_bomb()),
        "file_picture_format": classified(tmp, "foto.gif", picture("GIF")),
        "file_not_a_video": classified(tmp, "video.mp4", bytes(range(256)) * 8),
        "file_unknown_type": classified(tmp, "data.bin", bytes(range(256)) * 8),
        "file_text_misnamed": classified(tmp, "laporan.exe", b"Judul\nIsi\n"),
        "file_symlink": judged(tmp, lambda share, f: _symlink(f / "tautan.txt")),
        "file_outside_share": _outside(tmp),
        "file_outside_request": judged(tmp, lambda share, f: _text(share / "luar.txt")),
        "file_unknown_request": _unknown_request(tmp),
        "file_special": judged(tmp, lambda share, f: _fifo(f / "pipa.mp4")),
        "file_hardlink": judged(tmp, lambda share, f: _hardlink(f / "naskah.txt")),
        "name_control_characters": safety.unsafe_name_reason("foto\nbaru.jpg"),
        "name_only_dots": safety.unsafe_name_reason("..."),
        "name_leading_dots": safety.unsafe_name_reason("..evil"),
        "name_leading_dash": safety.unsafe_name_reason("-rf"),
        "news_empty": news_problem(news.news_from_text, "\n \n"),
        "news_no_title": news_problem(news.news_from_text, "#\nIsi berita.\n"),
        "news_title_only": news_problem(news.news_from_text, "Judul Saja\n"),
        "news_docx_unreadable": news_problem(news.read_news, _write(tmp / "rusak.docx", b"PK\x03\x04 rusak")),
        "news_too_long": news_problem(news.read_news, _write(tmp / "panjang.txt", b"a" * (sniff.MAX_TEXT_BYTES + 1))),
        "news_not_text": news_problem(news.read_news, _write(tmp / "biner.txt", b"\0\1\2 bukan teks")),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _text(path: Path) -> Path:
    return _write(path, b"Judul\nIsi\n")


def _unknown_request(tmp: Path) -> str | None:
    """A file in a folder named like a request's whose code names no request (the folder intake)."""
    from harness import Office
    from sqlalchemy import select

    from daemon.app.folder import FolderIntake
    from daemon.core.models import DeliveryFile

    office = Office(tmp / "kantor")
    folder = Path(office.cfg.paths.dropbox) / "2026" / "LPT-2026-0999 Tidak Ada"
    folder.mkdir(parents=True)
    FolderIntake(office.ctx, office.factory).ready(_text(folder / "berita.txt"))
    with office.factory() as s:
        return s.scalars(select(DeliveryFile.reason)).one()


def _symlink(path: Path) -> Path:
    os.symlink("/etc/hostname", path)
    return path


def _outside(tmp: Path) -> str | None:
    """A request folder swapped for a symlink between the walk and the check (a race): the file's
    real place is outside the share."""
    real_path = os.path.realpath
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(safety.os.path, "realpath",
                   lambda p: "/elsewhere/naskah.txt" if str(p).endswith("naskah.txt") else real_path(p))
        return judged(tmp, lambda share, f: _text(f / "naskah.txt"))


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _hardlink(path: Path) -> Path:
    os.link(_text(path.parents[2].parent / "asli.txt"), path)
    return path


def test_every_refusal_gives_a_reason_from_the_table(tmp_path):
    produced = every_refusal(tmp_path)
    wrong = {code: (reasons.parse_shown(reason or "")[0], reason) for code, reason in produced.items()
             if reasons.parse_shown(reason or "")[0] != code}
    assert wrong == {}


def test_every_file_reason_in_the_table_has_a_path_that_gives_it(tmp_path):
    in_table = {code for code in reasons.REASONS if code.startswith(FAMILIES)}
    assert set(every_refusal(tmp_path)) == in_table


def _strings(tree: ast.AST):
    """(line, text) of each string literal, f-strings by their literal parts; templates named
    *_TEXT (a whole note, not a reason) left out."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("_TEXT")
                                                for t in node.targets):
            skip.update(id(n) for n in ast.walk(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def test_no_reason_is_written_outside_the_table():
    found = []
    for path in sorted(DELIVERY.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, text in _strings(tree):
            if len(text.split()) >= 3 and any(word in text.lower() for word in SENTENCE):
                found.append(f"{path.name}:{line}: {text[:60]}")
    assert found == []


REFUSING = {"Verdict", "NewsProblem", "record_refused", "refused"}  # by any name
INTAKE = {"refuse", "quarantine"}  # daemon.delivery.intake's, called as intake.refuse(...)


def written_reasons(tree: ast.AST) -> list[int]:
    """Lines where a refusal (a Verdict, a NewsProblem, a refused file recorded or quarantined)
    is given a text written in place, not one from the table."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in INTAKE and getattr(getattr(node.func, "value", None), "id", None) == "intake":
                name = "record_refused"
            args = [*node.args, *(k.value for k in node.keywords if k.arg == "reason")]
            if name in REFUSING and any(isinstance(a, ast.JoinedStr) or (
                    isinstance(a, ast.Constant) and isinstance(a.value, str) and " " in a.value)
                    for a in args):
                found.append(node.lineno)
    return found


def test_no_refusal_anywhere_in_the_daemon_is_given_a_text_of_its_own():
    daemon = DELIVERY.parent
    found = [f"{path.relative_to(daemon)}:{line}" for path in sorted(daemon.rglob("*.py"))
             for line in written_reasons(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == []
    assert written_reasons(ast.parse('raise NewsProblem(f"Naskah {x} kosong.")\n'
                                     'Verdict(None, "Berkas rusak sekali.")\n'
                                     'Verdict(None, reasons.shown("file_empty"))\n'
                                     'intake.refuse(s, root, path, "Berkas ditolak begitu saja.")\n'
                                     'refuse(node, lead, "a list outside in")\n')) == [1, 2, 4]


def test_the_scan_finds_a_reason_written_in_place():
    tree = ast.parse('def f():\n    return Verdict(None, f"Berkas {x} tidak diterima.")\n'
                     'NOTE_TEXT = "Berkas ini tidak diproses."\n')
    texts = [t for _, t in _strings(tree) if len(t.split()) >= 3 or "tidak" in t]
    assert texts == [" tidak diterima."]


def test_a_quarantined_file_is_logged_in_english_and_explained_in_indonesian(tmp_path, caplog):
    from daemon.delivery import intake
    share = tmp_path / "share"
    (share / "2026").mkdir(parents=True)
    path = share / "2026" / "foto.gif"
    path.write_bytes(b"GIF89a")
    reason = reasons.shown("file_picture_format", format="GIF")
    with caplog.at_level("WARNING", logger="daemon.delivery"):
        moved = intake.quarantine(share, path, reason)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "a GIF picture; refused [file_picture_format]" in logged and "Gambar" not in logged
    notes = list(moved.parent.glob("*.alasan.txt"))  # what the team reads beside the file
    assert len(notes) == 1 and reason in notes[0].read_text(encoding="utf-8")
