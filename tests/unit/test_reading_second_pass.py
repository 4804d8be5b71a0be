"""Issue 8, second pass: read receipts and header-less auto-replies never decide, a decision written
only in the subject, answers written between quoted lines, abbreviated months and unknown places."""

from __future__ import annotations

import textwrap
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.mail import mime
from daemon.reading.classify import classify
from daemon.reading.replies import load_lexicon, read_reply

try:
    from . import corpus
except ImportError:
    import corpus  # type: ignore[no-redef]

LEX = load_lexicon(corpus.lexicon_path())
TASK, SUBJECT, OURS, KADIS = corpus.TASK, corpus.SUBJECT, corpus.OURS, corpus.KADIS
OUR_ID = "<lpt-2026-0001.s2.f411fdfa05b0a64c@bengkaliskab.go.id>"
GMAIL = f"Pada Sen, 30 Nov 2026 pukul 08.05 {OURS} menulis:"
OUTLOOK = (f"________________________________\nDari: {OURS}\nDikirim: Senin, 30 November 2026 08.05\n"
           f"Kepada: Kepala Dinas <{KADIS}>\nSubjek: {SUBJECT}")


def _mail(subject: str, body: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Kepala Dinas <{KADIS}>"
    msg["To"] = OURS
    msg["Subject"] = subject
    msg["Message-ID"] = "<answer.1@bengkaliskab.go.id>"
    msg["In-Reply-To"] = OUR_ID
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def _quoted(own: str, head: str = GMAIL, prefix: str = "> ") -> str:
    quote = "\n".join((prefix + ln).rstrip() for ln in TASK.splitlines())
    return (own + "\n\n" if own else "") + head + "\n" + quote + "\n"


def _never_decides(msg: EmailMessage) -> None:
    got = classify(mime.parse(msg.as_bytes()), corpus.OUR_DOMAIN)
    assert got.kind == "auto_reply", got.reason
    assert read_reply(mime.parse(msg.as_bytes()), LEX).decision is None


# ---- 1. read receipts ------------------------------------------------------------------------
def _mdn(subject: str, text: str) -> EmailMessage:
    """An RFC 8098 read receipt: multipart/report with a message/disposition-notification part."""
    msg = _mail(subject, text)
    msg.make_mixed()
    msg.set_type("multipart/report")
    msg.set_param("report-type", "disposition-notification")
    report = EmailMessage()
    report.set_content(f"Reporting-UA: Microsoft Outlook\nFinal-Recipient: rfc822;{KADIS}\n"
                       f"Original-Message-ID: {OUR_ID}\nDisposition: manual-action/MDN-sent-manually; displayed\n")
    report.replace_header("Content-Type", "message/disposition-notification")
    msg.attach(report)
    return msg


@pytest.mark.parametrize("subject", ["Dibaca: " + SUBJECT, "Read: " + SUBJECT, "Disposition notification",
                                     "Tanda terima (ditampilkan) - " + SUBJECT])
def test_it_takes_a_disposition_notification_for_no_reply(subject: str) -> None:
    _never_decides(_mdn(subject, "Pesan Anda\n\n  Kepada: Kepala Dinas\n  Subjek: " + SUBJECT
                        + "\n\ntelah dibaca pada Senin, 30 November 2026 09.12. SETUJU"))


@pytest.mark.parametrize("prefix", ["Dibaca: ", "Read: ", "Telah dibaca: ", "Gelesen: ", "Lu : ", "Lu: ",
                                    "DIBACA: ", "Tidak dibaca: ", "Not read: "])
def test_it_takes_a_receipt_subject_without_a_report_for_no_reply(prefix: str) -> None:
    body = (f"Pesan Anda\n\n  Kepada: Kepala Dinas <{KADIS}>\n  Subjek: {SUBJECT}\n  Dikirim: Senin, 30 "
            "November 2026 08.05\n\ntelah dibaca pada Senin, 30 November 2026 09.12.\n")
    _never_decides(_mail(prefix + SUBJECT, body))


def test_it_still_reads_a_reply_that_mentions_having_read() -> None:
    msg = _mail("Re: " + SUBJECT, _quoted("Sudah saya baca. Setuju."))
    assert classify(msg, corpus.OUR_DOMAIN).kind == "reply"
    assert read_reply(msg, LEX).decision == "approve"


# ---- 2. Indonesian auto-replies without an auto-reply header ---------------------------------
@pytest.mark.parametrize(("subject", "body"), [
    ("Balasan Otomatis: " + SUBJECT, "Terima kasih. Saya sedang dinas luar."),
    ("Otomatis: " + SUBJECT, "Mohon maaf, saya sedang dinas luar."),
    ("Auto Reply", "Saya sedang tidak berada di kantor."),
    ("Auto Reply: Re: " + SUBJECT, "Saya sedang cuti."),
    ("Out of Office", "Saya sedang dinas luar."),
    ("Out of Office: " + SUBJECT, "I am out of the office."),
    ("Re: " + SUBJECT, "Saya sedang dinas luar kota sampai dengan 4 Desember 2026. Surel Bapak/Ibu akan saya "
                       "balas sekembalinya saya ke kantor."),
    ("Re: " + SUBJECT, "Yth. Bapak/Ibu,\n\nSaya sedang cuti sampai dengan 10 Desember 2026. Untuk urusan "
                       "mendesak silakan hubungi Sekretaris Dinas, Hj. Rosnaini (0812-7654-3210).\n\nSalam,\nKadis"),
    ("Re: " + SUBJECT, "Terima kasih atas email Anda. Saya sedang tidak berada di kantor hingga Senin, 7 "
                       "Desember 2026. Untuk hal mendesak silakan hubungi 0766-21345."),
    ("RE: " + SUBJECT, "Terima kasih atas surel Bapak/Ibu.\nSaat ini saya sedang melaksanakan dinas luar "
                       "dan akan kembali ke kantor pada 3 Desember 2026."),
])
def test_it_takes_an_indonesian_leave_note_for_an_auto_reply(subject: str, body: str) -> None:
    _never_decides(_mail(subject, body))
    _never_decides(_mail(subject, _quoted(body)))


@pytest.mark.parametrize(("own", "decision"), [
    ("Saya sedang dinas luar, tapi setuju.", "approve"),
    ("saya sedang dinas luar tapi setuju, lanjutkan", "approve"),
    ("Saya sedang cuti sampai 7 Desember, tapi setuju. Silakan lanjutkan.", "approve"),
    ("Saya sedang dinas luar. Tolak saja, acaranya sudah diliput humas.", "reject"),
    ("Maaf saya sedang dinas luar, nanti saya cek dulu jadwalnya.", None),
    ("Sedang dinas luar pak, apakah bisa diwakilkan Sekdis?", None),
])
def test_it_reads_an_official_who_is_away_as_a_person(own: str, decision: str | None) -> None:
    msg = _mail("Re: " + SUBJECT, _quoted(own))
    got = classify(msg, corpus.OUR_DOMAIN)
    assert got.kind == "reply", got.reason
    assert read_reply(msg, LEX).decision == decision


# ---- 3. a decision only in the subject -------------------------------------------------------
@pytest.mark.parametrize(("subject", "decision"), [
    ("Re: " + SUBJECT + " - TOLAK", "reject"),
    ("Re: " + SUBJECT + " - SETUJU", "approve"),
    ("RE: " + SUBJECT + " SETUJU", "approve"),
    ("AW: " + SUBJECT + " -- setuju", "approve"),
    ("Balas: " + SUBJECT + " (tolak)", "reject"),
    ("BLS: RE: " + SUBJECT + " - Setuju, tambahkan fotografer", "approve"),
    ("Re: " + SUBJECT + " - revisi: jam 10.00", "revise"),
    ("Re: " + SUBJECT + " - nanti dulu", None),
    ("Re: " + SUBJECT + " - setuju?", None),
    ("Re: " + SUBJECT, None),
])
def test_it_reads_a_decision_added_to_the_subject(subject: str, decision: str | None) -> None:
    for body in (_quoted(""), "", _quoted("", OUTLOOK, "")):
        msg = _mail(subject, body)
        assert read_reply(msg, LEX, sent=SUBJECT).decision == decision, body[:40]


def test_it_finds_the_subject_we_sent_in_the_quote_when_not_told() -> None:
    assert read_reply(_mail("RE: " + SUBJECT + " - TOLAK", _quoted("", OUTLOOK, "")), LEX).decision == "reject"
    assert read_reply(_mail("Re: " + SUBJECT + " - SETUJU", _quoted("")), LEX).decision == "approve"
    # nothing quoted and nothing told: we cannot know which words are the official's
    assert read_reply(_mail("Re: " + SUBJECT + " - SETUJU", ""), LEX).decision is None


@pytest.mark.parametrize("title", ["Deklarasi Setuju Anti Narkoba", "Lomba Cipta Lagu Setuju",
                                   "Kampanye Tolak Narkoba - SETUJU", "Rapat OK"])
def test_it_never_approves_from_our_own_subject(title: str) -> None:
    sent = f"[LPT-2026-0009] Mohon disposisi: {title}"
    task = TASK.replace("Musrenbang Kecamatan Bantan Tahun 2027", title)
    body = GMAIL + "\n" + "\n".join("> " + ln for ln in task.splitlines())
    for subject in ("Re: " + sent, "AW: RE: " + sent, "Re: [LPT-2026-0009] Mohon disposisi"):
        for told in (sent, None):
            assert read_reply(_mail(subject, body), LEX, sent=told).decision is None, (subject, told)
            assert read_reply(_mail(subject, ""), LEX, sent=told).decision is None, (subject, told)


def test_it_prefers_the_own_text_over_the_subject() -> None:
    msg = _mail("Re: " + SUBJECT + " - SETUJU", _quoted("Nanti saya cek dulu."))
    assert read_reply(msg, LEX, sent=SUBJECT).decision is None


# ---- 4. answers between quoted lines ----------------------------------------------------------
INLINE = (GMAIL + "\n> Yth. Drs. H. Johansyah Syafri, M.Si.,\n>\n> Kode permohonan : LPT-2026-0001\n"
          "> Acara           : Musrenbang Kecamatan Bantan Tahun 2027\n"
          "> Tim: Andi (foto), Budi (video)\n{a}\n"
          "> Waktu           : Senin, 7 Desember 2026 pukul 09.00 WIB s.d. selesai\n"
          "> Tempat          : Aula Kantor Camat Bantan\n{b}\n"
          "> Balas surel ini dengan:\n> - SETUJU untuk mendisposisikan permintaan peliputan ini kepada Kepala Bidang,\n"
          "> - TOLAK untuk menolak (sertakan alasannya), atau\n\n{c}\n")


@pytest.mark.parametrize(("a", "b", "c", "decision", "note"), [
    ("ganti Budi dengan Citra", "", "Selebihnya setuju.", "approve", "ganti Budi dengan Citra"),
    ("ganti Budi dengan Citra", "tambahkan fotografer drone", "Selebihnya setuju",
     "approve", "ganti Budi dengan Citra; tambahkan fotografer drone"),
    ("", "Tempat pindah ke Gedung Daerah", "Sisanya setuju", "approve", "Tempat pindah ke Gedung Daerah"),
    ("", "", "Setuju", "approve", ""),
    ("", "", "Tolak, sudah diliput Humas.", "reject", "sudah diliput Humas"),
    ("ganti Budi dengan Citra", "", "", "revise", "ganti Budi dengan Citra"),
    ("ganti Budi dengan Citra", "tempat nanti saya cek dulu", "Selebihnya setuju", None, None),
    ("ganti Budi dengan Citra", "apakah aula sudah siap?", "Selebihnya setuju", None, None),
    ("nanti saya cek dulu", "", "Selebihnya setuju", None, None),
    ("", "", "Selebihnya nanti saya kabari", None, None),
])
def test_it_reads_answers_written_between_quoted_lines(a: str, b: str, c: str, decision: str | None,
                                                        note: str | None) -> None:
    got = read_reply(_mail("Re: " + SUBJECT, INLINE.format(a=a, b=b, c=c)), LEX)
    assert got.decision == decision, got.text
    if note is not None:
        assert corpus.normalised(got.note) == corpus.normalised(note)


def test_it_never_takes_our_instructions_between_the_answers_for_the_officials() -> None:
    body = INLINE.format(a="nanti saya cek dulu", b="", c="") + "> - REVISI: catatan, untuk mengembalikan\n"
    assert read_reply(_mail("Re: " + SUBJECT, body), LEX).decision is None


DEFERRING = ["Nanti saya cek dulu ya", "ok, nanti saya kabari", "Siap, saya pelajari dulu", "Tunggu konfirmasi camat",
             "Setuju? Bukannya acara ini sudah dibatalkan?", "Belum, masih saya cek", "tempat nanti saya cek dulu",
             "Apakah aula sudah siap?", "Saya pertimbangkan dulu"]
APPROVING = ["Selebihnya setuju", "Setuju", "Ok lanjutkan", "Sisanya setuju.", "acc", "ganti Budi dengan Citra"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hedge=st.sampled_from(DEFERRING), other=st.sampled_from(APPROVING),
       at=st.integers(min_value=0, max_value=40), other_at=st.integers(min_value=0, max_value=41),
       prefix=st.sampled_from(["> ", ">", "> > "]))
def test_a_deferral_anywhere_between_quoted_lines_never_approves(hedge: str, other: str, at: int, other_at: int,
                                                                prefix: str) -> None:
    lines = [(prefix + ln).rstrip() for ln in TASK.splitlines()]
    lines.insert(min(at, len(lines)), hedge)
    lines.insert(min(other_at, len(lines)), other)
    got = read_reply(_mail("Re: " + SUBJECT, GMAIL + "\n" + "\n".join(lines) + "\n"), LEX)
    assert got.decision != "approve", got.text


def _rewrapped(width: int, task: str = TASK) -> str:
    """Our task mail quoted by a client that rewraps it and leaves each line's tail without '>'."""
    lines = []
    for ln in task.splitlines():
        pieces = textwrap.wrap(ln, width) or [""]
        lines += [("> " + pieces[0]).rstrip(), *pieces[1:]]
    return GMAIL + "\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("width", [40, 50, 60, 66, 72, 76])
@pytest.mark.parametrize("own", ["Nanti saya cek dulu jadwalnya.", "", "Setuju", "Tolak, sudah diliput Humas.",
                                 "Revisi: jam 10.00", "Apakah jadi?"])
@pytest.mark.parametrize("told", [False, True], ids=["guessing", "told"])
def test_it_never_reads_the_tails_of_a_rewrapped_quote(width: int, own: str, told: bool) -> None:
    msg = _mail("Re: " + SUBJECT, (own + "\n\n" if own else "") + _rewrapped(width))
    sent = _mail(SUBJECT, TASK) if told else None
    want = read_reply(own, LEX)
    got = read_reply(msg, LEX, sent=sent)
    assert (got.decision, got.note) == (want.decision, want.note), got.text


def test_it_keeps_an_inline_answer_under_a_long_line_when_it_knows_what_we_sent() -> None:
    body = (GMAIL + "\n" + "\n".join("> " + ln for ln in TASK.splitlines()[:7])
            + "\njam diganti 10.00 WIB\n" + "\n".join("> " + ln for ln in TASK.splitlines()[7:]) + "\n\nSelebihnya setuju\n")
    got = read_reply(_mail("Re: " + SUBJECT, body), LEX, sent=_mail(SUBJECT, TASK))
    assert (got.decision, got.note) == ("approve", "jam diganti 10.00 WIB")
    assert read_reply(_mail("Re: " + SUBJECT, body), LEX, sent=_mail(SUBJECT, TASK).as_bytes()).decision == "approve"


# ---- 5. abbreviated months and unknown places ------------------------------------------------
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
WIB = ZoneInfo("Asia/Jakarta")


def _letter(body: str, html: bool = False):
    from daemon.core.places import load_places
    from daemon.reading.extract import extract_requests
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "Staf Kecamatan <staf@bengkaliskab.go.id>", "Permohonan Peliputan"
    msg.set_content(body, subtype="html" if html else "plain")
    return extract_requests(msg, load_places(corpus.ROOT / "rules" / "places.yaml"), NOW)


@pytest.mark.parametrize(("written", "day"), [
    ("21 Jan 2027", (2027, 1, 21)), ("3 Des 2026", (2026, 12, 3)), ("5 Agu 2027", (2027, 8, 5)),
    ("14 Sep 2027", (2027, 9, 14)), ("Kamis, 21 Jan 2027", (2027, 1, 21)), ("21-Jan-2027", (2027, 1, 21)),
    ("3 Des. 2026", (2026, 12, 3)), ("9 Peb 2027", (2027, 2, 9)), ("2 Mei 2027", (2027, 5, 2)),
])
def test_it_reads_abbreviated_months_in_letters(written: str, day: tuple[int, int, int]) -> None:
    body = (f"Dengan hormat,\nMohon kiranya dapat meliput kegiatan kami.\n\nHari/Tanggal : {written}\n"
            "Pukul : 09.00 WIB\nTempat : Aula Kantor Camat Bantan\nAcara : Musrenbang Kecamatan Bantan\n")
    (f,) = _letter(body)
    assert f.start == datetime(*day, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize(("written", "day"), [
    ("Kamis, 21 Jan 2027", (2027, 1, 21)), ("Thursday, Jan 21, 2027", (2027, 1, 21)), ("Sep 14, 2027", (2027, 9, 14)),
    ("21/Jan/2027", (2027, 1, 21)), ("21-Jan-2027", (2027, 1, 21)), ("Jumat, 3 Des. 2026", (2026, 12, 3)),
    ("Kamis, 5 Agu 2027", (2027, 8, 5)), ("Selasa, 14 Sep 2027", (2027, 9, 14)), ("Januari 21, 2027", (2027, 1, 21)),
])
def test_it_reads_abbreviated_months_in_running_text(written: str, day: tuple[int, int, int]) -> None:
    (f,) = _letter("Dengan hormat,\nKami mohon kiranya dapat meliput Lomba Kebersihan Desa yang akan dilaksanakan "
                   f"pada hari {written} pukul 09.00 WIB bertempat di Kantor Desa Pedekik.\n\nKepala Desa Pedekik\n")
    assert f.start == datetime(*day, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize(("text", "day"), [("Jan 21, 2027", (2027, 1, 21)), ("Sep 14, 2027", (2027, 9, 14)),
                                           ("21/Jan/2027", (2027, 1, 21)), ("Des 3, 2026", (2026, 12, 3)),
                                           ("21Jan2027", (2027, 1, 21))])
def test_it_finds_month_first_and_slashed_abbreviations(text: str, day: tuple[int, int, int]) -> None:
    from daemon.reading.datetimes import find_dates
    assert [h.value for h in find_dates(f"pada {text} pukul 09.00", NOW)] == [datetime(*day).date()]


def test_it_does_not_take_a_month_word_for_a_date() -> None:
    from daemon.reading.datetimes import find_dates
    assert find_dates("Sep, Mei 2027 dan Jan 2027 saja; nomor 21 tahun 2027", NOW) == []


def test_it_reads_abbreviated_months_in_outlook_html() -> None:
    html = ("<html><body><p class=MsoNormal>Dengan hormat,<o:p></o:p></p><table class=MsoNormalTable><tr>"
            "<td><p class=MsoNormal>Hari/Tanggal<o:p></o:p></p></td><td><p class=MsoNormal>:&nbsp;Kamis,&nbsp;21"
            "&nbsp;Jan&nbsp;2027<o:p></o:p></p></td></tr><tr><td><p class=MsoNormal>Pukul</p></td><td>"
            "<p class=MsoNormal>: 13.30 WIB</p></td></tr><tr><td><p class=MsoNormal>Tempat</p></td><td>"
            "<p class=MsoNormal>: Gedung Daerah Bengkalis</p></td></tr><tr><td><p class=MsoNormal>Acara</p>"
            "</td><td><p class=MsoNormal>: Rapat Koordinasi Camat</p></td></tr></table></body></html>")
    (f,) = _letter(html, html=True)
    assert f.start == datetime(2027, 1, 21, 13, 30, tzinfo=WIB)


@pytest.mark.parametrize("place", ["akan diinformasikan kemudian", "Akan diinformasikan kemudian.", "menyusul",
                                   "(menyusul)", "belum ditentukan", "Tempat akan dikabarkan kemudian",
                                   "akan diberitahukan kemudian", "TBA", "-"])
def test_it_stores_an_unknown_place_as_none_and_asks_for_it(place: str) -> None:
    body = ("Dengan hormat,\nMohon kiranya dapat meliput kegiatan kami.\n\nHari/Tanggal : Senin, 7 Desember 2026\n"
            f"Pukul : 09.00 WIB\nTempat : {place}\nAcara : Musrenbang Kecamatan Bantan\n")
    (f,) = _letter(body)
    assert f.location is None
    assert "location" in f.missing


def test_it_reads_an_unknown_place_in_running_text_as_none() -> None:
    (f,) = _letter("Dengan hormat,\nKami mohon kiranya dapat meliput Lomba Kebersihan Desa pada hari Kamis, "
                   "10 Desember 2026 pukul 09.00 WIB, bertempat di lokasi yang akan diinformasikan kemudian.\n")
    assert f.location is None and "location" in f.missing


# ---- 6. event titles as people write them ----------------------------------------------------
def _title(body: str, subject: str = "Permohonan Peliputan") -> str | None:
    from daemon.core.places import load_places
    from daemon.reading.extract import extract_requests
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "Staf Kecamatan <staf@bengkaliskab.go.id>", subject
    msg.set_content(body)
    (f,) = extract_requests(msg, load_places(corpus.ROOT / "rules" / "places.yaml"), NOW)
    return f.title


def test_it_never_takes_kegiatan_dimaksud_for_a_title() -> None:
    title = _title("Dengan hormat,\nSehubungan dengan akan dilaksanakannya Pelantikan Pengurus Karang Taruna Kecamatan "
                   "Mandau, bersama ini kami mohon kiranya dapat meliput kegiatan dimaksud pada hari Senin, 7 Desember "
                   "2026 pukul 09.00 WIB bertempat di Aula Kantor Camat Mandau.\n\nCamat Mandau\n")
    assert title == "Pelantikan Pengurus Karang Taruna Kecamatan Mandau"


def test_it_takes_the_title_from_hal_when_the_letter_says_kegiatan_dimaksud() -> None:
    title = _title("Nomor : 005/KEC-MDU/XII/2026\nHal : Undangan Peliputan Pelantikan Pengurus Karang Taruna "
                   "Kecamatan Mandau\n\nDengan hormat,\nBersama ini kami mohon kesediaan Bapak untuk meliput "
                   "kegiatan dimaksud yang akan dilaksanakan pada:\nHari/Tanggal : Senin, 7 Desember 2026\n"
                   "Pukul : 09.00 WIB\nTempat : Aula Kantor Camat Mandau\n\nCamat Mandau\n")
    assert title == "Pelantikan Pengurus Karang Taruna Kecamatan Mandau"


def test_it_never_takes_a_clause_for_a_title() -> None:
    title = _title("Dengan hormat,\nDalam rangka peningkatan mutu pelayanan kesehatan, RSUD Bengkalis akan meresmikan "
                   "Gedung Rawat Inap Kelas III pada hari Rabu, 9 Desember 2026 pukul 10.00 WIB bertempat di RSUD "
                   "Bengkalis. Sehubungan dengan hal tersebut, kami mohon kiranya dapat meliput kegiatan tersebut.\n\n"
                   "Direktur RSUD Bengkalis\n")
    assert title == "Peresmian Gedung Rawat Inap Kelas III"


@pytest.mark.parametrize("hal", ["Hal : Permohonan Peliputan Pelantikan dan Pengambilan Sumpah Pengurus Karang Taruna "
                                 "Kecamatan Mandau\n", ""])
def test_it_keeps_the_events_full_name(hal: str) -> None:
    title = _title(f"{hal}\nDengan hormat,\nMohon kiranya dapat meliput kegiatan kami sebagai berikut.\n\n"
                   "Hari/Tanggal : Sabtu, 12 Desember 2026\nPukul : 09.00 WIB\nTempat : Gedung Serbaguna Duri\n"
                   "Acara : Pelantikan dan Pengambilan Sumpah Pengurus\nKarang Taruna Kecamatan Mandau\n\n"
                   "Ketua Panitia\n")
    assert title == "Pelantikan dan Pengambilan Sumpah Pengurus Karang Taruna Kecamatan Mandau"


def test_it_keeps_the_full_name_from_the_subject() -> None:
    title = _title("Dengan hormat,\nMohon kiranya dapat meliput kegiatan kami.\n\nHari/Tanggal : Sabtu, 12 Desember "
                   "2026\nPukul : 09.00 WIB\nTempat : Gedung Serbaguna Duri\nAcara : Pelantikan dan Pengambilan Sumpah "
                   "Pengurus\n\nKetua Panitia\n",
                   subject="Permohonan Peliputan Pelantikan dan Pengambilan Sumpah Pengurus Karang Taruna Kecamatan Mandau")
    assert title == "Pelantikan dan Pengambilan Sumpah Pengurus Karang Taruna Kecamatan Mandau"


def test_it_keeps_the_acara_field_over_hal() -> None:
    title = _title("Hal : Permohonan Peliputan\n\nDengan hormat,\nMohon kiranya dapat meliput kegiatan kami.\n\n"
                   "Acara : Rapat Koordinasi Camat Se-Kabupaten Bengkalis\nHari/Tanggal : Senin, 7 Desember 2026\n"
                   "Pukul : 09.00 WIB\nTempat : Gedung Daerah Bengkalis\n")
    assert title == "Rapat Koordinasi Camat Se-Kabupaten Bengkalis"
