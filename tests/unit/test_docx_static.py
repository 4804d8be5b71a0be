"""Letters rendered with the static parts (styles) copied: the same .docx as a full docxtpl render."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from docx import Document
from docxtpl import DocxTemplate
from PIL import Image

from daemon.paperwork import docx_static
from daemon.paperwork import letter_context as C
from daemon.paperwork import letters as L

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 26, 10, 15, tzinfo=WIB)


def contexts(lambang: Path) -> dict[str, dict]:
    office = yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))
    roles, team = office["roles"], office["staff"][:3]
    request = {"code": "LPT-2026-0007", "title": 'Rapat "Koordinasi" <Musrenbang> & RKPD',
               "start": datetime(2026, 11, 30, 9, 0, tzinfo=WIB), "end": None, "until_done": True,
               "location": "Aula Kantor Camat Mandau, Duri", "requester": "Kantor Camat Mandau",
               "letter_number": "005/KEC-MDU/XI/2026/412", "letter_date": date(2026, 11, 20),
               "subject": "Permohonan Peliputan"}
    dispositions = [{"from": "kadis", "to": "kabid", "note": "Tindak lanjuti & jadwalkan", "at": NOW}]
    made = {
        L.DISPOSISI_TEMPLATE: C.disposition_context(office, request, dispositions, "1/2026", NOW),
        L.NOTA_DINAS_TEMPLATE: C.memo_context(office, request, roles["kasi"], roles["kabid"], "team",
                                              team, None, "2/2026", NOW),
        L.SPT_TEMPLATE: C.spt_context(office, request, team, "3/2026", roles["kadis"],
                                      [{"role": "kabid", "name": roles["kabid"]["name"], "at": NOW}],
                                      {"name": roles["kadis"]["name"], "at": NOW}, NOW),
    }
    for context in made.values():  # the kop's lambang: an image part the render adds
        context["kop"] = {**context["kop"], "lambang": str(lambang)}
    return made


def full_render(template: str, context: dict) -> bytes:
    """What the daemon wrote before: docxtpl on the whole template, then save."""
    doc = DocxTemplate(str(L.template_path(template)))
    doc.render(L.with_lambang(doc, context), jinja_env=L._JINJA_ENV, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("template", L.TEMPLATES)
def test_a_letter_is_the_full_render_with_the_templates_own_styles(template: str, tmp_path: Path) -> None:
    lambang = tmp_path / "lambang.png"
    Image.new("RGB", (40, 48), (200, 30, 30)).save(lambang)
    context = contexts(lambang)[template]
    ours = parts(L.render(template, context, tmp_path / "ours.docx").read_bytes())
    full = parts(full_render(template, context))
    original = parts(L.template_path(template).read_bytes())
    assert sorted(ours) == sorted(full)  # the image the kop adds included
    assert any(name.startswith("word/media/") for name in ours)
    static = [name for name in ours if name in docx_static.STATIC_PARTS]
    assert static, "the templates carry their styles: nothing would be saved"
    for name, data in ours.items():
        if name in docx_static.STATIC_PARTS:
            assert data == original[name] and data != docx_static.STUB
        else:
            assert data == full[name], name
    doc = Document(str(tmp_path / "ours.docx"))
    assert len(doc.styles) == len(Document(str(L.template_path(template))).styles) > 10
    assert context["kop"]["name"] in "\n".join(p.text for t in doc.tables for r in t.rows for c in r.cells
                                         for p in c.paragraphs) + "\n".join(p.text for p in doc.paragraphs)


def test_a_template_is_split_once_and_a_lost_part_is_an_error() -> None:
    data = L.template_path(L.SPT_TEMPLATE).read_bytes()
    first = docx_static.split(data)
    assert docx_static.split(data) is first
    assert first.names == {n for n in docx_static.STATIC_PARTS if n in parts(data)}
    without = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(first.slim)) as src, zipfile.ZipFile(without, "w") as out:
        for info in src.infolist():
            if info.filename != "word/styles.xml":
                out.writestr(info, src.read(info.filename))
    with pytest.raises(ValueError, match="styles.xml"):
        docx_static.join(first, without.getvalue())


@pytest.mark.parametrize("template", L.TEMPLATES)
def test_each_part_is_patched_once_and_later_letters_stay_the_full_render(
        template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docxtpl's patch_xml (regex passes over each part's XML, a quarter of a letter's CPU) runs
    once per part of a template; the next letters, other contexts, are still docxtpl's own."""
    lambang = tmp_path / "lambang.png"
    Image.new("RGB", (40, 48), (200, 30, 30)).save(lambang)
    L.forget()
    calls: list[int] = []
    patch = DocxTemplate.patch_xml

    def counted(self, src_xml):  # noqa: ANN001, ANN202
        calls.append(len(src_xml))
        return patch(self, src_xml)

    monkeypatch.setattr(DocxTemplate, "patch_xml", counted)
    context = contexts(lambang)[template]
    L.render(template, context, tmp_path / "first.docx")
    first = len(calls)
    assert first >= 1
    for k in range(2):
        later = renamed(context, "RKPD", f"RKPD Perubahan {k}")
        ours = parts(L.render(template, later, tmp_path / f"later-{k}.docx").read_bytes())
        assert f"RKPD Perubahan {k}".encode() in ours["word/document.xml"]
        monkeypatch.setattr(DocxTemplate, "patch_xml", patch)  # the reference: docxtpl alone
        full = parts(full_render(template, later))
        monkeypatch.setattr(DocxTemplate, "patch_xml", counted)
        for name, data in ours.items():
            if name not in docx_static.STATIC_PARTS:
                assert data == full[name], name
    assert len(calls) == first  # no part patched a second time


def renamed(value, old: str, new: str):  # noqa: ANN001, ANN201 - a context, every text in it
    """`value` with `old` replaced by `new` in every string it holds (another request's letter)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {key: renamed(v, old, new) for key, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, old, new) for v in value]
    return value
