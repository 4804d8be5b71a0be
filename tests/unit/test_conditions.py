"""`when:` conditions: a whitelisted expression language over facts; hostile input is refused, never run."""

from __future__ import annotations

import pytest

from daemon.core.conditions import (
    KNOWN_FACTS,
    MAX_DEPTH,
    MAX_LENGTH,
    REQUESTER_KINDS,
    ConditionError,
    check_condition,
    compile_condition,
)

FACTS = {"outside_island": True, "days_until_event": 3, "requester_kind": "kecamatan",
         "kecamatan": "Rupat", "island": "Rupat", "team_size": 2, "until_done": False,
         "has_letter_attachment": True}


def holds(text: str, **facts) -> bool:
    return compile_condition(text).evaluate({**FACTS, **facts})


# ---- the office's rule and Python's and/or/not ----------------------------------------------
@pytest.mark.parametrize("value, expected", [(True, True), (False, False), (None, True)])
def test_outside_island_unknown_counts_as_outside(value, expected):
    assert holds("outside_island", outside_island=value) is expected


def test_a_missing_fact_counts_as_unknown():
    assert compile_condition("outside_island").evaluate({}) is True
    assert compile_condition("until_done").evaluate({}) is False


@pytest.mark.parametrize("text, expected", [
    ("outside_island and days_until_event >= 1", True),
    ("outside_island and days_until_event > 3", False),
    ("not outside_island or team_size == 2", True),
    ("not (outside_island or until_done)", False),
    ("until_done or has_letter_attachment and team_size > 5", False),  # and binds tighter
    ("(until_done or has_letter_attachment) and team_size < 5", True),
    ("not not outside_island", True),
    ("True", True), ("False", False), ("true_story == None", True),
])
def test_boolean_logic_is_pythons(text, expected):
    assert holds(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("days_until_event == 3", True), ("days_until_event != 3", False),
    ("days_until_event < 4", True), ("days_until_event <= 3", True),
    ("days_until_event > 3", False), ("days_until_event >= 3.5", False),
    ("0 < days_until_event <= 3", True), ("0 < days_until_event < 3", False),
    ("days_until_event > -1", True), ("days_until_event > +2", True),
    ('requester_kind in ["kecamatan", "desa"]', True),
    ('requester_kind in ("dinas", "badan")', False),
    ('requester_kind not in ["dinas"]', True),
    ('kecamatan == island', True), ('kecamatan != "Bantan"', True),
    ('"Rupat" == kecamatan', True),
])
def test_comparisons(text, expected):
    assert holds(text) is expected


@pytest.mark.parametrize("text", [
    "days_until_event < 5", "days_until_event > 5", "days_until_event == 3",
    "days_until_event != 3", 'kecamatan == "Rupat"', 'kecamatan != "Rupat"',
    'kecamatan in ["Rupat"]', 'kecamatan not in ["Rupat"]', "0 < days_until_event",
])
def test_comparing_an_unknown_fact_is_false(text):
    assert holds(text, days_until_event=None, kecamatan=None) is False


def test_only_a_literal_none_compares_with_unknown():
    assert holds("kecamatan == None", kecamatan=None) is True
    assert holds("kecamatan != None", kecamatan=None) is False
    assert holds("None == kecamatan", kecamatan="Rupat") is False
    assert holds("kecamatan != None", kecamatan="Rupat") is True
    assert holds("not (kecamatan == 'Rupat')", kecamatan=None) is True


def test_mismatched_values_at_runtime_are_false_not_errors():
    assert holds("days_until_event < 3", days_until_event="soon") is False


def test_names_are_the_facts_read():
    cond = compile_condition("outside_island and (days_until_event < 2 or kecamatan == None)")
    assert cond.names == {"outside_island", "days_until_event", "kecamatan"}
    assert compile_condition("True").names == frozenset()


def test_whitespace_around_is_fine_and_compiling_is_cached():
    assert compile_condition("  outside_island  ").evaluate({}) is True
    assert compile_condition("outside_island") is compile_condition("outside_island")


def test_a_multi_line_condition_in_parentheses():
    assert holds("(outside_island\n and team_size == 2)") is True


# ---- refused: anything but the whitelist ----------------------------------------------------
@pytest.mark.parametrize("text, what", [
    ("__import__('os')", "function call"),
    ("__import__('os').system('true')", "function call"),
    ("().__class__", "attribute"),
    ("().__class__.__bases__[0].__subclasses__()", "function call"),
    ("outside_island.real", "attribute"),
    ("[1][0]", "indexing"),
    ("open('/etc/passwd')", "function call"),
    ("lambda: 1", "lambda"),
    ("[x for x in ()]", "comprehension"),
    ("{x for x in ()}", "comprehension"),
    ("(x for x in ())", "generator"),
    ("f'{outside_island}'", "f-string"),
    ("(x := 1)", "':='"),
    ("9 ** 9 ** 9 > 1", "arithmetic"),
    ("days_until_event + 1 > 2", "arithmetic"),
    ("'a' * 10 == 'b'", "arithmetic"),
    ("1 if outside_island else 0", "if"),
    ("{'a': 1}", "dict"),
    ("{1}", "set"),
    ("outside_island is None", "'is'"),
    ("kecamatan is not None", "'is'"),
    ("'text'", "on its own"),
    ("3", "on its own"),
    ("None", "on its own"),
    ("b'bytes' == kecamatan", "not allowed"),
    ("1j == days_until_event", "not allowed"),
    ("... == kecamatan", "not allowed"),
    ("[1, 2]", "list outside"),
    ("days_until_event == [1]", "list outside"),
    ("kecamatan in island", "list of values"),
    ("kecamatan in [island]", "plain values"),
    ("kecamatan in [[1]]", "plain values"),
    ("kecamatan in [f()]", "plain values"),
    ("(team_size == 1) == True", "comparing a comparison"),
    ("-outside_island == 1", "comparing a comparison"),
    ("-(-1) == days_until_event", "comparing a comparison"),
    ("~days_until_event == 1", "comparing a comparison"),
    ("__builtins__", "name"),
    ("_secret", "name"),
    ("*a", "not a valid condition"),
])
def test_hostile_and_unsupported_expressions_are_refused(text, what):
    with pytest.raises(ConditionError) as info:
        compile_condition(text)
    assert what in str(info.value)


@pytest.mark.parametrize("text", [
    "outside_island and", "and", "(outside_island", "outside_island)", "a b", "x = 1",
    "import os", "yield 1", "await x", "outside_island;1", "", "   ", "\n",
])
def test_syntax_errors_are_refused(text):
    with pytest.raises(ConditionError):
        compile_condition(text)


def test_statement_injection_is_a_syntax_error_not_run(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ConditionError):
        compile_condition(f"outside_island\nopen({str(marker)!r}, 'w')")
    assert not marker.exists()


def test_the_column_points_at_the_offence():
    with pytest.raises(ConditionError) as info:
        compile_condition("outside_island and open('x')")
    assert info.value.column == 20 and "column 20" in str(info.value)
    with pytest.raises(ConditionError) as info:
        compile_condition("outside_island and")
    assert info.value.column is not None


@pytest.mark.parametrize("text", [
    "not " * 60 + "outside_island",
    "not (" * 30 + "outside_island" + ")" * 30,
    " and ".join(["(outside_island or (until_done and (team_size == 1 or ("] * 10) + "True",
])
def test_deep_nesting_is_refused(text):
    with pytest.raises(ConditionError):
        compile_condition(text)


def test_nesting_up_to_the_limit_is_accepted():
    assert holds("not " * (MAX_DEPTH - 1) + "until_done") is True
    assert holds("(" * 100 + "outside_island" + ")" * 100) is True  # brackets alone nest nothing


@pytest.mark.parametrize("text", [
    "kecamatan == '" + "x" * MAX_LENGTH + "'",
    "outside_island or " * 100 + "True",
    "days_until_event == " + "9" * 10_000,
    "x" * 1_000_000,
])
def test_very_long_conditions_are_refused(text):
    with pytest.raises(ConditionError) as info:
        compile_condition(text)
    assert "longer than" in str(info.value)


@pytest.mark.parametrize("text", ["outside_island\x00", "kecamatan == 'a\x1b[2J'", "a\x7f"])
def test_control_characters_are_refused(text):
    with pytest.raises(ConditionError):
        compile_condition(text)


@pytest.mark.parametrize("value", [None, 1, b"outside_island", ["outside_island"]])
def test_only_text_compiles(value):
    with pytest.raises(ConditionError):
        compile_condition(value)


# ---- checking names and types ---------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "outside_island", "not outside_island and days_until_event <= 2",
    'requester_kind in ["kecamatan", "desa"] or island == "Bengkalis"',
    "kecamatan == None", "days_until_event != None", "team_size >= 2 and until_done",
    "has_letter_attachment", "days_until_event > 1.5", "0 <= days_until_event < 7",
])
def test_well_typed_conditions_have_no_problems(text):
    assert check_condition(text) == []


@pytest.mark.parametrize("text, expect", [
    ("outsid_island", "did you mean 'outside_island'"),
    ("weather == 'rain'", "unknown fact 'weather'"),
    ("days_until_event == '3'", "compares a number with text"),
    ("days_until_event in ['3', 4]", "compares a number with text"),
    ("kecamatan == 3", "compares text with a number"),
    ("outside_island == 1", "compares true/false with a number"),
    ("days_until_event == True", "compares a number with true/false"),
    ("kecamatan < 'M'", "needs numbers"),
    ("outside_island > False", "needs numbers"),
    ("team_size", "not true/false"),
    ("kecamatan and outside_island", "not true/false"),
    ("requester_kind == 'kantor'", "never 'kantor'"),
    ("requester_kind in ['desa', 'rt']", "never 'rt'"),
    ("team_size == None", "always known"),
    ("outside_island and", "not a valid condition"),
    ("open('x')", "function call"),
])
def test_check_reports_unknown_names_and_type_mismatches(text, expect):
    problems = check_condition(text)
    assert any(expect in p for p in problems), problems


def test_check_reports_every_problem():
    problems = check_condition("weather == 1 and days_until_event == 'x' and kecamatan < 1")
    assert len(problems) == 3


def test_the_known_facts_are_documented():
    assert set(KNOWN_FACTS) == {"outside_island", "days_until_event", "requester_kind",
                                "kecamatan", "island", "team_size", "until_done",
                                "has_letter_attachment"}
    assert all(f.meaning and f.name == name for name, f in KNOWN_FACTS.items())
    assert KNOWN_FACTS["outside_island"].unknown_means is True
    assert [n for n, f in KNOWN_FACTS.items() if f.unknown_means] == ["outside_island"]
    assert {"kecamatan", "desa", "dinas", "badan", "bagian", "rsud", "sekolah",
            "lainnya"} <= set(REQUESTER_KINDS)
    assert KNOWN_FACTS["requester_kind"].values == tuple(REQUESTER_KINDS)
