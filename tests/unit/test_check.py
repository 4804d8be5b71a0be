"""`liputan check`: the shipped config and rules pass; mistakes are named by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from daemon.app.cli import check_config, main
from daemon.core.errors import DEFAULT_KINDS

REPO = Path(__file__).resolve().parents[2]


def rules_copy(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    cfg = tmp_path / "liputan.toml"
    cfg.write_text((REPO / "systemd" / "liputan.toml").read_text().replace('dir = "../rules"', 'dir = "rules"'))
    return cfg, rules


def test_it_accepts_the_shipped_config_and_rules(capsys):
    assert main(["check", "-c", str(REPO / "systemd" / "liputan.toml")]) == 0
    assert "ok" in capsys.readouterr().out


def test_it_names_file_and_line_of_a_misspelled_key(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    text = (rules / "office.yaml").read_text()
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.strip().startswith("skills:"))
    lines[n] = lines[n].replace("skills:", "skils:")
    (rules / "office.yaml").write_text("\n".join(lines) + "\n")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"office.yaml:{n + 1}:" in err and "skils" in err


def test_it_names_file_and_line_of_a_wrong_type(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    lines = (rules / "sop.yaml").read_text().splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.strip() == "minutes: 15")
    lines[n] = lines[n].replace("15", "lima belas")
    (rules / "sop.yaml").write_text("\n".join(lines) + "\n")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"sop.yaml:{n + 1}:" in err and "integer" in err


def test_it_rejects_a_step_leading_nowhere(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    text = (rules / "sop.yaml").read_text().replace("then: {approve: 3,", "then: {approve: 33,")
    (rules / "sop.yaml").write_text(text)
    assert main(["check", "-c", str(cfg)]) == 1
    assert "step 33" in capsys.readouterr().err


@pytest.mark.parametrize("edit, expect", [
    (("port = 993", 'port = "imap"'), "mailbox.port"),
    (("[smtp]", "[smtp]\nretries = 3"), "unknown setting 'smtp.retries'"),
    (('timezone = "Asia/Jakarta"', 'timezone = "Asia/Bengkalis"'), "unknown time zone"),
    (("[paths]", "[paths"), "not valid TOML"),
])
def test_it_names_the_line_of_a_config_mistake(tmp_path, capsys, edit, expect):
    cfg, _ = rules_copy(tmp_path)
    cfg.write_text(cfg.read_text().replace(*edit))
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "liputan.toml:" in err and expect in err


def test_a_bad_nip_is_refused(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    text = (rules / "office.yaml").read_text().replace('"19680411 199303 1 009"', '"1968"', 1)
    (rules / "office.yaml").write_text(text)
    assert main(["check", "-c", str(cfg)]) == 1
    assert "18 digits" in capsys.readouterr().err


# ---- every problem, by file and line ----------------------------------------------------------
def edit(path: Path, old: str, new: str, nth: int = 0) -> int:
    """Replace the nth line containing `old`; return that line's number (1-based)."""
    lines = path.read_text().splitlines()
    hits = [i for i, ln in enumerate(lines) if old in ln]
    n = hits[nth]
    lines[n] = lines[n].replace(old, new)
    path.write_text("\n".join(lines) + "\n")
    return n + 1


def problems_of(cfg: Path, capsys, kinds=None) -> str:
    rc = check_config(str(cfg)) if kinds is None else check_config(str(cfg), kinds)
    assert rc == 1
    return capsys.readouterr().err


def test_an_unknown_kind_is_named_with_its_line(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", "kind: plan", "kind: plann")
    err = problems_of(cfg, capsys)
    assert f"sop.yaml:{line}: step 4: unknown kind 'plann'" in err


def test_kinds_come_from_the_caller(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", "kind: archive", "kind: archive")
    err = problems_of(cfg, capsys, kinds=DEFAULT_KINDS - {"archive"})
    assert f"sop.yaml:{line}: step 15: unknown kind 'archive'" in err
    edit(rules / "sop.yaml", "kind: archive", "kind: bagit")
    assert check_config(str(cfg), DEFAULT_KINDS | {"bagit"}) == 0


@pytest.mark.parametrize("old, new, nth, expect", [
    ("documents: [nota_dinas_tim]", "documents: [nota_dinas_team]", 0,
     "step 5: unknown document 'nota_dinas_team'"),
    ("attach: [spt, undangan_kalender]", "attach: [spt, undangan]", 0,
     "step 10: cannot attach 'undangan'"),
    ("documents: [lembar_disposisi]", "documents: [surat]", 0, "step 2: unknown document 'surat'"),
])
def test_an_unknown_document_is_named_with_its_line(tmp_path, capsys, old, new, nth, expect):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", old, new, nth)
    assert f"sop.yaml:{line}: {expect}" in problems_of(cfg, capsys)


@pytest.mark.parametrize("old, new, nth, expect", [
    ("to: kabid", "to: kabit", 0, "step 2: unknown role 'kabit'"),
    ("actors: [kadis]", "actors: [kadiss]", 0, "step 2: unknown role 'kadiss'"),
    ("actors: [staf]", "actors: [staff]", 0, "step 10: unknown role 'staff'"),
    ("{role: sekdis, action: paraf}", "{role: sekretaris, action: paraf}", 0,
     "step 9: 'sekretaris' is not an official"),
    ("{role: kadis, action: tandatangan}", "{role: team, action: tandatangan}", 0,
     "step 9: 'team' is not an official"),
    ("signer: kadis", "signer: bupati", 0, "document 'spt': 'bupati' is not an official"),
])
def test_an_unknown_role_is_named_with_its_line(tmp_path, capsys, old, new, nth, expect):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", old, new, nth)
    assert f"sop.yaml:{line}: {expect}" in problems_of(cfg, capsys)


def test_a_role_added_to_office_yaml_is_known(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    office = (rules / "office.yaml").read_text()
    kasi = office[office.index("  kasi:\n"):office.index("\nstaff:")]
    (rules / "office.yaml").write_text(office.replace(kasi, kasi + "\n" + kasi.replace("kasi:", "kabag:", 1)))
    edit(rules / "sop.yaml", "to: kabid", "to: kabag")
    assert check_config(str(cfg)) == 0


@pytest.mark.parametrize("new, expect", [
    ("when: outside_island and open('x')", "a function call is not allowed"),
    ("when: ().__class__", "an attribute ('.') is not allowed"),
    ("when: outside_islnd", "did you mean 'outside_island'"),
    ("when: days_until_event == 'besok'", "compares a number with text"),
    ("when: outside_island and", "not a valid condition"),
])
def test_a_bad_condition_is_named_with_its_line(tmp_path, capsys, new, expect):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", "when: outside_island", new, 1)
    err = problems_of(cfg, capsys)
    assert f"sop.yaml:{line}: 'steps.7.when': condition" in err and expect in err


def test_every_problem_is_reported_not_just_the_first(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    lines = [edit(rules / "sop.yaml", "kind: plan", "kind: plann"),
             edit(rules / "sop.yaml", "documents: [nota_dinas_tim]", "documents: [nota]"),
             edit(rules / "sop.yaml", "actors: [staf]", "actors: [staff]"),
             edit(rules / "sop.yaml", "then: {done: 13}", "then: {done: 31}")]
    err = problems_of(cfg, capsys)
    assert all(f"sop.yaml:{n}:" in err for n in lines) and "4 problems found" in err


def test_every_schema_problem_is_reported_across_files(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    lines = [edit(rules / "sop.yaml", "minutes: 15", "minutes: lima belas"),
             edit(rules / "sop.yaml", "when: outside_island", "when: outside_island()", 2)]
    office = edit(rules / "office.yaml", "skills:", "skils:")
    err = problems_of(cfg, capsys)
    assert all(f"sop.yaml:{n}:" in err for n in lines) and f"office.yaml:{office}:" in err
    assert "'skills' is required" not in err  # the misspelling is named once


def test_a_sign_step_agrees_with_its_documents_signers(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "sop.yaml", "initials: [kabid, sekdis]", "initials: [sekdis, kabid]")
    line = edit(rules / "sop.yaml", "signers:", "signers:")
    assert f"sop.yaml:{line}: step 9: signers" in problems_of(cfg, capsys)


def test_a_missing_template_is_named(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", "template: spt.docx", "template: surat-tugas.docx")
    assert f"sop.yaml:{line}: document 'spt': no template 'surat-tugas.docx'" in problems_of(cfg, capsys)


@pytest.mark.parametrize("old, new, expect", [
    ('pattern: "800.1.11.1/DISKOMINFOTIK/{seq:03d}/{year}"',
     'pattern: "800.1.11.1/DISKOMINFOTIK/{nomor}/{year}"', "must contain {seq}"),
    ('classification: "800.1.11.1"', 'classification: "800.2"', "does not start with"),
    ("builder: spt", "builder: surat", "'disposition_sheet', 'memo' or 'spt'"),
    ("variant: team", "variant: tim", "'team' or 'spt'"),
    ("taken: drafted", "taken: numbered", "'drafted' or 'signed'"),
])
def test_a_bad_document_declaration_is_named(tmp_path, capsys, old, new, expect):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", old, new)
    err = problems_of(cfg, capsys)
    assert f"sop.yaml:{line}:" in err and expect in err


# ---- numbering moved from office.yaml to sop.yaml ---------------------------------------------
# the `numbering:` section office.yaml shipped with before the patterns moved (an office's copy may keep it)
OLD_NUMBERING = """numbering:
  disposisi: "000.7/DISKOMINFOTIK/DISP/{seq:03d}/{year}"
  nota_dinas: "000.1.2.3/DISKOMINFOTIK-IKP/{seq:03d}/{roman_month}/{year}"
  spt: "800.1.11.1/DISKOMINFOTIK/{seq:03d}/{year}"

"""


def with_old_numbering(rules: Path) -> dict[str, int]:
    """office.yaml with the old section put back; the line of each of its patterns."""
    text = (rules / "office.yaml").read_text()
    at = text.index("\nteam:") + 1
    (rules / "office.yaml").write_text(text[:at] + OLD_NUMBERING + text[at:])
    first = text[:at].count("\n") + 1
    return {name: first + i for i, name in enumerate(("numbering", "disposisi", "nota_dinas", "spt"))}


def numbering_warnings(out: str) -> list[str]:
    """The warnings about numbers (the words after the file's name: a test's folder may say 'numbering')."""
    return [ln for ln in out.splitlines()
            if ln.startswith("warning:") and "numbering" in ln.rsplit("office.yaml", 1)[-1]]


def warnings_of(cfg: Path, capsys) -> list[str]:
    assert check_config(str(cfg)) == 0
    return numbering_warnings(capsys.readouterr().out)


def test_the_shipped_rules_give_no_numbering_warning(tmp_path, capsys):
    """`liputan sandbox` then `liputan check` on a fresh install: nothing to act on about numbers."""
    assert main(["check", "-c", str(REPO / "systemd" / "liputan.toml")]) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and not numbering_warnings(out)  # (others, e.g. the credentials, stay)
    cfg, _ = rules_copy(tmp_path)
    assert warnings_of(cfg, capsys) == []


def test_an_old_numbering_section_nothing_uses_is_named_pattern_by_pattern(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    lines = with_old_numbering(rules)
    found = warnings_of(cfg, capsys)
    office = rules / "office.yaml"
    assert len(found) == 3, found
    assert (f"warning: {office}:{lines['disposisi']}: numbering.disposisi (000.7/DISKOMINFOTIK/DISP/"
            "{seq:03d}/{year}) is not used: no document in sop.yaml is numbered on sequence "
            "'disposisi'") in found[0]
    for name, warning in zip(("nota_dinas", "spt"), found[1:]):
        assert f"{office}:{lines[name]}: numbering.{name} (" in warning
        assert f"every document on sequence '{name}' has its own pattern in sop.yaml" in warning
        assert "changes no letter number" in warning


def test_an_old_pattern_a_document_still_uses_is_named_as_to_be_moved(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    lines = with_old_numbering(rules)
    edit(rules / "sop.yaml", 'pattern: "800.1.11.1', '# pattern: "800.1.11.1')  # the SPT falls back
    found = warnings_of(cfg, capsys)
    assert len(found) == 3  # disposisi and nota_dinas: not used
    assert (f"warning: {rules / 'office.yaml'}:{lines['spt']}: numbering.spt "
            "(800.1.11.1/DISKOMINFOTIK/{seq:03d}/{year}) numbers 'spt': letter numbers have "
            "moved to sop.yaml (documents: <name>: numbering: pattern); move it there") in found


def test_a_document_without_any_pattern_is_a_problem(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", 'pattern: "800.1.11.1', '# pattern: "800.1.11.1')
    err = problems_of(cfg, capsys)
    assert "document 'spt' has no numbering pattern" in err and f"sop.yaml:{line - 2}:" in err


def test_an_old_sop_yaml_without_documents_still_passes(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    with_old_numbering(rules)  # an old install: its office.yaml has the patterns
    text = (rules / "sop.yaml").read_text()
    (rules / "sop.yaml").write_text(text[:text.index("\n# The letters, by name.")] + "\n")
    assert check_config(str(cfg)) == 0


@pytest.mark.parametrize("old, new, nth, expect", [
    ("to: kadis", "to: team", 0, "step 7: memo 'nota_dinas_spt' needs an official"),
    ("actors: [kasi]", "actors: [system]", 1, "step 5: memo 'nota_dinas_tim' needs an official"),
])
def test_a_memo_needs_an_official_sender_and_recipient(tmp_path, capsys, old, new, nth, expect):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "sop.yaml", old, new, nth)
    text = (rules / "sop.yaml").read_text()
    step = int(expect.split()[1].rstrip(":"))
    lines = text.splitlines()
    start = lines.index(f"  - number: {step}")
    line = next(i + 1 for i in range(start, len(lines)) if lines[i].strip().startswith("documents:"))
    assert f"sop.yaml:{line}: {expect}" in problems_of(cfg, capsys)


def test_a_number_taken_at_signing_needs_a_signer(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    line = edit(rules / "sop.yaml", "taken: drafted", "taken: signed", 1)
    assert f"sop.yaml:{line}: document 'nota_dinas_tim': a number taken when signed needs a " \
           "'signer'" in problems_of(cfg, capsys)


def test_the_spt_may_take_its_number_when_signed(tmp_path):
    cfg, rules = rules_copy(tmp_path)
    assert 'taken: signed' in (rules / "sop.yaml").read_text()  # as shipped (issue 10)
    assert check_config(str(cfg)) == 0
