"""Request extraction against the corpus in tests/data/requests and the reply/missing-field helpers."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.core.places import load_places
from daemon.core.types import RequestFacts
from daemon.mail import mime
from daemon.reading.extract import (
    complete_from_reply,
    extract_requests,
    missing_fields_text,
    split_forwarded,
    title_from_subject,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "requests"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
CASES = sorted(p.name[: -len(".eml")] for p in CORPUS.glob("*.eml"))


@pytest.fixture(scope="module")
def places():
    return load_places(ROOT / "rules" / "places.yaml")


def _load(name: str) -> tuple[EmailMessage, dict]:
    msg = mime.parse((CORPUS / f"{name}.eml").read_bytes())
    expected = yaml.safe_load((CORPUS / f"{name}.expected.yaml").read_text(encoding="utf-8"))
    return msg, expected


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "")).strip().casefold()


def _check(facts: RequestFacts, exp: dict) -> list[str]:
    """Differences between one reading and its expectation, as readable strings."""
    errors: list[str] = []
    for key, want in exp.items():
        if key.endswith("_contains"):
            got = getattr(facts, key[: -len("_contains")])
            if _squash(want) not in _squash(got):
                errors.append(f"{key}: {want!r} not in {got!r}")
        elif key in ("start", "end"):
            got = getattr(facts, key)
            want_dt = datetime.fromisoformat(want) if want else None
            if got != want_dt or (got and got.utcoffset() != want_dt.utcoffset()):
                errors.append(f"{key}: want {want} got {got and got.isoformat()}")
        elif key == "start_offset_hours":
            if facts.start is None or facts.start.utcoffset().total_seconds() != want * 3600:
                errors.append(f"start offset: want {want}h got {facts.start}")
        elif key == "event_date":
            if facts.event_date != date.fromisoformat(want):
                errors.append(f"event_date: want {want} got {facts.event_date}")
        elif key == "letter_date":  # a date since issue 10, written in the YAML as ISO text
            if facts.letter_date != (date.fromisoformat(want) if want else None):
                errors.append(f"letter_date: want {want} got {facts.letter_date}")
        elif key == "missing":
            if sorted(facts.missing) != sorted(want):
                errors.append(f"missing: want {want} got {facts.missing}")
        elif getattr(facts, key) != want:
            errors.append(f"{key}: want {want!r} got {getattr(facts, key)!r}")
    return errors


def _known_miss(name: str) -> str:
    """Why the reader is known to get this letter wrong ("" when it must read it right)."""
    return yaml.safe_load((CORPUS / f"{name}.expected.yaml").read_text(encoding="utf-8")).get("known_miss", "")


# A letter the reader still gets wrong says so in its expectation (`known_miss: why`); its test must
# keep failing (strict), so a fix shows up as an XPASS to turn into a plain expectation.
@pytest.mark.parametrize("name", [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=_known_miss(c)))
                                  if _known_miss(c) else c for c in CASES])
def test_corpus_message(name: str, places) -> None:
    msg, expected = _load(name)
    got = extract_requests(msg, places, NOW)
    want = expected["requests"]
    assert len(got) == len(want), [g.title for g in got]
    errors = [f"event {i + 1}: {e}" for i, (g, w) in enumerate(zip(got, want)) for e in _check(g, w)]
    assert not errors, "\n".join(errors)


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert sum(bool(_known_miss(c)) for c in CASES) <= len(CASES) // 10  # a known miss is the exception
    assert all((CORPUS / f"{c}.expected.yaml").exists() for c in CASES)


def test_tesseract_is_installed_with_indonesian() -> None:
    """OCR cases must fail loudly, not skip, when tesseract or its Indonesian data is missing."""
    import pytesseract

    assert pytesseract.get_tesseract_version()
    assert "ind" in pytesseract.get_languages(config="")


def test_rfc2047_subject_and_rfc2231_attachment_name() -> None:
    msg, expected = _load("14_bpbd_rfc2231_pdf")
    assert mime.header(msg, "Subject") == expected["subject"]
    assert [a.filename for a in mime.attachments(msg)] == [expected["attachment_name"]]


def test_agenda_marks_only_mainland_events_outside(places) -> None:
    msg, _ = _load("10_protokol_agenda_numbered")
    got = extract_requests(msg, places, NOW)
    assert [f.outside_island for f in got] == [False, True, False, False]
    assert len({f.requester for f in got}) == 1


# ---- never raises ------------------------------------------------------------------------------
def test_empty_message_gives_one_all_missing_reading(places) -> None:
    got = extract_requests(mime.parse(b""), places, NOW)
    assert len(got) == 1
    assert got[0].missing == ["title", "start", "location", "requester"]


def test_broken_attachments_do_not_raise(places) -> None:
    msg = EmailMessage()
    msg["From"] = "Dinas Pendidikan <disdik@bengkaliskab.go.id>"
    msg["Subject"] = "Permohonan Peliputan"
    msg.set_content("Terlampir.")
    msg.add_attachment(b"%PDF-1.4 rusak", maintype="application", subtype="pdf", filename="a.pdf")
    msg.add_attachment(b"PK\x03\x04 rusak", maintype="application", subtype="octet-stream", filename="b.docx")
    msg.add_attachment(b"\xff\xd8 rusak", maintype="image", subtype="jpeg", filename="c.jpg")
    got = extract_requests(msg, places, NOW)
    assert len(got) == 1 and got[0].requester == "Dinas Pendidikan"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400), st.text(max_size=80))
def test_any_text_body_never_raises(places, body: str, subject: str) -> None:
    head = "Subject: " + re.sub(r"[\r\n]", " ", subject) + "\nContent-Type: text/plain; charset=utf-8\n\n"
    msg = mime.parse((head + body).encode("utf-8", "replace"))
    got = extract_requests(msg, places, NOW)
    assert got and all(isinstance(f, RequestFacts) for f in got)


# ---- helpers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("subject,title", [
    ("Permohonan Peliputan Pembukaan OSN Tingkat Kabupaten", "Pembukaan OSN Tingkat Kabupaten"),
    ("Fwd: RE: Undangan Peliputan: Rapat Koordinasi Stunting", "Rapat Koordinasi Stunting"),
    ("Permohonan Peliputan", None),
    ("Surat Permohonan Liputan Kegiatan", None),
    ("mohon diliput", None),
])
def test_title_from_subject(subject: str, title: str | None) -> None:
    assert title_from_subject(subject) == title


def test_split_forwarded_gmail_english() -> None:
    body = ("fyi\n\n---------- Forwarded message ---------\nFrom: Camat Bantan <camat.bantan@gmail.com>\n"
            "Date: Thu, Nov 26, 2026 at 10:15 AM\nSubject: Undangan\nTo: a@b.c\n\nDengan hormat,\nisi surat\n")
    headers, text = split_forwarded(body)
    assert headers["from"].endswith("<camat.bantan@gmail.com>") and headers["subject"] == "Undangan"
    assert text.strip().startswith("Dengan hormat") and "Date:" not in text


def test_location_naming_only_the_regency_is_unknown(places) -> None:
    msg = EmailMessage()
    msg["From"] = "Dinas Pendidikan <disdik@bengkaliskab.go.id>"
    msg["Subject"] = "Permohonan Peliputan"
    msg.set_content("Acara : Rapat Kerja Guru\nHari/Tanggal : Senin, 7 Desember 2026\nPukul : 09.00 WIB\n"
                    "Tempat : Aula Dinas Pendidikan Kabupaten Bengkalis\n")
    (facts,) = extract_requests(msg, places, NOW)
    assert facts.location and facts.kecamatan is None and facts.outside_island is None


def test_missing_fields_text_names_fields_and_reply_lines() -> None:
    facts = RequestFacts(requester="Dinas Sosial")
    facts.compute_missing()
    text = missing_fields_text(facts)
    for words in ("nama acara", "hari/tanggal dan waktu", "tempat pelaksanaan", "Acara: ...",
                  "Hari/Tanggal: ...", "Pukul: ...", "Tempat: ...", "mohon kiranya"):
        assert words in text
    assert "unit kerja pengirim" not in text


def test_missing_fields_text_asks_only_for_the_time_when_the_day_is_known(places) -> None:
    msg, _ = _load("15_dkp_missing_time_place")
    (facts,) = extract_requests(msg, places, NOW)
    text = missing_fields_text(facts)
    assert "waktu (pukul)" in text and "Pukul: ..." in text and "Hari/Tanggal: ..." not in text
    assert "Tempat: ..." in text and "nama acara" not in text
    assert "\u201cGerakan Pangan Murah" in text


def test_complete_from_reply_fills_time_and_place(places) -> None:
    msg, _ = _load("15_dkp_missing_time_place")
    (facts,) = extract_requests(msg, places, NOW)
    reply = ("Baik, berikut kami lengkapi:\r\nPukul: 09.00 WIB s.d. selesai\r\n"
             "Tempat: Desa Bantan Tengah, Kecamatan Bantan\r\n\r\n"
             "Pada Rab, 9 Des 2026 pukul 10.15 Diskominfotik <diskominfotik@bengkaliskab.go.id> menulis:\r\n"
             "> Tempat: Kantor Camat Rupat\r\n")
    done = complete_from_reply(facts, reply, places, NOW)
    assert done.start == datetime(2026, 12, 21, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")) and done.until_done
    assert done.location == "Desa Bantan Tengah, Kecamatan Bantan" and done.kecamatan == "Bantan"
    assert done.outside_island is False and done.missing == []
    assert facts.missing == ["start", "location"]  # the original is left alone


def test_complete_from_reply_full_fields_and_requester(places) -> None:
    facts = RequestFacts()
    facts.compute_missing()
    reply = ("Acara: Lomba Perahu Layar\nHari/Tanggal: Sabtu, 9 Januari 2027\nPukul: jam 2 siang\n"
             "Tempat: Pantai Teluk Rhu\nUnit Pengirim: Dinas Pariwisata\n")
    done = complete_from_reply(facts, reply, places, NOW)
    assert done.title == "Lomba Perahu Layar" and done.requester == "Dinas Pariwisata"
    assert done.start == datetime(2027, 1, 9, 14, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert done.kecamatan == "Rupat Utara" and done.outside_island is True and done.missing == []


def test_complete_from_reply_does_not_overwrite_known_fields(places) -> None:
    facts = RequestFacts(title="Rapat A", location="Wisma Sri Mahkota", requester="Bagian Umum")
    facts.compute_missing()
    done = complete_from_reply(facts, "Acara: Rapat B\nHari/Tanggal: 7/12/2026\nPukul: 13.30\n", places, NOW)
    assert done.title == "Rapat A" and done.start == datetime(2026, 12, 7, 13, 30, tzinfo=ZoneInfo("Asia/Jakarta"))


# ---- shapes not in the corpus files ------------------------------------------------------------
def _inline(places, body: str, html: bool = False, subject: str = "Permohonan Peliputan",
            sender: str = "Staf <staf@gmail.com>") -> list[RequestFacts]:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = sender, subject
    msg.set_content(body, subtype="html" if html else "plain")
    return extract_requests(msg, places, NOW)


def test_separate_hari_and_tanggal_labels_dot_leaders_and_value_on_next_line(places) -> None:
    (f,) = _inline(places, "Dengan hormat,\nHari : Senin\nTanggal : 7 Desember 2026\nWaktu : 09.00 WIB\n"
                           "Tempat ......: Aula Kantor Camat Mandau\nAcara :\nRapat Kerja Camat\n\n"
                           "Kepala Bagian Umum\n")
    assert (f.title, f.location, f.kecamatan, f.requester) == ("Rapat Kerja Camat", "Aula Kantor Camat Mandau",
                                                               "Mandau", "Bagian Umum")
    assert f.start == datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_agenda_items_take_the_heading_date(places) -> None:
    got = _inline(places, "AGENDA BUPATI BENGKALIS\nSelasa, 8 Desember 2026\n\n1. Pukul 08.00 WIB\n"
                          "   Acara : Upacara Hari Bela Negara\n   Tempat : Lapangan Tugu Bengkalis\n"
                          "2. Pukul 14.00 WIB\n   Acara : Meninjau Pelabuhan\n   Tempat : Pelabuhan Sungai Pakning\n",
                  sender="Bagian Protokol <protokol@bengkaliskab.go.id>")
    assert [f.start.hour for f in got] == [8, 14] and all(f.start.day == 8 for f in got)
    assert [f.outside_island for f in got] == [False, True]


def test_html_only_gmail_forward(places) -> None:
    html = ('<div dir="ltr">Mohon ditindaklanjuti<br><br><div class="gmail_quote"><div class="gmail_attr">'
            '---------- Forwarded message ---------<br>From: <strong>Camat Pinggir</strong> <span>&lt;'
            '<a href="mailto:kec.pinggir@gmail.com">kec.pinggir@gmail.com</a>&gt;</span><br>Date: Kam, 26 Nov 2026 '
            'pukul 10.15<br>Subject: Undangan Peliputan Festival Budaya Sakai<br></div><br><div dir="ltr">'
            'Dengan hormat,<br>Kami mohon kiranya dapat meliput Festival Budaya Sakai yang akan dilaksanakan pada '
            'hari Sabtu, 12 Desember 2026 pukul 08.00 WIB s.d. selesai bertempat di Lapangan Desa Pinggir, '
            'Kecamatan Pinggir.<br><br>Camat Pinggir</div></div></div>')
    (f,) = _inline(places, html, html=True, subject="Fwd: Undangan Peliputan Festival Budaya Sakai")
    assert f.forwarded_from == "kec.pinggir@gmail.com" and f.source == "forwarded"
    assert f.title == "Festival Budaya Sakai" and f.kecamatan == "Pinggir" and f.until_done
    assert f.requester == "Kecamatan Pinggir"


def test_running_text_skips_referenced_letter_dates(places) -> None:
    (f,) = _inline(places, "Dengan hormat,\nSehubungan dengan surat Sekda tanggal 20 November 2026, kami akan "
                           "menyelenggarakan Lomba Kebersihan Desa pada tanggal 10 Desember 2026 pukul 09.00 WIB "
                           "bertempat di Kantor Desa Pedekik.\n\nKepala Dinas Lingkungan Hidup\n")
    assert f.start == datetime(2026, 12, 10, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert f.title.startswith("Lomba Kebersihan Desa") and f.kecamatan == "Bengkalis"


@pytest.mark.parametrize("text", [
    "Acara diundur ke hari Rabu, 9 Desember 2026.",
    "Bengkalis, 1 Desember 2026\n\nAcara diundur ke hari rabu, 9 Desember 2026 pukul 09.00 WIB.",
    "Kegiatan dipindah ke Hari Rabu, 9 Desember 2026",
])
def test_a_weekday_before_the_comma_is_the_events_date_not_the_letters_place_and_date(text) -> None:
    from daemon.reading.running_text import best_date
    hit = best_date(text, datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Jakarta")))
    assert hit is not None and hit.value == date(2026, 12, 9)


def test_the_letters_own_place_and_date_line_is_still_not_the_event() -> None:
    from daemon.reading.running_text import best_date
    now = datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert best_date("Bengkalis, 1 Desember 2026\n", now) is None
    assert best_date("Duri, 1 Desember 2026\nAcara pada 9 Desember 2026", now).value == date(2026, 12, 9)
