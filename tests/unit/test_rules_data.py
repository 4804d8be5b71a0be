"""The SOP as data: documents, conditions, roles, revisions and line maps of rules/*.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from daemon.core import yamlfile
from daemon.core.errors import DEFAULT_KINDS, ConfigError
from daemon.core.rules import sop_revision_hash
from daemon.core.rules_check import load_rules, load_sop_text, validate_sop
from daemon.core.rules_office import Office
from daemon.core.rules_sop import DocumentSpec, NumberingSpec, Sop, default_documents
from daemon.core.yamlfile import Problem, ProblemsError

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
SOP_TEXT = (RULES / "sop.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


def copy(tmp_path: Path) -> Path:
    shutil.copytree(RULES, tmp_path / "rules")
    return tmp_path / "rules"


def line_of(text: str, needle: str, nth: int = 0) -> int:
    return [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln][nth]


# ---- documents --------------------------------------------------------------------------------
def test_the_four_documents_are_declared(rules):
    docs = rules.sop.documents
    assert list(docs) == ["lembar_disposisi", "nota_dinas_tim", "nota_dinas_spt", "spt"]
    assert {n: d.builder for n, d in docs.items()} == {
        "lembar_disposisi": "disposition_sheet", "nota_dinas_tim": "memo",
        "nota_dinas_spt": "memo", "spt": "spt"}
    assert docs["nota_dinas_tim"].variant == "team" and docs["nota_dinas_spt"].variant == "spt"
    assert docs["lembar_disposisi"].title == "Lembar Disposisi"


def test_the_documents_keep_todays_templates_and_file_names(rules):
    today = {"lembar_disposisi": ("lembar_disposisi.docx", "agenda", "Lembar-Disposisi"),
             "nota_dinas_tim": ("nota_dinas.docx", "nota_dinas", "Nota-Dinas-Tim-Peliputan"),
             "nota_dinas_spt": ("nota_dinas.docx", "nota_dinas", "Nota-Dinas-Pengajuan-SPT"),
             "spt": ("spt.docx", "spt", "SPT")}
    got = {n: (d.template, d.numbering.sequence, d.file_stem) for n, d in rules.sop.documents.items()}
    assert got == today
    assert all((REPO / "templates" / "letters" / t).is_file() for t, _, _ in today.values())


def test_the_spt_is_initialled_by_kabid_and_sekdis_and_signed_by_kadis(rules):
    spt = rules.sop.document("spt")
    assert spt.initials == ["kabid", "sekdis"] and spt.signer == "kadis"
    sign = next(s for s in rules.sop.steps if s.kind == "sign")
    assert [s.role for s in sign.signers] == [*spt.initials, spt.signer]


# the office's registers as office.yaml's `numbering:` had them before the patterns moved to sop.yaml
OFFICE_NUMBERING = {"nota_dinas": "000.1.2.3/DISKOMINFOTIK-IKP/{seq:03d}/{roman_month}/{year}",
                    "spt": "800.1.11.1/DISKOMINFOTIK/{seq:03d}/{year}"}


def test_the_patterns_are_todays_office_numbering(rules):
    office = OFFICE_NUMBERING
    for name, doc in rules.sop.documents.items():
        if name == "lembar_disposisi":  # issue 10: the nomor agenda of the incoming register
            assert (doc.numbering.sequence, doc.numbering.pattern) == ("agenda", "{seq:04d}")
            assert doc.numbering.classification is None
            continue
        # the same register and form as office.yaml's; each memo with its own classification code
        code = doc.numbering.classification
        assert doc.numbering.pattern.startswith(code + "/")
        legacy = office[doc.numbering.sequence]
        assert doc.numbering.pattern.split("/", 1)[1] == legacy.split("/", 1)[1]
        assert rules.numbering_pattern(name) == doc.numbering.pattern
        assert doc.numbering.taken == ("signed" if name == "spt" else "drafted")


def test_an_unknown_document_is_a_key_error_naming_the_known(rules):
    with pytest.raises(KeyError, match="lembar_disposisi"):
        rules.sop.document("surat_undangan")


def with_old_numbering(rules_dir: Path, **patterns: str) -> None:
    """office.yaml with an old `numbering:` section (today's registers, or `patterns`)."""
    section = "numbering:\n" + "".join(f'  {k}: "{v}"\n' for k, v in {**OFFICE_NUMBERING, **patterns}.items())
    text = (rules_dir / "office.yaml").read_text()
    at = text.index("\nteam:") + 1
    (rules_dir / "office.yaml").write_text(text[:at] + section + "\n" + text[at:])


def test_office_numbering_is_the_fallback_for_a_document_without_a_pattern(tmp_path):
    rules_dir = copy(tmp_path)
    text = (rules_dir / "sop.yaml").read_text()
    (rules_dir / "sop.yaml").write_text(text.replace('      pattern: "800.1.11.1/DISKOMINFOTIK/{seq:03d}/{year}"\n', ""))
    with_old_numbering(rules_dir, spt="800/LAMA/{seq}/{year}")
    rules = load_rules(rules_dir)
    assert rules.sop.document("spt").numbering.pattern is None
    assert rules.numbering_pattern("spt") == "800/LAMA/{seq}/{year}"


def test_without_office_numbering_the_engine_still_finds_every_sequence(tmp_path):
    rules = load_rules(copy(tmp_path))  # the shipped office.yaml has no `numbering:` section
    assert rules.office.numbering.spt == "800.1.11.1/DISKOMINFOTIK/{seq:03d}/{year}"
    assert rules.office.numbering.pattern("nota_dinas").startswith("000.1.2.3/")


def test_an_old_sop_yaml_without_documents_gets_todays_four(tmp_path):
    rules_dir = copy(tmp_path)
    text = (rules_dir / "sop.yaml").read_text()
    (rules_dir / "sop.yaml").write_text(text[:text.index("\n# The letters, by name.")] + "\n")
    with_old_numbering(rules_dir, disposisi="000.7/DISKOMINFOTIK/DISP/{seq:03d}/{year}")  # its office.yaml
    rules = load_rules(rules_dir)
    assert list(rules.sop.documents) == list(default_documents())
    assert rules.numbering_pattern("nota_dinas_spt") == rules.office.numbering.pattern("nota_dinas")


@pytest.mark.parametrize("pattern", ["{nomor}/2026", "800/{year}", "{seq}/{tahun}", "{seq", 3])
def test_a_bad_pattern_is_refused(pattern):
    with pytest.raises(ValidationError):
        NumberingSpec(sequence="spt", pattern=pattern)


def test_a_memo_needs_its_variant_and_others_take_none():
    base = {"title": "T", "template": "nota_dinas.docx", "file_stem": "T",
            "numbering": {"sequence": "nota_dinas"}}
    with pytest.raises(ValidationError, match="variant"):
        DocumentSpec(builder="memo", **base)
    with pytest.raises(ValidationError, match="variant"):
        DocumentSpec(builder="spt", variant="team", **base)
    with pytest.raises(ValidationError):
        DocumentSpec(builder="spt", **{**base, "template": "../../etc/passwd.docx"})


def test_document_names_cannot_shadow_the_originals():
    data = yamlfile.parse(SOP_TEXT, "sop.yaml")[0]
    data["documents"]["surat"] = data["documents"]["spt"]
    with pytest.raises(ValidationError, match="surat"):
        Sop.model_validate(data)


# ---- conditions in steps ------------------------------------------------------------------------
def test_steps_7_to_9_keep_their_condition(rules):
    assert {s.number: s.when for s in rules.sop.steps if s.when} == {
        7: "outside_island", 8: "outside_island", 9: "outside_island"}


@pytest.mark.parametrize("outside, applies", [(True, True), (None, True), (False, False)])
def test_a_conditional_step_applies_as_before(rules, outside, applies):
    """The engine's old rule was `req.outside_island is not False`."""
    assert rules.sop.step(8).applies({"outside_island": outside}) is applies
    assert rules.sop.step(6).applies({"outside_island": outside}) is True


def test_a_bad_condition_stops_loading_naming_file_and_line(tmp_path):
    rules_dir = copy(tmp_path)
    text = SOP_TEXT.replace("when: outside_island", "when: __import__('os').system('x')", 1)
    (rules_dir / "sop.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_rules(rules_dir)
    assert info.value.path.endswith("sop.yaml")
    assert info.value.line == line_of(text, "when: __import__")
    assert "function call" in info.value.message


def test_any_expression_over_known_facts_loads(tmp_path):
    rules_dir = copy(tmp_path)
    (rules_dir / "sop.yaml").write_text(SOP_TEXT.replace(
        "when: outside_island", 'when: outside_island and requester_kind != "pimpinan"', 1))
    assert load_rules(rules_dir).sop.step(7).applies(
        {"outside_island": True, "requester_kind": "pimpinan"}) is False


# ---- roles and kinds ----------------------------------------------------------------------------
def test_the_shipped_sop_passes_validation(rules):
    assert validate_sop(rules.sop, DEFAULT_KINDS, roles=set(rules.office.roles)) == []


def test_an_unknown_kind_names_the_line_of_its_key(rules):
    problems = validate_sop(rules.sop, DEFAULT_KINDS - {"plan"})
    assert problems == [Problem(str(RULES / "sop.yaml"), line_of(SOP_TEXT, "kind: plan"),
                                "step 4: unknown kind 'plan' (known: " +
                                ", ".join(sorted(DEFAULT_KINDS - {"plan"})) + ")")]


def test_kinds_are_not_checked_when_none_are_given(tmp_path):
    rules_dir = copy(tmp_path)
    (rules_dir / "sop.yaml").write_text(SOP_TEXT.replace("kind: archive", "kind: bagit"))
    assert load_rules(rules_dir).sop.step(15).kind == "bagit"  # the engine checks its registry


def test_an_unknown_role_stops_loading(tmp_path):
    rules_dir = copy(tmp_path)
    text = SOP_TEXT.replace("to: kasi", "to: kasie")
    (rules_dir / "sop.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_rules(rules_dir)
    assert info.value.line == line_of(text, "to: kasie") and "kasie" in info.value.message


@pytest.mark.parametrize("name", ["team", "system", "Kabag", "ka-bag"])
def test_office_roles_must_not_take_reserved_or_odd_names(name):
    data = yamlfile.parse((RULES / "office.yaml").read_text(), "office.yaml")[0]
    data["roles"][name] = data["roles"]["kasi"]
    with pytest.raises(ValidationError, match="role names"):
        Office.model_validate(data)


def test_office_roles_still_need_the_four_officials():
    data = yamlfile.parse((RULES / "office.yaml").read_text(), "office.yaml")[0]
    del data["roles"]["sekdis"]
    with pytest.raises(ValidationError, match="roles missing: sekdis"):
        Office.model_validate(data)


# ---- revisions and line maps --------------------------------------------------------------------
def test_the_revision_hash_is_of_the_files_bytes(rules):
    digest = sop_revision_hash(RULES / "sop.yaml")
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert digest == sop_revision_hash(SOP_TEXT) == sop_revision_hash(SOP_TEXT.encode())
    assert rules.sop_revision == digest and rules.sop_text == SOP_TEXT
    assert sop_revision_hash(SOP_TEXT + "\n") != digest


def test_an_older_revision_loads_from_its_text():
    old = SOP_TEXT.replace("minutes: 15", "minutes: 20")
    sop = load_sop_text(old)
    assert sop.step(4).minutes == 20 and sop.line("steps", 3, "minutes") == line_of(old, "minutes: 20")


def test_a_broken_stored_revision_names_its_source_and_line():
    text = SOP_TEXT.replace("then: {done: 13}", "then: {done: 31}")
    with pytest.raises(ProblemsError) as info:
        load_sop_text(text, source="revisi ffd242f0")
    assert str(info.value).startswith(f"revisi ffd242f0:{line_of(text, 'then: {done: 31}')}:")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_sop_text("steps: [", source="x")


def test_load_with_lines_returns_the_line_map():
    sop, lines = yamlfile.load_with_lines(RULES / "sop.yaml", Sop)
    assert lines[("steps", 6, "when")] == line_of(SOP_TEXT, "when: outside_island")
    assert lines[("documents", "spt", "signer")] == line_of(SOP_TEXT, "signer: kadis")
    assert sop.step(1).kind == "intake"


def test_a_yaml_file_with_several_mistakes_names_them_all(tmp_path):
    path = tmp_path / "sop.yaml"
    path.write_text(SOP_TEXT.replace("minutes: 15", "minutes: x").replace("mode: auto", "mode: otomatis", 1))
    with pytest.raises(ProblemsError) as info:
        yamlfile.load(path, Sop)
    assert len(info.value.problems) == 4  # three "minutes: 15" and one mode
    assert [p.line for p in info.value.problems] == sorted(p.line for p in info.value.problems)
