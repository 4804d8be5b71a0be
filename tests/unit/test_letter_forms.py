"""The forms as an office uses them: lembar disposisi, nota dinas, a one-page SPT, the kop, and
`liputan check` on templates edited in Word (issue 10, defects 6-9)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from PIL import Image
from test_letter_wording import NOW, WIB, every_document, sample
from test_letters import all_text

from daemon.core.rules_check import TEMPLATE_FIELDS, check_rules, template_problems
from daemon.paperwork import letter_context as C
from daemon.paperwork import letters as L
from daemon.paperwork.pdf import find_office

ROOT = Path(__file__).resolve().parents[2]
TICK, BOX = "\u2612", "\u2610"


@pytest.fixture(scope="module")
def office() -> dict:
    return yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))


def test_lembar_disposisi_is_the_form_offices_use(office: dict, tmp_path: Path) -> None:
    roles = office["roles"]
    rows = [{"from": {"role": "kadis", "jabatan": roles["kadis"]["jabatan"]}, "to": roles["kabid"]["jabatan"],
             "note": "mendisposisikan kepada Kepala Bidang", "own_note": "Koordinasikan dengan BPBD",
             "by": roles["kadis"]["name"], "at": NOW},
            {"from": "kabid", "to": "kasi", "note": "menyusun jadwal", "at": None}]  # pending
    ctx = C.disposition_context(office, sample("2026-11-24"), rows, "0007", NOW,
                                forward=[roles[r]["jabatan"] for r in ("sekdis", "kabid", "kasi")])
    text = all_text(L.render(L.DISPOSISI_TEMPLATE, ctx, tmp_path / "d.docx"))
    for label in ("Surat dari", "Nomor surat", "Tanggal surat", "Perihal", "Diterima tanggal",
                  "Nomor agenda", "Sifat", "Diteruskan kepada:", "Dengan hormat harap:", "Catatan:"):
        assert label in text, label
    assert "0007" in text and "000.7" not in text
    assert f"{TICK} Kepala Bidang Informasi dan Komunikasi Publik" in text
    assert f"{BOX} Kepala Seksi Liputan dan Dokumentasi" in text  # not yet disposed to
    assert f"{TICK} Koordinasi/konfirmasi" in text and f"{BOX} Proses lebih lanjut" in text
    assert f"{BOX} Arsip" in text and f"{BOX} Tanggapan dan saran" in text
    assert f"{roles['kadis']['name']}: Koordinasikan dengan BPBD" in text  # the official's own note
    assert "disetujui melalui surel, 26 November 2026 pukul 10.15 WIB" in text  # paraf and date
    assert "Menunggu" not in text and "menyusun jadwal" not in text


def test_nota_dinas_addresses_by_salutation_and_lists_the_draft_spt(office: dict, tmp_path: Path) -> None:
    docs = every_document(office, sample("2026-11-24"), tmp_path)
    assert "Bapak/Ibu" not in docs["nota_spt"] and "Bapak/Ibu" not in docs["nota_tim"]
    assert "mohon kiranya Bapak berkenan menerbitkan" in docs["nota_spt"]  # the Kadis: Bapak
    assert "Lampiran\n:\n1 (satu) berkas" in docs["nota_spt"]
    assert "Lampiran\n:\n-" in docs["nota_tim"]
    for member in office["staff"][:2]:  # the NIP in its own line of the name cell, never split
        assert f"{member['name']}\nNIP. {member['nip']}" in docs["nota_tim"]


def test_the_shipped_sop_numbers_by_agenda_and_the_spt_when_signed() -> None:
    from daemon.core.rules_check import load_rules
    docs = load_rules(ROOT / "rules").sop.documents
    agenda = docs["lembar_disposisi"].numbering
    assert agenda.sequence == "agenda" and agenda.classification is None
    assert L.format_number(agenda.pattern, 7, NOW.date()) == "0007"
    assert docs["spt"].numbering.taken == "signed"


def spt_for(office: dict, team_size: int, tmp_path: Path) -> Path:
    office = {**office, "legal_basis": [{"jenis": "Peraturan Bupati Bengkalis", "nomor": "12", "tahun": 2022,
                                         "tentang": "Kedudukan, Susunan Organisasi, Tugas dan Fungsi, serta "
                                                    "Tata Kerja Perangkat Daerah Kabupaten Bengkalis"}],
              "spt_budget": "DPA Dinas Komunikasi, Informatika dan Statistik Tahun Anggaran 2026"}
    plt = office["roles"]["kadis"]["acting"][0]
    initials = [{"role": "kabid", "name": office["roles"]["kabid"]["name"], "at": NOW}]
    ctx = C.spt_context(office, sample("2026-11-24"), office["staff"][:team_size], "800.1.11.1/X/012/2026",
                        {**plt, "role": "kadis"}, initials, {"name": plt["name"], "at": NOW}, NOW,
                        {"depart": datetime(2026, 12, 7, 4, 0, tzinfo=WIB),
                         "return_by": datetime(2026, 12, 7, 19, 0, tzinfo=WIB)})
    return L.render(L.SPT_TEMPLATE, ctx, tmp_path / f"spt-{team_size}.docx")


@pytest.mark.skipif(find_office() is None, reason="LibreOffice is not installed (CI's .ci/run has it)")
@pytest.mark.parametrize("team_size", [1, 3, 6])
def test_the_spt_is_one_page_for_up_to_six_people(office: dict, tmp_path: Path, team_size: int) -> None:
    from pypdf import PdfReader
    docx = spt_for(office, team_size, tmp_path)
    subprocess.run([find_office(), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180)
    reader = PdfReader(str(docx.with_suffix(".pdf")))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Plt. KEPALA DINAS" in text and "Paraf koordinasi" in text


def test_spt_lists_the_team_in_a_table_and_the_paraf_box(office: dict, tmp_path: Path) -> None:
    text = all_text(spt_for(office, 6, tmp_path))
    assert "Nama / NIP" in text and "Paraf koordinasi:" in text
    for member in office["staff"][:6]:
        assert f"{member['name']}\nNIP. {member['nip']}" in text
    assert "Perjalanan dinas dilaksanakan selama 1 (satu) hari pada tanggal 7 Desember 2026;" in text
    assert "Plt. KEPALA DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK KABUPATEN BENGKALIS," in text


def test_the_kop_carries_the_lambang_from_rules(office: dict, tmp_path: Path) -> None:
    logo = tmp_path / "lambang.png"
    Image.new("RGB", (120, 150), (0, 90, 40)).save(logo)
    with_logo = {**office, "office": {**office["office"], "lambang_path": str(logo)}}
    assert C.kop_context(with_logo)["lambang"] == str(logo)
    assert "Telepon\u00a0(0766)\u00a021001" in C.kop_context(office)["address"]  # never split
    ctx = C.disposition_context(with_logo, sample("2026-11-24"), [], "0001", NOW)
    out = L.render(L.DISPOSISI_TEMPLATE, ctx, tmp_path / "kop.docx")
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("word/media/") for n in z.namelist())
    plain = L.render(L.DISPOSISI_TEMPLATE, C.disposition_context(office, sample(None), [], "1", NOW),
                     tmp_path / "plain.docx")
    with zipfile.ZipFile(plain) as z:
        assert not any(n.startswith("word/media/") for n in z.namelist())


def test_check_names_a_missing_lambang(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    office_yaml = rules / "office.yaml"
    office_yaml.write_text(office_yaml.read_text().replace("  # lambang: lambang-bengkalis.png",
                                                           "  lambang: lambang-bengkalis.png"))
    problems, _ = check_rules(rules, None)
    assert any("no image 'lambang-bengkalis.png'" in p.message for p in problems)
    Image.new("RGB", (10, 10)).save(rules / "lambang-bengkalis.png")
    assert check_rules(rules, None)[0] == []


# --- templates an office edits in Word ------------------------------------------------------------

def edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of a template with one text changed in its document.xml, as Word would save it."""
    out = tmp_path / name
    with zipfile.ZipFile(L.TEMPLATE_DIR / name) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            dst.writestr(item, data)
    return out


def test_shipped_templates_use_only_what_their_builders_give() -> None:
    for name, builder in ((L.DISPOSISI_TEMPLATE, "disposition_sheet"), (L.NOTA_DINAS_TEMPLATE, "memo"),
                          (L.SPT_TEMPLATE, "spt")):
        assert template_problems(L.TEMPLATE_DIR / name, builder) == []


def test_builders_give_what_check_knows(office: dict) -> None:
    roles, req = office["roles"], sample("2026-11-24")
    assert set(C.disposition_context(office, req, [], "1", NOW)) == TEMPLATE_FIELDS["disposition_sheet"]
    assert set(C.memo_context(office, req, roles["kasi"], roles["kabid"], "team", [], None, "1", NOW)) \
        == TEMPLATE_FIELDS["memo"]
    assert set(C.spt_context(office, req, [], "1", roles["kadis"], [], None, NOW)) == TEMPLATE_FIELDS["spt"]


def test_check_finds_an_unknown_variable_and_a_broken_tag(tmp_path: Path) -> None:
    misspelt = edited(tmp_path, L.SPT_TEMPLATE, "{{ number }}", "{{ nomor_surat }}")
    assert template_problems(misspelt, "spt") == [
        f"template {L.SPT_TEMPLATE}: unknown variable nomor_surat (known: "
        + ", ".join(sorted(TEMPLATE_FIELDS["spt"])) + ")"]
    (tmp_path / "b").mkdir()
    broken = edited(tmp_path / "b", L.SPT_TEMPLATE, "{%tr endfor %}", "{%tr endfo %}")
    assert "broken tag" in template_problems(broken, "spt")[0]


def test_liputan_check_reports_an_edited_template(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    templates = tmp_path / "letters"
    shutil.copytree(L.TEMPLATE_DIR, templates)
    edited(tmp_path, L.NOTA_DINAS_TEMPLATE, "{{ hal }}", "{{ perihal }}").replace(templates / L.NOTA_DINAS_TEMPLATE)
    problems, _ = check_rules(rules, None, templates)
    assert any("nota_dinas.docx: unknown variable perihal" in p.message and p.line for p in problems)


def test_a_plain_disposition_ticks_proses_lebih_lanjut(office: dict) -> None:
    rows = [{"from": "kadis", "to": "kabid", "note": "mendisposisikan kepada Kepala Bidang", "at": NOW}]
    marks = {i["text"]: i["mark"] for i in C.disposition_context(office, sample(None), rows, "1", NOW)
             ["instructions"]}
    assert marks["Proses lebih lanjut"] == TICK
    assert [m for t, m in marks.items() if t != "Proses lebih lanjut"] == [BOX] * (len(marks) - 1)
