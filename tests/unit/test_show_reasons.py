"""`liputan show --json` says why each reply was read as it was: the words that decided or were held
back, how the quote was removed, and the sender-trust verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import CAMAT, KADIS, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.app.cli import main
from daemon.mail import mime
from daemon.reading.replies import load_lexicon, read_reply_with_reasons

ROOT = Path(__file__).resolve().parents[2]
LEX = load_lexicon(ROOT / "rules" / "lexicon.yaml")
AUTHSERV = "mx.bengkaliskab.go.id"


def _why(text: str) -> dict:
    return read_reply_with_reasons(text, LEX)[1]


def test_it_names_the_words_that_decided() -> None:
    assert _why("Tdk setuju, jadwal bentrok")["decided_by"] == "Tdk setuju"
    assert _why("Setuju, tapi bawa drone")["decided_by"] == "Setuju"
    assert _why("belum bisa saya setujui")["rule"] == "negation before an approval"


@pytest.mark.parametrize(("text", "words", "because"), [
    ("Nanti saya cek dulu ya", "ya", "particle in a reply that defers or asks"),
    ("Setuju? Bukannya acara ini sudah dibatalkan?", "Setuju", "question"),
    ("Setuju, nanti saya kabari", "Setuju", "hedge in the sentence, or a particle that is not the answer"),
])
def test_it_names_the_words_held_back_and_the_rule(text: str, words: str, because: str) -> None:
    why = _why(text)
    assert why["decided_by"] is None and why["rule"] == "every decision word held back"
    assert {"words": words, "as": "approve", "because": because} in why["held_back"]


def test_it_says_when_the_decision_came_from_the_subject() -> None:
    raw = (ROOT / "tests" / "data" / "replies" / "80_gmail_id_subject_only_tolak.eml").read_bytes()
    reading, why = read_reply_with_reasons(mime.parse(raw), LEX)
    assert reading.decision == "reject" and why["from_subject"] == "TOLAK" and why["own_text"] == ""


def test_it_says_a_machine_never_decides() -> None:
    raw = (ROOT / "tests" / "data" / "auto" / "10_outlook_mdn_dibaca.eml").read_bytes()
    reading, why = read_reply_with_reasons(mime.parse(raw), LEX)
    assert reading.decision is None and why["machine"].startswith("auto_reply")


def _show(office: Office, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["-c", str(office.folder / "liputan.toml"), "show", office.request().code, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["events"]


def _signed(msg, authserv: str = AUTHSERV):
    msg["Authentication-Results"] = (f"{authserv}; dkim=pass header.d=bengkaliskab.go.id header.s=s1; "
                                     "spf=pass smtp.mailfrom=bengkaliskab.go.id")
    return msg


def test_show_json_gives_each_replys_reasons(tmp_path: Path, capsys) -> None:
    office = Office(tmp_path)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    task = office.last_to(KADIS)
    hedge = reply(task, KADIS, "Nanti saya cek dulu ya", style="outlook")
    office.deliver(hedge)
    yes = reply(task, KADIS, "Setuju, tapi bawa drone")
    office.deliver(yes)
    events = {e["message_id"]: e for e in _show(office, capsys) if e.get("reasons")}

    held = events[hedge["Message-ID"]]["reasons"]
    assert held["read_as"] is None and held["decided_by"] is None
    assert {"words": "ya", "as": "approve", "because": "particle in a reply that defers or asks"} in held["held_back"]
    quotes = held["quotes"]
    assert quotes["cut_by"] == "header block" and quotes["first_quoted_line"].startswith("____")
    assert quotes["share_of_what_we_sent"] >= 0.7  # the rest is Outlook's Dari/Dikirim/Kepada/Subjek
    assert held["answered"] == task["Message-ID"]

    decided = events[yes["Message-ID"]]
    assert decided["decision"] == "approve"
    why = decided["reasons"]
    assert (why["decided_by"], why["note"], why["same_as_recorded"]) == ("Setuju", "bawa drone", True)
    assert why["own_text"] == "Setuju, tapi bawa drone"
    assert why["quotes"]["cut_by"] == "attribution line" and why["quotes"]["share_of_what_we_sent"] >= 0.9
    assert why["trust"] == {"checked": False, "why": "no [office] authserv_id configured"}


def test_show_json_gives_the_trust_verdict(tmp_path: Path, capsys) -> None:
    office = Office(tmp_path, authserv_id=AUTHSERV)
    office.deliver(letter(CAMAT, "Permohonan Peliputan", BANTAN, display="Kantor Camat Bantan"))
    task = office.last_to(KADIS)
    forged = _signed(reply(task, KADIS, "Setuju"), authserv="mx.elsewhere.example")
    office.deliver(forged)
    signed = _signed(reply(task, KADIS, "Setuju"))
    office.deliver(signed)
    assert office.request().step == 3
    events = {e["message_id"]: e for e in _show(office, capsys) if e.get("reasons")}
    refused = events[forged["Message-ID"]]
    assert refused["kind"] == "refused" and refused["reasons"]["trust"]["passed"] is False
    assert refused["reasons"]["read_as"] == "approve"  # the words approved; the sender was not proven
    accepted = events[signed["Message-ID"]]["reasons"]["trust"]
    assert accepted["checked"] and accepted["passed"] and accepted["authserv_id"] == AUTHSERV
