"""`liputan check` on the mistakes a new office makes (usertry): each named by file and line, with
the nearest right word, and never a traceback."""

from __future__ import annotations


from test_check import edit, rules_copy

from daemon.app.cli import main


def test_an_impossible_date_in_office_yaml_is_named_not_a_traceback(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    n = edit(rules / "office.yaml", "from: 2026-12-14", "from: 2026-12-32")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"office.yaml:{n}: not a valid value: '2026-12-32' (day is out of range for month)" in err
    assert "Traceback" not in err


def test_a_misspelled_rules_key_names_the_right_one(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    n = edit(rules / "office.yaml", "    salutation: Bapak", "    salutaton: Bapak")
    m = edit(rules / "sop.yaml", "    minutes: 5", "    minuts: 5")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"office.yaml:{n}: unknown key 'salutaton' (did you mean 'salutation'?)" in err
    assert f"sop.yaml:{m}: unknown key 'minuts' (did you mean 'minutes'?)" in err


def test_a_key_nothing_resembles_keeps_the_plain_message(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "sop.yaml", "    minutes: 5", "    zzzqqq: 5")
    assert main(["check", "-c", str(cfg)]) == 1
    assert "unknown key 'zzzqqq' (misspelled? keys allowed here are listed in the docs)" in capsys.readouterr().err


def test_a_misspelled_outcome_is_one_problem_with_the_right_word(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    n = edit(rules / "sop.yaml", "reject: rejected, revise: back}", "reject: rejectd, revise: back}")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert err.count(f"sop.yaml:{n}:") == 1  # not once per member of the union (int, literal)
    assert "'rejectd' is none of the allowed values" in err and "(did you mean 'rejected'?)" in err
    assert ".int'" not in err and "literal[" not in err


def test_a_misspelled_config_key_and_section_name_the_right_one(tmp_path, capsys):
    cfg, _ = rules_copy(tmp_path)
    n = edit(cfg, 'folder = "INBOX"', 'foldr = "INBOX"')
    assert main(["check", "-c", str(cfg)]) == 1
    assert f"liputan.toml:{n}: unknown setting 'mailbox.foldr' (did you mean 'folder'?)" in capsys.readouterr().err
    cfg, _ = rules_copy(tmp_path / "b")
    n = edit(cfg, "[smtp]", "[smpt]")
    assert main(["check", "-c", str(cfg)]) == 1
    assert f"liputan.toml:{n}: unknown setting 'smpt' (did you mean 'smtp'?)" in capsys.readouterr().err


def test_a_missing_password_file_says_what_stops_working(tmp_path, capsys):
    cfg, _ = rules_copy(tmp_path)
    missing = tmp_path / "imap-password"
    cfg.write_text(cfg.read_text().replace("/run/credentials/liputan.service/imap-password", str(missing)))
    assert main(["check", "-c", str(cfg)]) == 0  # the service's credentials may come only at its start
    out = capsys.readouterr().out
    assert (f"[mailbox] password_file {missing} is not readable here: the file does not exist; "
            "the daemon cannot log in to the mailbox, so no mail is read") in out
    assert "smtp-password is not readable here: the file does not exist; no mail can be sent " \
           "(expected before the service starts" in out
    missing.mkdir()
    main(["check", "-c", str(cfg)])
    assert "is not readable here: it is a folder, not a file" in capsys.readouterr().out


def test_the_log_keeps_the_reason_a_password_file_cannot_be_read(tmp_path):
    from daemon.app import logs
    from daemon.core.config_schema import Secret
    from daemon.core.errors import ConfigError
    try:
        Secret(password_file=str(tmp_path / "imap-password")).secret()
    except ConfigError as exc:
        line = logs.mask(f"mailbox connection failed (ConfigError: {exc})")
    assert line.endswith("imap-password: the password file cannot be read (No such file or directory))")
    assert "***" not in line
    assert logs.mask("login --password=abc123 password: hunter2") == "login --password=*** password: ***"


def test_a_zone_written_as_wita_names_its_zone(tmp_path, capsys):
    cfg, _ = rules_copy(tmp_path)
    n = edit(cfg, 'timezone = "Asia/Jakarta"', 'timezone = "WITA"')
    assert main(["check", "-c", str(cfg)]) == 1
    assert f"liputan.toml:{n}: setting 'office.timezone'" in (err := capsys.readouterr().err)
    assert "unknown time zone 'WITA' (did you mean 'Asia/Makassar'?)" in err


def test_status_of_a_daemon_never_run_shows_no_placeholder(tmp_path, capsys):
    cfg, _ = rules_copy(tmp_path)
    cfg.write_text(cfg.read_text().replace('"sqlite:////var/lib/liputan/liputan.db"',
                                           f'"sqlite:///{tmp_path}/never.db"'))
    main(["status", "-c", str(cfg)])
    out = capsys.readouterr().out
    assert "Kotak surat  : tidak diketahui (daemon tidak berjalan)\n" in out and "(- di -)" not in out


# ---- one run names every mistake: a structural error does not hide the rule errors ----------
def test_a_misspelled_key_does_not_hide_unknown_kinds_documents_and_roles(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    lines = [edit(rules / "sop.yaml", "    minutes: 5", "    minuts: 5"),
             edit(rules / "sop.yaml", "kind: plan", "kind: plann"),
             edit(rules / "sop.yaml", "documents: [nota_dinas_tim]", "documents: [nota_dinas_team]"),
             edit(rules / "sop.yaml", "to: kabid", "to: kabit"),
             edit(rules / "sop.yaml", "signer: kadis", "signer: bupati"),
             edit(rules / "sop.yaml", "when: outside_island", "when: outside_islnd")]
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"sop.yaml:{lines[0]}: unknown key 'minuts'" in err
    assert f"sop.yaml:{lines[1]}: step 4: unknown kind 'plann'" in err
    assert f"sop.yaml:{lines[2]}: step 5: unknown document 'nota_dinas_team'" in err
    assert f"sop.yaml:{lines[3]}: step 2: unknown role 'kabit'" in err
    assert f"sop.yaml:{lines[4]}: document 'spt': 'bupati' is not an official" in err
    assert f"sop.yaml:{lines[5]}: 'steps." in err and "did you mean 'outside_island'" in err
    assert "6 problems found" in err


def test_a_broken_office_yaml_still_lends_its_roles_to_the_sop_check(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    office = edit(rules / "office.yaml", "    salutation: Bapak", "    salutaton: Bapak")
    role = edit(rules / "sop.yaml", "actors: [kadis]", "actors: [kadiss]")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"office.yaml:{office}: unknown key 'salutaton'" in err
    assert f"sop.yaml:{role}: step 2: unknown role 'kadiss'" in err


def test_config_mistakes_and_rule_mistakes_come_in_one_list(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    folder = edit(cfg, 'folder = "INBOX"', 'foldr = "INBOX"')
    zone = edit(cfg, 'timezone = "Asia/Jakarta"', 'timezone = "WITA"')
    kind = edit(rules / "sop.yaml", "kind: plan", "kind: plann")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"liputan.toml:{folder}: unknown setting 'mailbox.foldr'" in err
    assert f"liputan.toml:{zone}: setting 'office.timezone'" in err
    assert f"sop.yaml:{kind}: step 4: unknown kind 'plann'" in err
    assert "3 problems found" in err


def test_rules_that_cannot_be_read_are_said_to_be_unchecked_in_one_line(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "sop.yaml", "kind: plan", "kind: [plan")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "not valid YAML" in err and "1 problem found" in err
    assert err.count("are not checked until") == 1
    assert err.strip().splitlines()[-1].endswith(
        "sop.yaml: its steps' kinds, documents, roles and conditions are not checked until the file can be read")
    cfg.write_text(cfg.read_text() + "\n[[[\n")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "not valid TOML" in err and "the rules are not checked until the config can be read" in err


def test_an_unreadable_office_yaml_says_the_roles_wait_for_it(tmp_path, capsys):
    cfg, rules = rules_copy(tmp_path)
    edit(rules / "office.yaml", "    salutation: Bapak", "    salutation: [Bapak")
    assert main(["check", "-c", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "office.yaml" in err and "not valid YAML" in err
    assert err.strip().splitlines()[-1].endswith(
        "office.yaml: the roles sop.yaml names are not checked until this file can be read")
