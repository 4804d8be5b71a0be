"""Letter numbers, templates and rendered letters (opened back with python-docx)."""

from __future__ import annotations

import stat
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from docx import Document
from docxtpl import DocxTemplate

from daemon.core.types import RequestFacts
from daemon.paperwork import letter_context as C
from daemon.paperwork import letters as L
from daemon.paperwork.pdf import PdfConverter

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 26, 10, 15, tzinfo=WIB)
SPT_NO = "800.1.11.1/DISKOMINFOTIK/007/2026"
NASTY_TITLE = 'Rapat "Koordinasi" <Musrenbang> & Sosialisasi \'RKPD\' > 2027'


@pytest.fixture(scope="module")
def office() -> dict:
    return yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def patterns() -> dict:
    """Each document's number pattern, as rules/sop.yaml gives it."""
    sop = yaml.safe_load((ROOT / "rules" / "sop.yaml").read_text(encoding="utf-8"))
    return {name: doc["numbering"]["pattern"] for name, doc in sop["documents"].items()}


@pytest.fixture()
def request_dict() -> dict:
    return {"code": "LPT-2026-0007", "title": "Musyawarah Perencanaan Pembangunan Kecamatan Mandau",
            "start": datetime(2026, 11, 30, 9, 0, tzinfo=WIB), "end": None, "until_done": True,
            "location": "Aula Kantor Camat Mandau, Duri", "requester": "Kantor Camat Mandau",
            "letter_number": "005/KEC-MDU/XI/2026/412", "letter_date": date(2026, 11, 20),
            "subject": "Permohonan Peliputan"}


def all_text(path: Path) -> str:
    """Every paragraph and table cell (nested tables too) of a .docx."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]

    def walk(tables) -> None:
        for t in tables:
            for r in t.rows:
                for c in r.cells:
                    parts.extend(p.text for p in c.paragraphs)
                    walk(c.tables)

    walk(doc.tables)
    return "\n".join(parts)


def assert_clean(text: str) -> None:
    for leftover in ("{{", "}}", "{%", "%}", "&amp;", "&lt;", "&quot;", "&#"):
        assert leftover not in text


# --- numbering ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "seq", "when", "expected"), [
    ("800.1.11.1/DISKOMINFOTIK/{seq:03d}/{year}", 7, date(2026, 11, 26), "800.1.11.1/DISKOMINFOTIK/007/2026"),
    ("{seq:03d}/{roman_month}/{year}", 12, date(2026, 4, 1), "012/IV/2026"),
    ("000.1.2.3/DISKOMINFOTIK-IKP/{seq:03d}/{roman_month}/{year}", 1, date(2027, 1, 4),
     "000.1.2.3/DISKOMINFOTIK-IKP/001/I/2027"),
    ("{seq}/{month:02d}/{year}", 1234, date(2026, 9, 30), "1234/09/2026"),
])
def test_format_number(pattern: str, seq: int, when: date, expected: str) -> None:
    assert L.format_number(pattern, seq, when) == expected


def test_format_number_office_patterns(patterns: dict) -> None:
    numbers = {k: L.format_number(p, 3, date(2026, 12, 1)) for k, p in patterns.items()}
    assert numbers == {"lembar_disposisi": "0003",
                       "nota_dinas_tim": "400.14.2/DISKOMINFOTIK-IKP/003/XII/2026",
                       "nota_dinas_spt": "000.1.2.3/DISKOMINFOTIK-IKP/003/XII/2026",
                       "spt": "800.1.11.1/DISKOMINFOTIK/003/2026"}


def test_format_number_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        L.format_number("{seq}/{unknown}", 1, date(2026, 1, 1))
    with pytest.raises(ValueError):
        L.format_number("{seq}", 0, date(2026, 1, 1))


# --- templates ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    (L.DISPOSISI_TEMPLATE, {"kop", "letter", "request", "dispositions", "printed_at", "forward",
                            "instructions", "catatan"}),
    (L.NOTA_DINAS_TEMPLATE, {"kop", "recipient", "signer", "tembusan", "date", "number", "sifat",
                             "lampiran", "hal", "body", "schedule_rows", "team", "closing"}),
    (L.SPT_TEMPLATE, {"kop", "number", "dasar", "team", "untuk", "closing", "place", "date", "signer",
                      "signed", "initials"}),
])
def test_committed_templates_declare_their_variables(name: str, expected: set[str]) -> None:
    doc = DocxTemplate(str(L.TEMPLATE_DIR / name))
    assert doc.get_undeclared_template_variables() == expected


def test_build_script_regenerates_same_variables(tmp_path: Path) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_templates", L.TEMPLATE_DIR / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path)
    assert sorted(p.name for p in written) == sorted(L.TEMPLATES)
    for path in written:
        fresh = DocxTemplate(str(path)).get_undeclared_template_variables()
        committed = DocxTemplate(str(L.TEMPLATE_DIR / path.name)).get_undeclared_template_variables()
        assert fresh == committed


# --- SPT ---------------------------------------------------------------------------------------

def render_spt(office: dict, request: dict, tmp_path: Path, signer: dict, signed: bool,
               initials: list[dict] | None = None) -> str:
    team = office["staff"][:3]
    marker = {"name": signer["name"], "at": NOW + timedelta(hours=1)} if signed else None
    ctx = C.spt_context(office, request, team, SPT_NO, signer, initials or [], marker, NOW)
    out = L.render(L.SPT_TEMPLATE, ctx, tmp_path / "spt.docx")
    return all_text(out)


def test_spt_contents(office: dict, request_dict: dict, tmp_path: Path) -> None:
    office = {**office, "legal_basis": [{"jenis": "Peraturan Bupati Bengkalis", "nomor": "12", "tahun": 2022,
                                         "tentang": "Kedudukan, Susunan Organisasi, Tugas dan Fungsi"}]}
    kadis = office["roles"]["kadis"]
    text = render_spt(office, request_dict, tmp_path, kadis, signed=True)
    assert_clean(text)
    for expected in ("PEMERINTAH KABUPATEN BENGKALIS", "DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK",
                     "SURAT PERINTAH TUGAS", f"Nomor : {SPT_NO}", "MEMERINTAHKAN :",
                     "Surat Camat Mandau Nomor 005/KEC-MDU/XI/2026/412 tanggal 20 November 2026 "
                     "perihal Permohonan Peliputan.",
                     "Peraturan Bupati Bengkalis Nomor 12 Tahun 2022 tentang Kedudukan, Susunan "
                     "Organisasi, Tugas dan Fungsi;",
                     "Melaksanakan peliputan dan dokumentasi kegiatan Musyawarah Perencanaan Pembangunan "
                     "Kecamatan Mandau pada Senin, 30 November 2026 pukul 09.00 WIB s.d. selesai bertempat "
                     "di Aula Kantor Camat Mandau, Duri;",
                     "Melaporkan hasil pelaksanaan tugas kepada Kepala Dinas.",
                     "Dikeluarkan di\t: Bengkalis", "Pada tanggal\t: 26 November 2026",
                     "KEPALA DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK KABUPATEN BENGKALIS,",
                     kadis["name"], kadis["pangkat"], f"NIP. {kadis['nip']}",
                     "Penerbitan Surat Perintah Tugas ini telah disetujui oleh Kepala Dinas Komunikasi, "
                     "Informatika dan Statistik Kabupaten Bengkalis melalui surel pada Kamis, 26 November "
                     "2026 pukul 11.15 WIB. Surat Perintah Tugas ini berlaku setelah ditandatangani dan "
                     "dibubuhi cap dinas."):
        assert expected in text, expected
    for person in office["staff"][:3]:
        assert person["name"] in text and person["nip"] in text and person["pangkat"] in text
    assert "Plt." not in text and "elektronik" not in text


def test_spt_acting_signer_shows_plt(office: dict, request_dict: dict, tmp_path: Path) -> None:
    acting = office["roles"]["kadis"]["acting"][0]
    text = render_spt(office, request_dict, tmp_path, acting, signed=True)
    assert "Plt. KEPALA DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK KABUPATEN BENGKALIS," in text
    assert "SEKRETARIS DINAS" not in text
    assert acting["name"] in text and acting["nip"] in text


def test_spt_unsigned_has_no_marker_and_blank_paraf(office: dict, request_dict: dict, tmp_path: Path) -> None:
    text = render_spt(office, request_dict, tmp_path, office["roles"]["kadis"], signed=False)
    assert "disetujui oleh" not in text
    assert_clean(text)
    ctx = C.spt_context(office, request_dict, [], SPT_NO, office["roles"]["kadis"], [], None, NOW)
    assert [(r["label"], r["name"], r["at"]) for r in ctx["initials"]] == [
        ("Kabid", "", ""), ("Sekretaris", "", "")]


def test_spt_paraf_block(office: dict, request_dict: dict, tmp_path: Path) -> None:
    kabid, sekdis = office["roles"]["kabid"], office["roles"]["sekdis"]
    initials = [{"role": "kabid", "name": kabid["name"], "at": NOW},
                {"role": "sekretaris", "name": sekdis["name"], "at": None}]
    text = render_spt(office, request_dict, tmp_path, office["roles"]["kadis"], False, initials)
    assert "Paraf koordinasi" in text and "Kabid" in text and "Sekretaris" in text
    assert kabid["name"] in text and "26 November 2026 pukul 10.15 WIB" in text
    assert sekdis["name"] not in text  # pending: blank


def test_special_characters_render_valid_docx(office: dict, request_dict: dict, tmp_path: Path) -> None:
    request_dict.update(title=NASTY_TITLE, location="Gedung <A> & \"B\"", requester="Dinas PU & PR")
    text = render_spt(office, request_dict, tmp_path, office["roles"]["kadis"], signed=True)
    assert NASTY_TITLE in text and 'Gedung <A> & "B"' in text and "Dinas PU & PR" in text
    assert_clean(text)
    with zipfile.ZipFile(tmp_path / "spt.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "&lt;Musrenbang&gt; &amp; Sosialisasi" in xml


def test_dataclass_request_is_accepted(office: dict, tmp_path: Path) -> None:
    facts = RequestFacts(title="Upacara Hari Jadi", start=datetime(2026, 12, 1, 8, 0, tzinfo=WIB),
                         end=datetime(2026, 12, 1, 10, 0, tzinfo=WIB), location="Lapangan Tugu",
                         requester="Bagian Protokol Setda")
    ctx = C.spt_context(office, facts, office["staff"][:1], SPT_NO, office["roles"]["kadis"], [], None, NOW)
    text = all_text(L.render(L.SPT_TEMPLATE, ctx, tmp_path / "dc.docx"))
    assert "Selasa, 1 Desember 2026 pukul 08.00 WIB s.d. 10.00 WIB" in text
    assert ("Permohonan peliputan dari Kepala Bagian Protokol Sekretariat Daerah Kabupaten Bengkalis "
            "perihal Upacara Hari Jadi.") in text


def test_repeated_renders_use_their_own_context(office: dict, request_dict: dict, tmp_path: Path) -> None:
    first = render_spt(office, request_dict, tmp_path, office["roles"]["kadis"], signed=False)
    request_dict["title"] = "Pelantikan Pejabat Administrator"
    second = render_spt(office, request_dict, tmp_path, office["roles"]["kadis"], signed=False)
    assert "Musyawarah" in first and "Musyawarah" not in second
    assert "Pelantikan Pejabat Administrator" in second


# --- nota dinas --------------------------------------------------------------------------------

def test_memo_team(office: dict, patterns: dict, request_dict: dict, tmp_path: Path) -> None:
    roles, team = office["roles"], office["staff"][:2]
    schedule = {"depart": datetime(2026, 11, 30, 6, 30, tzinfo=WIB), "transport": "Kendaraan dinas"}
    number = L.format_number(patterns["nota_dinas_tim"], 5, NOW.date())
    ctx = C.memo_context(office, request_dict, roles["kasi"], roles["kabid"], "team", team, schedule,
                         number, NOW)
    text = all_text(L.render(L.NOTA_DINAS_TEMPLATE, ctx, tmp_path / "nd.docx"))
    assert_clean(text)
    for expected in ("NOTA DINAS", "Kepala Bidang Informasi dan Komunikasi Publik",
                     "Kepala Seksi Liputan dan Dokumentasi,", number, "26 November 2026",
                     "Jadwal dan Petugas Peliputan Kegiatan Musyawarah", "Menindaklanjuti disposisi",
                     "Senin, 30 November 2026 pukul 06.30 WIB", "Kendaraan dinas", "Pangkat/Gol",
                     "Penulisan berita, dokumentasi foto", roles["kasi"]["name"], f"NIP. {roles['kasi']['nip']}"):
        assert expected in text, expected
    for person in team:
        assert person["name"] in text and person["nip"] in text and person["jabatan"] in text


def test_memo_spt_request_with_acting_recipient(office: dict, request_dict: dict, tmp_path: Path) -> None:
    roles = office["roles"]
    acting_kadis = roles["kadis"]["acting"][0]
    ctx = C.memo_context(office, request_dict, roles["kabid"], acting_kadis, "spt", office["staff"][:3], None,
                         "000.1.2.3/DISKOMINFOTIK-IKP/006/XI/2026", NOW)
    text = all_text(L.render(L.NOTA_DINAS_TEMPLATE, ctx, tmp_path / "nd.docx"))
    assert "Plt. Kepala Dinas Komunikasi, Informatika dan Statistik" in text
    assert "Permohonan Penerbitan Surat Perintah Tugas" in text
    assert "menerbitkan Surat Perintah Tugas" in text
    assert "Sekretaris Dinas Komunikasi, Informatika dan Statistik" in text  # tembusan
    assert roles["kabid"]["name"] in text


def test_memo_text_overrides_and_kind_check(office: dict, request_dict: dict) -> None:
    roles = office["roles"]
    ctx = C.memo_context(office, request_dict, roles["kasi"], roles["kabid"], "team", [], None, "1", NOW,
                         hal="Hal khusus", body=["Paragraf satu."], closing=["Penutup."])
    assert (ctx["hal"], ctx["body"], ctx["closing"]) == ("Hal khusus", ["Paragraf satu."], ["Penutup."])
    with pytest.raises(ValueError):
        C.memo_context(office, request_dict, roles["kasi"], roles["kabid"], "other", [], None, "1", NOW)


# --- lembar disposisi --------------------------------------------------------------------------

def test_disposition_sheet(office: dict, patterns: dict, request_dict: dict, tmp_path: Path) -> None:
    number = L.format_number(patterns["lembar_disposisi"], 417, NOW.date())
    dispositions = [
        {"from": "kadis", "to": "kabid", "note": "Tindak lanjuti & jadwalkan <segera>", "at": NOW},
        {"from": office["roles"]["kabid"], "to": "kasi", "note": "Siapkan jadwal dan tim", "at": None},
    ]
    ctx = C.disposition_context(office, request_dict, dispositions, number, NOW)
    text = all_text(L.render(L.DISPOSISI_TEMPLATE, ctx, tmp_path / "disp.docx"))
    assert_clean(text)
    for expected in ("LEMBAR DISPOSISI", "Camat Mandau", "005/KEC-MDU/XI/2026/412",
                     "20 November 2026", "Permohonan Peliputan", number, "Diterima tanggal",
                     "Kepala Dinas Komunikasi, Informatika dan Statistik", "Diteruskan kepada:",
                     "Tindak lanjuti & jadwalkan <segera>", "Catatan:",
                     "26 November 2026 pukul 10.15 WIB", "LPT-2026-0007"):
        assert expected in text, expected
    assert "Menunggu" not in text and "Siapkan jadwal dan tim" not in text  # nothing pending is shown


# --- PDF ---------------------------------------------------------------------------------------

def test_render_pdf_none_without_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(L, "office_binary", lambda: None)
    assert L.render_pdf(tmp_path / "x.docx") is None


def test_oneshot_fallback_with_fake_soffice(tmp_path: Path) -> None:
    """No uno-capable Python: one soffice run per document, output moved beside the .docx."""
    fake = tmp_path / "soffice"
    fake.write_text('#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in --outdir) out="$2"; shift;; esac; '
                    'last="$1"; shift; done\nname="${last##*/}"\necho "%PDF-1.4" > "$out/${name%.docx}.pdf"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    docx = tmp_path / "letter.docx"
    docx.write_bytes(b"")
    with PdfConverter(tmp_path / "state", office=str(fake), uno_python=str(tmp_path / "no-python")) as conv:
        assert conv.convert(docx) == tmp_path / "letter.pdf"
        assert conv.mode == "oneshot" and "cannot import uno" in conv.reason
    assert (tmp_path / "letter.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.docx", "letter.pdf", "soffice", "state"]
