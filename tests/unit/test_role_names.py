"""A display name that is only a role ("Kepala Dinas", "Kadis", "Bupati") from an unknown address is
flagged: the reply is not trusted as that official, the official and the operator are told, and
nothing goes back to the sender."""

from __future__ import annotations

import pytest
from harness import KADIS, OPERATOR, SEKDIS, Office, letter, reply
from test_workflow_bodies import BANTAN

from daemon.mail import mime
from daemon.reading.trust import role_claim

# (jabatan, email) of the example office's officials
ROLES = [("Kepala Dinas Komunikasi, Informatika dan Statistik", KADIS),
         ("Sekretaris Dinas Komunikasi, Informatika dan Statistik", SEKDIS),
         ("Kepala Bidang Informasi dan Komunikasi Publik", "kabid.ikp@bengkaliskab.go.id"),
         ("Kepala Seksi Liputan dan Dokumentasi", "kasi.liputan@bengkaliskab.go.id")]


@pytest.mark.parametrize(("display", "role", "official"), [
    ("Kepala Dinas", "Kepala Dinas", KADIS),
    ("KADIS", "Kepala Dinas", KADIS),
    ("Kadis Kominfo", "Kepala Dinas", KADIS),
    ("Bapak Kepala Dinas Komunikasi, Informatika dan Statistik", "Kepala Dinas", KADIS),
    ("Sekretaris Dinas", "Sekretaris Dinas", SEKDIS),
    ("Plt. Kadis Diskominfotik", "Kepala Dinas", KADIS),
    ("Bupati", "Bupati", None),
    ("Bupati Bengkalis", "Bupati", None),
    ("Wakil Bupati", "Wakil Bupati", None),
])
def test_a_role_for_a_name_is_a_claim(display: str, role: str, official: str | None) -> None:
    assert role_claim(display, ROLES) == (role, official)


@pytest.mark.parametrize("display", [
    "", "Muhammad Rizki", "Kepala Dinas Kesehatan", "Dinas Pendidikan", "Kantor Camat Bantan",
    "Johansyah Syafri (Kepala Dinas)", "Kepala Sekolah SMAN 1 Bengkalis", "Bidang Humas",
])
def test_a_name_or_another_office_is_no_claim(display: str) -> None:
    assert role_claim(display, ROLES) is None


@pytest.fixture
def office(tmp_path, db_url):
    return Office(tmp_path, database=db_url)


def _disposition(office: Office):
    office.deliver(letter("camat.bantan@bengkaliskab.go.id", "Permohonan Peliputan", BANTAN,
                          display="Kantor Camat Bantan"))
    return office.last_to(KADIS)


@pytest.mark.parametrize("display", ["Kepala Dinas", "Kadis"])
def test_a_reply_signed_only_kepala_dinas_changes_nothing(office, display: str) -> None:
    stranger = "kadis.kominfo.bks@gmail.com"
    sent = len(office.outbox())
    inbound = office.deliver(reply(_disposition(office), stranger, "Setuju", display=display))
    assert inbound.status == "quarantined" and "Kepala Dinas" in (inbound.reason or "")
    assert office.request().step == 2  # still waiting for the real Kadis
    assert office.mail_to(stranger) == []  # nothing goes back to the sender
    warned = office.last_to(KADIS)
    assert stranger in mime.body_text(warned) and display in mime.body_text(warned)
    assert OPERATOR in mime.header(warned, "Cc")
    assert len(office.outbox()) > sent


def test_a_reply_as_bupati_tells_the_operator(office) -> None:
    stranger = "bupati.bengkalis.official@gmail.com"
    inbound = office.deliver(reply(_disposition(office), stranger, "Setuju, segera liput", display="Bupati"))
    assert inbound.status == "quarantined"
    assert office.request().step == 2
    assert office.mail_to(stranger) == []
    alert = office.last_to(OPERATOR)
    assert stranger in mime.body_text(alert) and "Bupati" in mime.body_text(alert)


def test_the_requester_may_sign_with_a_role(office) -> None:
    _disposition(office)
    inbound = office.deliver(reply(office.last_to("camat.bantan@bengkaliskab.go.id"),
                                   "camat.bantan@bengkaliskab.go.id", "Terima kasih.", display="Kepala Dinas"))
    assert inbound.status != "quarantined"  # a known address is not flagged
    assert not [m for m in office.mail_to(KADIS) if "Peringatan" in mime.header(m, "Subject")]


def test_a_run_of_forgeries_is_one_warning_an_hour(office) -> None:
    """Each forged reply is refused and in the history; the official is warned once, not flooded."""
    task = _disposition(office)
    before = len(office.mail_to(KADIS))
    for i, display in enumerate(["Kepala Dinas", "Kadis", "Kepala Dinas", "Kadis Kominfo"]):
        inbound = office.deliver(reply(task, f"kadis{i}@gmail.com", "Setuju", display=display))
        assert inbound.status == "quarantined"
    assert len(office.mail_to(KADIS)) == before + 1
    refused = [e for e in office.events(office.request().code) if "refused" in e]
    assert len(refused) == 4
    assert office.request().step == 2
