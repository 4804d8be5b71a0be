"""What every letter says of the request: dates in Indonesian, the unit by its head's office (issue 10)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from test_letters import all_text

from daemon.core import indonesian, units
from daemon.paperwork import letter_context as C
from daemon.paperwork import letters as L

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 26, 10, 15, tzinfo=WIB)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def office() -> dict:
    return yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))


def sample(letter_date) -> dict:
    """A request as stored: the letter's date as the database gives it, the unit as its kop writes it."""
    return {"code": "LPT-2026-0011", "title": "Apel Siaga Bencana Banjir dan Karhutla",
            "start": datetime(2026, 12, 7, 8, 0, tzinfo=WIB), "end": None, "until_done": True,
            "location": "Lapangan Tugu, Duri", "requester": "BADAN PENANGGULANGAN BENCANA DAERAH",
            "letter_number": "360/BPBD/XI/2026/118", "letter_date": letter_date,
            "letter_subject": "Permohonan Peliputan Apel Siaga Bencana",
            "subject": "Fwd: mohon diliput ya", "received": NOW - timedelta(days=1)}


def every_document(office: dict, request: dict, tmp_path: Path) -> dict[str, str]:
    """The text of the lembar disposisi, both nota dinas and the signed SPT of one request."""
    roles, team = office["roles"], office["staff"][:2]
    disp = C.disposition_context(office, request, [{"from": "kadis", "to": "kabid", "note": "Hadiri",
                                                    "at": NOW}], "001", NOW)
    memo_team = C.memo_context(office, request, roles["kasi"], roles["kabid"], "team", team,
                               {"depart": NOW + timedelta(days=10)}, "002", NOW)
    memo_spt = C.memo_context(office, request, roles["kabid"], roles["kadis"], "spt", team, None, "003", NOW)
    spt = C.spt_context(office, request, team, "004", roles["kadis"], [],
                        {"name": roles["kadis"]["name"], "at": NOW}, NOW)
    out = {}
    for name, (template, ctx) in {"disposisi": (L.DISPOSISI_TEMPLATE, disp),
                                  "nota_tim": (L.NOTA_DINAS_TEMPLATE, memo_team),
                                  "nota_spt": (L.NOTA_DINAS_TEMPLATE, memo_spt),
                                  "spt": (L.SPT_TEMPLATE, spt)}.items():
        out[name] = all_text(L.render(template, ctx, tmp_path / f"{name}.docx"))
    return out


@pytest.mark.parametrize("stored", ["2026-11-24", datetime(2026, 11, 24).date()])
def test_no_iso_date_in_any_rendered_document(office: dict, tmp_path: Path, stored) -> None:
    for name, text in every_document(office, sample(stored), tmp_path).items():
        assert not ISO_DATE.search(text), (name, ISO_DATE.findall(text))
        assert "24 November 2026" in text, name


def test_the_unit_is_named_by_its_heads_office_with_the_letters_own_perihal(office: dict,
                                                                            tmp_path: Path) -> None:
    docs = every_document(office, sample("2026-11-24"), tmp_path)
    reference = ("urat Kepala Pelaksana BPBD Kabupaten Bengkalis Nomor 360/BPBD/XI/2026/118 tanggal "
                 "24 November 2026 perihal Permohonan Peliputan Apel Siaga Bencana")
    for name in ("nota_tim", "nota_spt", "spt"):
        assert reference in docs[name], name
    for name, text in docs.items():
        assert "BADAN PENANGGULANGAN" not in text.upper(), name
        assert "Fwd:" not in text, name
    assert "Kepala Pelaksana BPBD Kabupaten Bengkalis" in docs["disposisi"]


@pytest.mark.parametrize(("raw", "name", "head"), [
    ("BADAN PENANGGULANGAN BENCANA DAERAH", "BPBD", "Kepala Pelaksana BPBD Kabupaten Bengkalis"),
    ("RSUD MANDAU", "RSUD Mandau", "Direktur RSUD Mandau"),
    ("rumah sakit umum daerah mandau", "RSUD Mandau", "Direktur RSUD Mandau"),
    ("DINAS PUPR", "Dinas PUPR", "Kepala Dinas PUPR Kabupaten Bengkalis"),
    ("UPT PUSKESMAS DURI", "UPT Puskesmas Duri", "Kepala UPT Puskesmas Duri"),
    ("Kantor Camat Mandau", "Kantor Camat Mandau", "Camat Mandau"),
    ("KECAMATAN BANTAN", "Kecamatan Bantan", "Camat Bantan"),
    ("DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK", "Dinas Komunikasi, Informatika dan Statistik",
     "Kepala Dinas Komunikasi, Informatika dan Statistik Kabupaten Bengkalis"),
    ("Bagian Protokol Setda", "Bagian Protokol Setda",
     "Kepala Bagian Protokol Sekretariat Daerah Kabupaten Bengkalis"),
    ("Dinas PU & PR", "Dinas PU & PR", "Kepala Dinas PU & PR Kabupaten Bengkalis"),
])
def test_units_keep_acronyms_and_are_named_by_their_head(raw: str, name: str, head: str) -> None:
    assert units.unit_name(raw) == name
    assert units.head_office(raw) == head


@pytest.mark.parametrize(("raw", "greeting"), [("RSUD MANDAU", "RSUD Mandau"), ("BPBD", "BPBD"),
                                                ("UPT PUSKESMAS", "UPT Puskesmas"),
                                                ("DINAS PUPR", "Dinas PUPR")])
def test_title_case_keeps_acronyms(raw: str, greeting: str) -> None:
    """The mail's `judul` filter (greetings) goes through title_case: no "Rsud", "Bpbd", "Upt", "Pupr"."""
    assert indonesian.title_case(raw) == greeting


# --- the SPT's Dasar, Untuk and approval line ---------------------------------------------------

PERBUP = {"jenis": "Peraturan Bupati Bengkalis", "nomor": "12", "tahun": 2022,
          "tentang": "Kedudukan, Susunan Organisasi, Tugas dan Fungsi, serta Tata Kerja Perangkat Daerah"}


def test_dasar_cites_numbered_regulations_before_the_letter(office: dict) -> None:
    req = C.request_context(sample("2026-11-24"))
    with_basis = C.spt_dasar({**office, "legal_basis": [PERBUP]}, req)
    assert with_basis[0] == ("Peraturan Bupati Bengkalis Nomor 12 Tahun 2022 tentang Kedudukan, Susunan "
                             "Organisasi, Tugas dan Fungsi, serta Tata Kerja Perangkat Daerah;")
    assert with_basis[1].startswith("Surat Kepala Pelaksana BPBD") and with_basis[1].endswith(".")
    without = C.spt_dasar({**office, "legal_basis": []}, req)
    assert len(without) == 1 and "Peraturan" not in without[0]  # never a regulation without its number


def test_legal_basis_and_subbag_umum_in_office_yaml(tmp_path: Path) -> None:
    from daemon.core.rules_check import check_rules
    from daemon.core.rules_office import Office
    raw = yaml.safe_load((ROOT / "rules" / "office.yaml").read_text(encoding="utf-8"))
    old = {k: v for k, v in raw.items() if k != "legal_basis"}
    old["office"] = {k: v for k, v in raw["office"].items() if k not in ("subbag_umum", "subbag_umum_name")}
    loaded = Office.model_validate(old)  # a file written before issue 10 still loads
    assert loaded.legal_basis == [] and loaded.office.subbag_umum is None
    with pytest.raises(ValueError):
        Office.model_validate({**raw, "legal_basis": [{**PERBUP, "tahun": None}]})
    rules = tmp_path / "rules"
    rules.mkdir()
    for f in (ROOT / "rules").glob("*.yaml"):
        (rules / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    _, warnings = check_rules(rules, None)
    assert any("legal_basis" in w.message for w in warnings)
    (rules / "office.yaml").write_text(yaml.safe_dump({**raw, "legal_basis": [PERBUP]}), encoding="utf-8")
    problems, warnings = check_rules(rules, None)
    assert not problems and not any("legal_basis" in w.message for w in warnings)


def test_untuk_gives_the_travel_and_the_budget_line(office: dict) -> None:
    req = C.request_context(sample("2026-11-24"))
    schedule = {"depart": datetime(2026, 12, 7, 5, 0, tzinfo=WIB), "return_by": datetime(2026, 12, 8, 20, 0,
                                                                                         tzinfo=WIB)}
    untuk = C.spt_untuk({**office, "spt_budget": "DPA Diskominfotik Tahun Anggaran 2026"}, req, schedule)
    assert untuk[1] == ("Perjalanan dinas dilaksanakan selama 2 (dua) hari mulai tanggal 7 Desember 2026 "
                        "s.d. 8 Desember 2026;")
    assert untuk[2] == ("Biaya yang timbul akibat Surat Perintah Tugas ini dibebankan pada DPA Diskominfotik "
                        "Tahun Anggaran 2026;")
    assert untuk[-1] == "Melaporkan hasil pelaksanaan tugas kepada Kepala Dinas."


def test_the_approved_spt_claims_no_electronic_signature(office: dict, tmp_path: Path) -> None:
    spt = every_document(office, sample("2026-11-24"), tmp_path)["spt"]
    assert "elektronik" not in spt.lower()
    assert ("telah disetujui oleh Kepala Dinas Komunikasi, Informatika dan Statistik Kabupaten Bengkalis "
            "melalui surel pada Kamis, 26 November 2026 pukul 10.15 WIB") in spt
    assert "berlaku setelah ditandatangani dan dibubuhi cap dinas" in spt


def test_the_final_spt_goes_to_the_team_and_subbag_umum(tmp_path: Path, db_url: str) -> None:
    from harness import Office as Harness

    from daemon.core.models import Request
    from daemon.sop import documents
    office = Harness(tmp_path, database=db_url)
    req = Request(team=[{"email": "andi.saputra@bengkaliskab.go.id"}])
    assert documents.spt_recipients(office.ctx, req) == ["andi.saputra@bengkaliskab.go.id",
                                                          "umum.diskominfotik@bengkaliskab.go.id"]
