"""Regenerate the second part of the request-letter corpus (tests/data/requests/18_*.eml to 6x_*.eml with
their .expected.yaml): letters from many units in the shapes of /work/shared/MAIL.md — labelled blocks
under several label names, running text, HTML tables from phones, Outlook HTML, Gmail and Outlook
forwards, letters attached as message/rfc822, PDF and DOCX attachments — in UTF-8, ISO-8859-1,
ISO-8859-15 and Windows-1252, quoted-printable, base64 and 8bit, with every date and time form of the
office. Each expectation is what a careful clerk reads in the letter, not what the reader returns.

Run from the repository root: python tests/data/make_requests_more.py"""

from __future__ import annotations

import html
import io
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_requests as base  # noqa: E402

BULAN_PENDEK = ["", "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
HARI_PENDEK = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
LABELS = {
    "acara": ("Acara", "Hari/Tanggal", "Pukul", "Tempat"),
    "kegiatan": ("Kegiatan", "Tanggal", "Waktu", "Lokasi"),
    "nama": ("Nama Kegiatan", "Hari / Tanggal", "Jam", "Tempat"),
}


@dataclass
class Event:
    title: str  # as written in the letter
    day: date
    time: str  # as written in the letter
    start: str  # "HH:MM" local time (WIB)
    place: str
    kecamatan: str
    end: str | None = None
    until_done: bool = False
    title_core: str = ""  # what the reading's title must contain (default: the whole title)
    place_core: str = ""


@dataclass
class Letter:
    n: int
    slug: str
    form: str
    sender: str
    unit: str  # the unit as the letter names it
    unit_core: str  # what the reading's requester must contain
    events: list[Event]
    contact: tuple[str, str] | None = None  # (name, phone as written)
    phone: str | None = None  # the phone as stored: as the person wrote it (contact[1]) when none is given
    datefmt: str = "long"
    labels: str = "acara"
    charset: str = "utf-8"
    cte: str = "quoted-printable"
    nomor: str = ""
    note: str = ""
    missing: list[str] = field(default_factory=list)
    subject: str = ""
    source: str | None = None
    place_unknown: str = ""  # what the letter writes for a place not known yet
    known_miss: str = ""  # why the reader gets this letter wrong today (the test expects it to fail)


def when(d: date, fmt: str) -> str:
    return {
        "long": base.tgl(d),
        "nodayname": base.tgl(d, weekday=False),
        "abbr": f"{HARI_PENDEK[d.weekday()]}, {d.day} {BULAN_PENDEK[d.month]} {d.year}",
        "abbr_noday": f"{d.day} {BULAN_PENDEK[d.month]} {d.year}",
        "slash": f"{base.HARI[d.weekday()]}, {d:%d/%m/%Y}",
        "slash_only": f"{d:%d/%m/%Y}",
        "dash": f"{base.HARI[d.weekday()]}, {d.day}-{d.month}-{d.year}",
        "slashday": f"{base.HARI[d.weekday()]} / {base.tgl(d, weekday=False)}",
    }[fmt]


def label_block(ev: Event, letter: Letter) -> list[str]:
    a, b, c, d = LABELS[letter.labels]
    width = max(map(len, (a, b, c, d, "Narahubung"))) + 1
    place = letter.place_unknown or ev.place
    lines = [f"{a:<{width}}: {ev.title}", f"{b:<{width}}: {when(ev.day, letter.datefmt)}",
             f"{c:<{width}}: {ev.time}", f"{d:<{width}}: {place}"]
    if letter.contact:
        lines.append(f"{'Narahubung':<{width}}: {letter.contact[0]} ({letter.contact[1]})")
    return lines


def letter_lines(letter: Letter) -> list[str]:
    """The letter as a clerk types it: kop, number, subject, greeting, facts, closing, signature."""
    ev = letter.events[0]
    head = ["PEMERINTAH KABUPATEN BENGKALIS", letter.unit.upper(), "", f"Nomor    : {letter.nomor}",
            "Lampiran : -", "Perihal  : Permohonan Peliputan", "", *base.YTH, "", "Dengan hormat,"]
    if letter.form == "running":
        place = letter.place_unknown or ev.place
        body = [f"Bersama ini kami mohon kiranya Bapak/Ibu dapat meliput kegiatan {ev.title} yang akan",
                f"dilaksanakan pada hari {when(ev.day, letter.datefmt)} {ev.time} bertempat di {place}."]
        if letter.contact:
            body.append(f"Untuk koordinasi dapat menghubungi {letter.contact[0]} di nomor {letter.contact[1]}.")
    else:
        body = ["Bersama ini kami mohon kiranya dapat meliput kegiatan kami sebagai berikut:", "",
                *label_block(ev, letter)]
    tail = ["", "Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.", "",
            f"Kepala {letter.unit},", "", "", "NIP. 19700101 199503 1 001"]
    return head + body + tail


def plain_letter(letter: Letter) -> EmailMessage:
    msg = base.message(letter.n, letter.sender, letter.subject or "Permohonan Peliputan",
                       f"Mon, 30 Nov 2026 {8 + letter.n % 8:02d}:{letter.n % 60:02d}:00 +0700")
    msg.set_content("\n".join(letter_lines(letter)) + "\n", charset=letter.charset, cte=letter.cte)
    return msg


def html_table(letter: Letter) -> EmailMessage:
    ev = letter.events[0]
    a, b, c, d = LABELS[letter.labels]
    rows = [(a, ev.title), (b, when(ev.day, letter.datefmt)), (c, ev.time), (d, letter.place_unknown or ev.place)]
    if letter.contact:
        rows.append(("CP", f"{letter.contact[0]} {letter.contact[1]}"))
    trs = "".join(f"<tr><td>{html.escape(k)}</td><td>:</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    body = (f"<div dir=\"auto\">Selamat pagi Bapak/Ibu.<div dir=\"auto\">Mohon bantuan liputan untuk kegiatan "
            f"{html.escape(letter.unit)} berikut ini:</div><table border=\"1\"><tbody>{trs}</tbody></table>"
            f"<div dir=\"auto\">Terima kasih.</div><div dir=\"auto\"><br></div>"
            f"<div dir=\"auto\">Dikirim dari ponsel Samsung Galaxy saya</div></div>")
    msg = base.message(letter.n, letter.sender, letter.subject or "Mohon liputan", "Tue, 1 Dec 2026 19:05:00 +0700")
    msg.set_content(body, subtype="html", charset=letter.charset, cte=letter.cte)
    return msg


def outlook_html(letter: Letter) -> EmailMessage:
    lines = letter_lines(letter)
    paras = "".join(f"<p class=\"MsoNormal\">{html.escape(ln) or '&nbsp;'}</p>" for ln in lines)
    msg = base.message(letter.n, letter.sender, letter.subject or "Permohonan Peliputan",
                       "Wed, 2 Dec 2026 09:15:00 +0700")
    msg.set_content("\n".join(lines) + "\n", charset=letter.charset, cte=letter.cte)
    msg.add_alternative(f"<html><head><meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">"
                        f"</head><body lang=\"EN-US\"><div class=\"WordSection1\">{paras}</div></body></html>",
                        subtype="html", charset=letter.charset, cte=letter.cte)
    return msg


def forwarded(letter: Letter, outlook: bool) -> EmailMessage:
    original = "\n".join(letter_lines(letter))
    addr = letter.sender.split("<")[1].rstrip(">")
    if outlook:
        header = ("________________________________\n"
                  f"Dari: {letter.sender}\nDikirim: Senin, 30 November 2026 14.02\n"
                  "Kepada: Staf Humas <humas.staf@gmail.com>\nSubjek: Permohonan Peliputan\n\n")
        top, subject = "Mohon ditindaklanjuti.\n\nSalam,\nStaf Humas\n\n", "TRS: Permohonan Peliputan"
    else:
        header = ("---------- Forwarded message ---------\n"
                  f"From: {letter.sender}\nDate: Mon, Nov 30, 2026 at 2:02 PM\n"
                  "Subject: Permohonan Peliputan\nTo: Staf Humas <humas.staf@gmail.com>\n\n\n")
        top, subject = "Pak, surat ini diteruskan untuk diliput.\n\n", "Fwd: Permohonan Peliputan"
    msg = base.message(letter.n, "Staf Humas <humas.staf@gmail.com>", subject, "Mon, 30 Nov 2026 15:00:00 +0700")
    msg.set_content(top + header + original + "\n", charset=letter.charset, cte=letter.cte)
    letter.note = letter.note or f"forwarded from {addr}"
    return msg


def attached_rfc822(letter: Letter) -> EmailMessage:
    inner = plain_letter(letter)
    msg = base.message(letter.n, "Staf Humas <humas.staf@gmail.com>", "Fw: surat permohonan liputan",
                       "Mon, 30 Nov 2026 15:30:00 +0700")
    msg.set_content("Terlampir surat permohonan peliputan yang masuk ke kami. Mohon ditindaklanjuti.\n")
    msg.add_attachment(inner, filename="Permohonan Peliputan.eml")
    return msg


def with_pdf(letter: Letter) -> tuple[EmailMessage, dict[str, bytes]]:
    pdf = base.text_pdf(letter_lines(letter))
    msg = base.message(letter.n, letter.sender, letter.subject or "Surat Permohonan Peliputan",
                       "Thu, 3 Dec 2026 10:00:00 +0700")
    msg.set_content("Dengan hormat,\nTerlampir surat permohonan peliputan kami.\nTerima kasih.\n")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"surat_{letter.slug}.pdf")
    return msg, {f"{letter.n:02d}_{letter.slug}.pdf": pdf}


def with_docx(letter: Letter) -> tuple[EmailMessage, dict[str, bytes]]:
    import docx

    d = docx.Document()
    d.core_properties.created = d.core_properties.modified = datetime(2026, 12, 1, 8, 0)
    for line in letter_lines(letter):
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    data = base._fixed_zip(buf.getvalue())
    msg = base.message(letter.n, letter.sender, letter.subject or "Permohonan Peliputan",
                       "Thu, 3 Dec 2026 13:20:00 +0700")
    msg.set_content("Dengan hormat, bersama ini kami lampirkan surat permohonan peliputan. Terima kasih.\n")
    msg.add_attachment(data, maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                       filename=f"Surat {letter.slug}.docx")
    return msg, {f"{letter.n:02d}_{letter.slug}.docx": data}


def short_phone(letter: Letter) -> EmailMessage:
    ev = letter.events[0]
    body = (f"Assalamualaikum Pak,\n\nKami dari {letter.unit} mohon diliput kegiatan {ev.title} "
            f"hari {when(ev.day, letter.datefmt)} {ev.time} di {letter.place_unknown or ev.place}.\n")
    if letter.contact:
        body += f"Info lebih lanjut hubungi {letter.contact[0]} {letter.contact[1]}.\n"
    body += "\nTerima kasih Pak.\n\nDikirim dari iPhone saya\n"
    msg = base.message(letter.n, letter.sender, letter.subject or "mohon diliput", "Tue, 1 Dec 2026 20:45:00 +0700")
    msg.set_content(body, charset=letter.charset, cte=letter.cte)
    return msg


def agenda(letter: Letter) -> EmailMessage:
    lines = ["PEMERINTAH KABUPATEN BENGKALIS", "SEKRETARIAT DAERAH", "BAGIAN PROTOKOL DAN KOMUNIKASI PIMPINAN", "",
             "AGENDA KEGIATAN BUPATI BENGKALIS", ""]
    for i, ev in enumerate(letter.events, 1):
        lines += [f"{i}. Acara        : {ev.title}", f"   Hari/Tanggal : {when(ev.day, letter.datefmt)}",
                  f"   Pukul        : {ev.time}", f"   Tempat       : {ev.place}", ""]
    lines += ["Mohon dukungan peliputan dan dokumentasi.", "", "Kepala Bagian Protokol dan Komunikasi Pimpinan"]
    msg = base.message(letter.n, letter.sender, letter.subject or "Agenda Kegiatan Bupati",
                       "Fri, 4 Dec 2026 15:00:00 +0700")
    msg.set_content("\n".join(lines) + "\n", charset=letter.charset, cte=letter.cte)
    return msg


def build(letter: Letter) -> tuple[EmailMessage, dict[str, bytes]]:
    form = letter.form
    if form in ("labelled", "running"):
        return plain_letter(letter), {}
    if form in ("pdf", "docx"):
        return (with_pdf if form == "pdf" else with_docx)(letter)
    makers = {"html_table": html_table, "outlook_html": outlook_html, "rfc822": attached_rfc822,
              "short_phone": short_phone, "agenda": agenda,
              "gmail_fwd": lambda lt: forwarded(lt, outlook=False), "outlook_fwd": lambda lt: forwarded(lt, outlook=True)}
    return makers[form](letter), {}


SOURCE = {"labelled": "body", "running": "body", "html_table": "html", "outlook_html": "html", "pdf": "pdf",
          "docx": "docx", "gmail_fwd": "forwarded", "outlook_fwd": "forwarded", "short_phone": "body",
          "agenda": "body"}


def iso(d: date, hhmm: str | None) -> str | None:
    return f"{d.isoformat()}T{hhmm}:00+07:00" if hhmm else None


def expected(letter: Letter) -> str:
    outside = {"Bengkalis": False, "Bantan": False}
    about = letter.note or f"{letter.datefmt} dates, {letter.charset} {letter.cte}"
    out = [f"known_miss: \"{letter.known_miss}\"" if letter.known_miss else "", f"# {letter.form}: {about}",
           "requests:"]
    for ev in letter.events:
        out += [f"  - title_contains: \"{ev.title_core or ev.title}\"",
                f"    start: \"{iso(ev.day, ev.start)}\"" if ev.start else "    start: null",
                f"    event_date: \"{ev.day.isoformat()}\"",
                f"    end: \"{iso(ev.day, ev.end)}\"" if ev.end else "    end: null",
                f"    until_done: {str(ev.until_done).lower()}"]
        if letter.place_unknown:
            out.append("    location: null")
        else:
            out += [f"    location_contains: \"{ev.place_core or ev.place}\"", f"    kecamatan: {ev.kecamatan}",
                    f"    outside_island: {str(outside.get(ev.kecamatan, True)).lower()}"]
        out.append(f"    requester_contains: \"{letter.unit_core}\"")
        stored = letter.contact[1] if letter.contact else letter.phone  # kept as written (issue 10)
        if stored:
            out.append(f"    contact_phone: \"{stored}\"")
        if letter.form in ("gmail_fwd", "outlook_fwd", "rfc822"):
            out.append(f"    forwarded_from: {letter.sender.split('<')[1].rstrip('>')}")
        source = letter.source or SOURCE.get(letter.form)
        if source:
            out.append(f"    source: {source}")
        out.append(f"    missing: [{', '.join(letter.missing)}]")
    return "\n".join(ln for ln in out if ln) + "\n"


D = date
E = Event
L = Letter
LETTERS = [
    L(18, "disporapar_labelled", "labelled", "Dispora Bengkalis <dispora@bengkaliskab.go.id>",
      "Dinas Pemuda dan Olahraga", "Pemuda dan Olahraga",
      [E("Turnamen Sepak Bola Bupati Cup 2026", D(2026, 12, 12), "15.30 WIB s.d. selesai", "15:30",
         "Stadion Mini Bengkalis, Kelurahan Bengkalis Kota", "Bengkalis", until_done=True)],
      contact=("Sdr. Fikri", "0812-6677-8899"), phone="081266778899", nomor="400.4/DISPORA/XII/2026/051"),
    L(19, "dlh_kegiatan_labels", "labelled", "Dinas Lingkungan Hidup <dlh@bengkaliskab.go.id>",
      "Dinas Lingkungan Hidup", "Lingkungan Hidup",
      [E("Penanaman 1.000 Pohon Mangrove", D(2026, 12, 15), "08.00 - 11.00 WIB", "08:00", "Pantai Selatbaru",
         "Bantan", end="11:00")], labels="kegiatan", datefmt="slash_only", nomor="660/DLH/XII/2026/210"),
    L(20, "pupr_nama_kegiatan", "labelled", "Dinas PUPR <pupr@bengkaliskab.go.id>",
      "Dinas Pekerjaan Umum dan Penataan Ruang", "Pekerjaan Umum",
      [E("Peresmian Jembatan Sungai Pakning", D(2027, 1, 8), "09.00 WIB", "09:00",
         "Jembatan Sungai Pakning, Kecamatan Bukit Batu", "Bukit Batu")], labels="nama", datefmt="slashday",
      nomor="600/PUPR/XII/2026/330"),
    L(21, "disnaker_running", "running", "Disnakertrans <disnaker@bengkaliskab.go.id>",
      "Dinas Tenaga Kerja dan Transmigrasi", "Tenaga Kerja",
      [E("Bursa Kerja Kabupaten Bengkalis 2026", D(2026, 12, 17), "pukul 08.30 WIB", "08:30",
         "Gedung Bathin Betuah, Duri", "Mandau")], contact=("Sdri. Lestari", "0852-6111-2020"),
      phone="085261112020", nomor="560/DISNAKER/XII/2026/188"),
    L(22, "perikanan_abbr_dates", "labelled", "Dinas Perikanan <diskan@bengkaliskab.go.id>", "Dinas Perikanan",
      "Perikanan", [E("Penyerahan Bantuan Mesin Perahu Nelayan", D(2026, 12, 21), "10.00 WIB", "10:00",
                      "Kantor Camat Bantan", "Bantan")], datefmt="abbr", nomor="523/DISKAN/XII/2026/077"),
    L(23, "pertanian_dash_date", "labelled", "Dinas Pertanian <distan@bengkaliskab.go.id>", "Dinas Pertanian",
      "Pertanian", [E("Panen Raya Jagung Kelompok Tani Maju Bersama", D(2026, 12, 22), "09.00 WIB s/d selesai",
                      "09:00", "Desa Sungai Selari, Kecamatan Bukit Batu", "Bukit Batu", until_done=True,
                      place_core="Sungai Selari")], datefmt="dash", nomor="521/DISTAN/XII/2026/144"),
    L(24, "koperasi_latin1", "labelled", "Dinas Koperasi dan UKM <diskopukm@bengkaliskab.go.id>",
      "Dinas Koperasi, Usaha Kecil dan Menengah", "Koperasi",
      [E("Pameran Produk UMKM Unggulan Kabupaten Bengkalis", D(2026, 12, 19), "09.00 s.d. 16.00 WIB", "09:00",
         "Lapangan Tugu Bengkalis", "Bengkalis", end="16:00")], charset="iso-8859-1", cte="8bit",
      contact=("Sdr. Andre Ferdiansyah", "0813-7100-4455"), phone="081371004455", nomor="518/DISKOP/XII/2026/92"),
    L(25, "disperindag_cp1252", "labelled", "Disperindag <disperindag@bengkaliskab.go.id>",
      "Dinas Perindustrian dan Perdagangan", "Perdagangan",
      [E("Operasi Pasar Murah Menjelang Natal", D(2026, 12, 23), "08.00 WIB", "08:00", "Pasar Terubuk Bengkalis",
         "Bengkalis", place_core="Pasar Terubuk")], charset="windows-1252", nomor="510/DISPERINDAG/XII/2026/61",
      source="body"),
    L(26, "dp3a_base64", "running", "DP3A Bengkalis <dp3a@bengkaliskab.go.id>",
      "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "Perlindungan Anak",
      [E("Peringatan Hari Ibu ke-98 Tingkat Kabupaten", D(2026, 12, 22), "pukul 08.00 WIB", "08:00",
         "Gedung Daerah Datuk Laksamana Raja di Laut", "Bengkalis", title_core="Peringatan Hari Ibu ke-98")],
      cte="base64", nomor="463/DP3A/XII/2026/40"),
    L(27, "bappeda_outlook_html", "outlook_html", "Bappeda Bengkalis <bappeda@bengkaliskab.go.id>",
      "Badan Perencanaan Pembangunan Daerah", "Perencanaan Pembangunan",
      [E("Forum Konsultasi Publik Rancangan Awal RKPD Tahun 2028", D(2027, 1, 20), "09.00 WIB s.d. selesai",
         "09:00", "Ruang Rapat Lantai III Kantor Bupati Bengkalis", "Bengkalis", until_done=True,
         title_core="Forum Konsultasi Publik")], nomor="050/BAPPEDA/I/2027/12"),
    L(28, "satpolpp_html_table", "html_table", "Satpol PP Bengkalis <satpolpp.bks@gmail.com>",
      "Satuan Polisi Pamong Praja", "Satpol PP",
      [E("Apel Gelar Pasukan Pengamanan Natal dan Tahun Baru", D(2026, 12, 21), "07.30 WIB", "07:30",
         "Lapangan Tugu Bengkalis", "Bengkalis")], contact=("Sdr. Budi", "0811-7500-321"), phone="08117500321",
      datefmt="abbr_noday"),
    L(29, "mandau_html_table", "html_table", "Kecamatan Mandau <kec.mandau@gmail.com>", "Kecamatan Mandau",
      "Mandau", [E("Pelantikan dan Pengambilan Sumpah Pengurus Karang Taruna Kecamatan Mandau", D(2026, 12, 18),
                   "14.00 WIB", "14:00", "Aula Kantor Camat Mandau", "Mandau",
                   title_core="Karang Taruna Kecamatan Mandau", place_core="Kantor Camat Mandau")],
      labels="kegiatan"),
    L(30, "pinggir_gmail_fwd", "gmail_fwd", "Kecamatan Pinggir <kecamatan.pinggir@bengkaliskab.go.id>",
      "Kecamatan Pinggir", "Pinggir",
      [E("Festival Budaya Melayu Pinggir 2026", D(2026, 12, 26), "19.30 WIB s.d. selesai", "19:30",
         "Lapangan Kantor Camat Pinggir", "Pinggir", until_done=True, place_core="Kantor Camat Pinggir")],
      nomor="003/KEC-PGR/XII/2026/90"),
    L(31, "bathin_solapan_outlook_fwd", "outlook_fwd",
      "Kecamatan Bathin Solapan <kec.bathinsolapan@bengkaliskab.go.id>", "Kecamatan Bathin Solapan",
      "Bathin Solapan", [E("Musyawarah Perencanaan Pembangunan Kecamatan Bathin Solapan", D(2027, 1, 14),
                           "09.00 WIB", "09:00", "Aula Kantor Camat Bathin Solapan", "Bathin Solapan",
                           place_core="Kantor Camat Bathin Solapan")], nomor="005/KEC-BS/I/2027/07"),
    L(32, "rupat_utara_rfc822", "rfc822", "Kecamatan Rupat Utara <kec.rupatutara@bengkaliskab.go.id>",
      "Kecamatan Rupat Utara", "Rupat Utara",
      [E("Festival Mandi Safar dan Pesona Pantai Teluk Rhu", D(2027, 2, 3), "08.00 WIB s.d. selesai", "08:00",
         "Pantai Teluk Rhu, Rupat Utara", "Rupat Utara", until_done=True, place_core="Pantai Teluk Rhu")],
      nomor="430/KEC-RU/I/2027/11", source="forwarded", note="the letter attached as message/rfc822"),
    L(33, "bapenda_pdf", "pdf", "Bapenda Bengkalis <bapenda@bengkaliskab.go.id>", "Badan Pendapatan Daerah",
      "Pendapatan Daerah", [E("Penyerahan Penghargaan Wajib Pajak Teladan", D(2026, 12, 16), "13.30 WIB", "13:30",
                              "Wisma Sri Mahkota", "Bengkalis")], nomor="970/BAPENDA/XII/2026/205"),
    L(34, "bkpsdm_docx", "docx", "BKPSDM Bengkalis <bkpsdm@bengkaliskab.go.id>",
      "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "Kepegawaian",
      [E("Penyerahan SK PPPK Formasi Tahun 2026", D(2026, 12, 29), "08.30 WIB", "08:30",
         "Gedung Daerah Datuk Laksamana Raja di Laut", "Bengkalis", title_core="Penyerahan SK PPPK")],
      nomor="800/BKPSDM/XII/2026/718"),
    L(35, "siak_kecil_short_phone", "short_phone", "Syafrizal <syafrizal.sk@gmail.com>", "Kantor Camat Siak Kecil",
      "Siak Kecil", [E("Pembukaan MTQ Tingkat Kecamatan Siak Kecil", D(2026, 12, 20), "jam 8 malam", "20:00",
                       "Desa Lubuk Muda", "Siak Kecil", place_core="Lubuk Muda")],
      contact=("Syafrizal", "0853-6500-1122"), phone="085365001122", datefmt="abbr_noday"),
    L(36, "talang_muandau_labelled", "labelled", "Kecamatan Talang Muandau <kec.talangmuandau@gmail.com>",
      "Kecamatan Talang Muandau", "Talang Muandau",
      [E("Peletakan Batu Pertama Masjid Raya Talang Muandau", D(2027, 1, 9), "pukul 14:00 WIB", "14:00",
         "Desa Koto Pait Beringin, Kecamatan Talang Muandau", "Talang Muandau", place_core="Koto Pait Beringin")],
      nomor="451/KEC-TM/XII/2026/31"),
    L(37, "bandar_laksamana_latin9", "labelled", "Kecamatan Bandar Laksamana <kec.bandarlaksamana@gmail.com>",
      "Kecamatan Bandar Laksamana", "Bandar Laksamana",
      [E("Lomba Perahu Layar Tradisional", D(2026, 12, 27), "09.00 WIB", "09:00", "Pantai Tanjung Leban",
         "Bandar Laksamana", place_core="Tanjung Leban")], charset="iso-8859-15", labels="kegiatan",
      nomor="003/KEC-BL/XII/2026/52"),
    L(38, "rsud_mandau_unknown_place", "labelled", "RSUD Mandau <rsud.mandau@bengkaliskab.go.id>",
      "Rumah Sakit Umum Daerah Mandau", "Mandau",
      [E("Peresmian Ruang Instalasi Gawat Darurat Baru", D(2027, 1, 6), "10.00 WIB", "10:00", "", "Mandau")],
      place_unknown="akan diinformasikan kemudian", missing=["location"], nomor="445/RSUD-MDU/XII/2026/301",
      note="the place is not known yet: stored as null and asked for"),
    L(39, "kesra_running_nodayname", "running", "Bagian Kesra Setda <kesra@bengkaliskab.go.id>",
      "Bagian Kesejahteraan Rakyat Sekretariat Daerah", "Kesejahteraan Rakyat",
      [E("Peringatan Isra Mikraj Nabi Muhammad SAW 1448 H", D(2027, 1, 16), "pukul 19.30 WIB", "19:30",
         "Masjid Agung Istiqomah Bengkalis", "Bengkalis", title_core="Isra Mikraj")], datefmt="nodayname",
      nomor="400.8/KESRA/I/2027/04"),
    L(40, "hukum_labelled_end_time", "labelled", "Bagian Hukum Setda <hukum@bengkaliskab.go.id>",
      "Bagian Hukum Sekretariat Daerah", "Hukum",
      [E("Sosialisasi Peraturan Daerah tentang Ketertiban Umum", D(2026, 12, 10), "08.00 - 12.00 WIB", "08:00",
         "Aula Kantor Camat Bengkalis", "Bengkalis", end="12:00", place_core="Kantor Camat Bengkalis")],
      nomor="180/HUKUM/XI/2026/77"),
    L(41, "ekonomi_slash_date", "labelled", "Bagian Perekonomian Setda <ekonomi@bengkaliskab.go.id>",
      "Bagian Perekonomian dan SDA Sekretariat Daerah", "Perekonomian",
      [E("Rapat Koordinasi Pengendalian Inflasi Daerah", D(2026, 12, 14), "13.30 WIB", "13:30",
         "Ruang Rapat Lantai II Kantor Bupati Bengkalis", "Bengkalis", place_core="Kantor Bupati Bengkalis")],
      datefmt="slash", nomor="500/EKON/XII/2026/90"),
    L(42, "polbeng_outlook_html", "outlook_html", "Humas Polbeng <humas@polbeng.ac.id>",
      "Politeknik Negeri Bengkalis", "Politeknik",
      [E("Wisuda Sarjana Terapan dan Ahli Madya Angkatan XIX", D(2026, 12, 12), "08.00 WIB s.d. selesai", "08:00",
         "Gedung Serbaguna Politeknik Negeri Bengkalis", "Bengkalis", until_done=True, title_core="Wisuda",
         place_core="Politeknik Negeri Bengkalis")], nomor="2190/PL31/HM/2026"),
    L(43, "kpu_gmail_fwd_latin1", "gmail_fwd", "KPU Kabupaten Bengkalis <kpu.bengkalis@kpu.go.id>",
      "Komisi Pemilihan Umum Kabupaten Bengkalis", "Pemilihan Umum",
      [E("Rapat Pleno Terbuka Pemutakhiran Data Pemilih Berkelanjutan", D(2027, 1, 5), "09.00 WIB", "09:00",
         "Aula Kantor KPU Kabupaten Bengkalis, Jalan Pertanian Bengkalis", "Bengkalis",
         title_core="Pemutakhiran Data Pemilih", place_core="Kantor KPU")], charset="iso-8859-1",
      nomor="150/PL.02.1-Und/1403/2026"),
    L(44, "baznas_short_phone", "short_phone", "Amil Baznas <amil.baznas.bks@gmail.com>",
      "Baznas Kabupaten Bengkalis", "Baznas",
      [E("Penyaluran Zakat Produktif bagi Mustahik", D(2026, 12, 11), "pukul 13:30", "13:30",
         "Kantor Camat Bukit Batu, Sungai Pakning", "Bukit Batu", place_core="Kantor Camat Bukit Batu")],
      contact=("Ustaz Hamdan", "0812-7611-0099"), phone="081276110099"),
    L(45, "pkk_running_abbr", "running", "TP PKK Kabupaten Bengkalis <pkk.bengkalis@gmail.com>",
      "Tim Penggerak PKK Kabupaten Bengkalis", "PKK",
      [E("Lomba Cipta Menu Beragam Bergizi Seimbang dan Aman", D(2026, 12, 9), "pukul 09.00 WIB", "09:00",
         "Gedung Daerah Datuk Laksamana Raja di Laut", "Bengkalis", title_core="Lomba Cipta Menu")],
      datefmt="abbr"),
    L(46, "dinkes_pdf_nama", "pdf", "Dinas Kesehatan <dinkes@bengkaliskab.go.id>", "Dinas Kesehatan", "Kesehatan",
      [E("Pencanangan Gerakan Masyarakat Hidup Sehat", D(2027, 1, 12), "07.30 WIB s.d. selesai", "07:30",
         "Lapangan Tugu Bengkalis", "Bengkalis", until_done=True, title_core="Gerakan Masyarakat Hidup Sehat")],
      labels="nama", nomor="440/DINKES/I/2027/19"),
    L(47, "disdik_docx_kegiatan", "docx", "Dinas Pendidikan <disdik@bengkaliskab.go.id>", "Dinas Pendidikan",
      "Pendidikan", [E("Gebyar Literasi Sekolah Dasar se-Kabupaten Bengkalis", D(2027, 1, 21), "08.00 - 12.00 WIB",
                       "08:00", "Gedung Perpustakaan Daerah, Jalan Ahmad Yani, Bengkalis", "Bengkalis",
                       end="12:00", title_core="Gebyar Literasi", place_core="Perpustakaan Daerah")],
      labels="kegiatan", nomor="400.3/DISDIK/I/2027/33"),
    L(48, "dishub_outlook_fwd_abbr", "outlook_fwd", "Dinas Perhubungan <dishub@bengkaliskab.go.id>",
      "Dinas Perhubungan", "Perhubungan",
      [E("Peluncuran Bus Sekolah Gratis Rute Bengkalis - Bantan", D(2027, 1, 4), "06.30 WIB", "06:30",
         "Terminal Bengkalis", "Bengkalis", title_core="Bus Sekolah Gratis", place_core="Terminal Bengkalis")],
      datefmt="abbr", nomor="550/DISHUB/XII/2026/130"),
    L(49, "dprd_labelled_b64", "labelled", "Sekretariat DPRD <setwan@bengkaliskab.go.id>",
      "Sekretariat DPRD Kabupaten Bengkalis", "DPRD",
      [E("Rapat Paripurna Penyampaian Pandangan Umum Fraksi", D(2026, 12, 8), "10.00 WIB", "10:00",
         "Gedung DPRD Bengkalis", "Bengkalis", title_core="Pandangan Umum Fraksi")], cte="base64",
      nomor="170/SETWAN/XII/2026/340"),
    L(50, "bantan_html_table_slash", "html_table", "Kantor Desa Teluk Pambang <desatelukpambang@gmail.com>",
      "Pemerintah Desa Teluk Pambang", "Teluk Pambang",
      [E("Festival Kuliner Pesisir Teluk Pambang", D(2026, 12, 28), "16.00 WIB s.d. selesai", "16:00",
         "Lapangan Desa Teluk Pambang, Kecamatan Bantan", "Bantan", until_done=True, place_core="Teluk Pambang")],
      datefmt="slash_only"),
    L(51, "protokol_agenda_three", "agenda", "Bagian Protokol Setda <protokol@bengkaliskab.go.id>",
      "Bagian Protokol", "Protokol",
      [E("Kunjungan Kerja Bupati ke Kecamatan Rupat", D(2026, 12, 15), "09.00 WIB", "09:00",
         "Kantor Camat Rupat, Batu Panjang", "Rupat", place_core="Kantor Camat Rupat"),
       E("Pembukaan Pekan Olahraga Pelajar Daerah", D(2026, 12, 16), "15.30 WIB s.d. selesai", "15:30",
         "Stadion Mini Bengkalis, Kelurahan Bengkalis Kota", "Bengkalis", until_done=True, place_core="Stadion Mini"),
       E("Penandatanganan Nota Kesepahaman dengan Politeknik Negeri Bengkalis", D(2026, 12, 17), "13.30 WIB",
         "13:30", "Ruang Rapat Lantai III Kantor Bupati Bengkalis", "Bengkalis", title_core="Nota Kesepahaman",
         place_core="Kantor Bupati Bengkalis")]),
    L(52, "sman1_running_dash", "running", "SMA Negeri 1 Bengkalis <sman1bengkalis@gmail.com>",
      "SMA Negeri 1 Bengkalis", "SMA Negeri 1",
      [E("Pentas Seni dan Pameran Karya Siswa", D(2026, 12, 19), "pukul 19.30 WIB", "19:30",
         "Gedung Daerah Datuk Laksamana Raja di Laut", "Bengkalis")], datefmt="dash",
      contact=("Ibu Rahmi", "0813-6522-9090"), phone="081365229090"),
    L(53, "kodim_labelled_cp1252", "labelled", "Kodim 0303 Bengkalis <kodim0303@gmail.com>", "Kodim 0303/Bengkalis",
      "Kodim", [E("Karya Bakti TNI Pembangunan Jalan Desa", D(2027, 1, 11), "08.00 WIB", "08:00",
                  "Desa Muntai, Kecamatan Bantan", "Bantan", place_core="Muntai")], charset="windows-1252",
      nomor="B/15/I/2027"),
    L(54, "polres_running_latin1", "running", "Humas Polres Bengkalis <humaspolresbengkalis@gmail.com>",
      "Kepolisian Resor Bengkalis", "Kepolisian Resor",
      [E("Apel Gelar Pasukan Operasi Lilin Lancang Kuning 2026", D(2026, 12, 21), "pukul 08.00 WIB", "08:00",
         "Lapangan Mapolres Bengkalis, Jalan Pertanian Bengkalis", "Bengkalis", title_core="Operasi Lilin",
         place_core="Mapolres Bengkalis")], charset="iso-8859-1", cte="8bit", datefmt="slashday"),
    L(55, "dharmawanita_pdf_abbr", "pdf", "Dharma Wanita Persatuan <dwp.bengkalis@gmail.com>",
      "Dharma Wanita Persatuan Kabupaten Bengkalis", "Dharma Wanita",
      [E("Bakti Sosial Pengobatan Gratis", D(2027, 1, 23), "08.00 WIB s.d. selesai", "08:00",
         "Kantor Camat Bantan", "Bantan", until_done=True)], datefmt="abbr", nomor="005/DWP/I/2027/03"),
    L(56, "rupat_labelled_jam_pagi", "labelled", "Kecamatan Rupat <kecamatan.rupat@gmail.com>", "Kecamatan Rupat",
      "Rupat", [E("Gotong Royong Bersih Pantai Tanjung Lapin", D(2027, 1, 10), "jam 7 pagi", "07:00",
                  "Pantai Tanjung Lapin, Rupat Utara", "Rupat Utara", place_core="Tanjung Lapin")],
      nomor="003/KEC-RPT/I/2027/02"),
    L(57, "disperkim_outlook_html_unknown", "outlook_html", "Disperkim <disperkim@bengkaliskab.go.id>",
      "Dinas Perumahan Rakyat dan Kawasan Permukiman", "Permukiman",
      [E("Serah Terima Kunci Rumah Layak Huni", D(2027, 1, 18), "09.00 WIB", "09:00", "", "Bengkalis")],
      place_unknown="menyusul", missing=["location"], nomor="648/DISPERKIM/I/2027/21",
      note="the place follows later: stored as null and asked for"),
    L(58, "bukit_batu_gmail_fwd_b64", "gmail_fwd", "Kecamatan Bukit Batu <kec.bukitbatu@bengkaliskab.go.id>",
      "Kecamatan Bukit Batu", "Bukit Batu",
      [E("Pawai Ta'aruf MTQ Kecamatan Bukit Batu", D(2026, 12, 13), "14.00 WIB", "14:00",
         "Jalan Jenderal Sudirman, Sungai Pakning", "Bukit Batu", title_core="Pawai Ta'aruf",
         place_core="Sungai Pakning")], cte="base64", nomor="003/KEC-BB/XII/2026/60"),
    L(59, "lam_running_slash", "running", "LAMR Kabupaten Bengkalis <lamr.bengkalis@gmail.com>",
      "Lembaga Adat Melayu Riau Kabupaten Bengkalis", "Lembaga Adat Melayu",
      [E("Pengukuhan Datuk Setia Amanah Lembaga Adat Melayu Riau", D(2027, 1, 25), "pukul 20.00 WIB", "20:00",
         "Balai Adat Melayu Bengkalis", "Bengkalis", title_core="Pengukuhan Datuk",
         place_core="Balai Adat Melayu")], datefmt="slash"),
    L(60, "disdukcapil_rfc822", "rfc822", "Disdukcapil <disdukcapil@bengkaliskab.go.id>",
      "Dinas Kependudukan dan Pencatatan Sipil", "Kependudukan",
      [E("Layanan Jemput Bola Perekaman KTP Elektronik", D(2026, 12, 14), "08.00 - 14.00 WIB", "08:00",
         "Kantor Camat Rupat, Batu Panjang", "Rupat", end="14:00", title_core="Perekaman KTP Elektronik",
         place_core="Kantor Camat Rupat")], nomor="470/DISDUKCAPIL/XII/2026/415", source="forwarded",
      note="the letter attached as message/rfc822"),
    L(61, "dispar_labelled_nama_abbr_noday", "labelled", "Dinas Pariwisata <dispar@bengkaliskab.go.id>",
      "Dinas Pariwisata", "Pariwisata",
      [E("Bengkalis Jazz dan Zapin Festival", D(2027, 2, 6), "19.00 WIB s.d. selesai", "19:00",
         "Lapangan Tugu Bengkalis", "Bengkalis", until_done=True)], labels="nama", datefmt="abbr_noday",
      nomor="556/DISPAR/I/2027/08"),
]


def main() -> None:
    for letter in LETTERS:
        msg, files = build(letter)
        name = f"{letter.n:02d}_{letter.slug}"
        base.write(name, msg, files)
        (base.OUT / f"{name}.expected.yaml").write_text(expected(letter), encoding="utf-8")


if __name__ == "__main__":
    main()
