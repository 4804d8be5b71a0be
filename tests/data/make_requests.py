"""Regenerate the request-letter corpus (tests/data/requests/*.eml and their PDF/DOCX/scan attachments)."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

OUT = Path(__file__).resolve().parent / "requests"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = ["", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember"]
OFFICE = "diskominfotik@bengkaliskab.go.id"
YTH = ["Yth. Kepala Dinas Komunikasi, Informatika dan Statistik", "Kabupaten Bengkalis", "di -", "   Bengkalis"]


def tgl(d: date, weekday: bool = True) -> str:
    text = f"{d.day} {BULAN[d.month]} {d.year}"
    return f"{HARI[d.weekday()]}, {text}" if weekday else text


def kop(unit: list[str], address: str) -> list[str]:
    return ["PEMERINTAH KABUPATEN BENGKALIS", *unit, address, ""]


# ---- letters (lines of text) ------------------------------------------------------------------
def letter_rsud() -> list[str]:
    return [*kop(["RUMAH SAKIT UMUM DAERAH BENGKALIS"],
                 "Jalan Kelapapati Tengah, Bengkalis 28712 Telp. (0766) 21109"),
            "Nomor    : 445/RSUD-TU/XI/2026/812", "Lampiran : -",
            "Perihal  : Permohonan Peliputan", "", *YTH, "", "Dengan hormat,",
            "Bersama ini kami mohon kiranya dapat meliput kegiatan kami sebagai berikut:", "",
            "Acara        : Peresmian Gedung Rawat Inap Kelas III",
            f"Hari/Tanggal : {tgl(date(2026, 12, 10))}",
            "Pukul        : 09.00 - 12.00 WIB",
            "Tempat       : Halaman RSUD Bengkalis",
            "Contact person : dr. Fitri Handayani (0852-6543-1098)", "",
            "Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.", "",
            "Bengkalis, 30 November 2026", "Direktur RSUD Bengkalis,", "", "",
            "dr. H. Ahmad Syukri, Sp.PD", "NIP. 19750612 200312 1 004"]


def letter_bantan() -> list[str]:
    return [*kop(["KECAMATAN BANTAN"], "Jalan Kesehatan Nomor 1 Selatbaru, Bantan"),
            "Nomor    : 005/KEC-BTN/XII/2026/201", "Perihal  : Permohonan Peliputan", "", *YTH, "",
            "Dengan hormat,",
            "Sehubungan dengan akan dilaksanakannya kegiatan di Kecamatan Bantan,",
            "kami mohon kiranya dapat meliput kegiatan dimaksud, yaitu:", "",
            "Acara        : Musyawarah Perencanaan Pembangunan Kecamatan Bantan",
            f"Hari/Tanggal : {tgl(date(2027, 1, 12))}",
            "Pukul        : 09.00 WIB s.d. selesai",
            "Tempat       : Aula Kantor Camat Bantan", "",
            "Demikian kami sampaikan, atas kerja samanya diucapkan terima kasih.", "",
            "Bantan, 4 Desember 2026", "Camat Bantan,", "", "", "Drs. Zulkifli, M.Si",
            "NIP. 19700315 199503 1 002"]


def letter_dprd() -> list[str]:
    return ["SEKRETARIAT DEWAN PERWAKILAN RAKYAT DAERAH", "KABUPATEN BENGKALIS",
            "Jalan Jenderal Sudirman Nomor 15 Bengkalis", "",
            "Nomor    : 170/SETWAN/XII/2026/330", "Perihal  : Undangan Peliputan", "", *YTH, "",
            "Dengan hormat,", "Kami mohon kiranya dapat meliput kegiatan berikut:", "",
            "Acara        : Rapat Paripurna Pengesahan APBD Tahun Anggaran 2027",
            f"Hari/Tanggal : {tgl(date(2026, 12, 14))}",
            "Pukul        : 10.00 WIB",
            "Tempat       : Gedung DPRD Bengkalis", "",
            "Demikian disampaikan, terima kasih.", "",
            "Sekretaris DPRD Kabupaten Bengkalis,", "", "H. Syaiful Anwar, S.H."]


def letter_bpbd() -> list[str]:
    return [*kop(["BADAN PENANGGULANGAN BENCANA DAERAH"], "Jalan Pramuka Nomor 9 Bengkalis"),
            "Nomor    : 360/BPBD/XII/2026/077", "Perihal  : Permohonan Peliputan", "", *YTH, "",
            "Dengan hormat,", "Dalam rangka kesiapsiagaan menghadapi musim hujan, kami mohon kiranya",
            "Saudara dapat meliput kegiatan sebagai berikut:", "",
            "Acara        : Apel Kesiapsiagaan Bencana Banjir dan Karhutla",
            "Hari/Tanggal : Rabu, 23-12-2026",
            "Pukul        : 07.30 WIB s/d 10.00 WIB",
            "Tempat       : Lapangan Kantor Camat Talang Muandau, Desa Koto Pait Beringin",
            "Narahubung   : Sdr. Joni Iskandar, HP 0811-7612-345", "",
            "Demikian disampaikan, atas perhatiannya diucapkan terima kasih.", "",
            "Bengkalis, 7 Desember 2026", "Kepala Pelaksana BPBD Kabupaten Bengkalis,", "", "",
            "Ir. Samsul Bahri"]


# ---- rendering ---------------------------------------------------------------------------------
def text_pdf(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    y = 800
    for i, line in enumerate(lines):
        c.setFont("Times-Bold" if i < 2 else "Times-Roman", 14 if i < 2 else 11)
        c.drawString(70, y, line)
        y -= 18 if i < 2 else 15
    c.showPage()
    c.save()
    return buf.getvalue()


def render_page(lines: list[str], dpi: int, seed: int, angle: float, paper: int = 255):
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rnd = random.Random(seed)
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (w, h), paper)
    draw = ImageDraw.Draw(img)
    size = int(12 / 72 * dpi)
    regular, bold = ImageFont.truetype(FONT, size), ImageFont.truetype(FONT_BOLD, int(size * 1.15))
    y = int(0.8 * dpi)
    for i, line in enumerate(lines):
        draw.text((int(0.9 * dpi), y), line, fill=rnd.randint(0, 40), font=bold if i < 2 else regular)
        y += int(size * 1.5)
    for _ in range(w * h // 400):  # speckle noise
        x, yy = rnd.randrange(w), rnd.randrange(h)
        img.putpixel((x, yy), rnd.randint(120, 220))
    img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=paper, expand=False)
    return img.filter(ImageFilter.GaussianBlur(0.6))


def scanned_pdf(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    page = render_page(lines, 200, seed=5, angle=0.7)
    png = io.BytesIO()
    page.save(png, "PNG")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(io.BytesIO(png.getvalue())), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return buf.getvalue()


def photo_jpg(lines: list[str]) -> bytes:
    from PIL import Image

    page = render_page(lines, 160, seed=6, angle=-1.2, paper=235)
    shade = Image.linear_gradient("L").resize(page.size).point(lambda v: 255 - v // 6)
    photo = Image.composite(page, shade, Image.new("L", page.size, 200))
    buf = io.BytesIO()
    photo.convert("RGB").save(buf, "JPEG", quality=72)
    return buf.getvalue()


def docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.created = d.core_properties.modified = datetime(2026, 12, 1, 8, 0)
    header = d.sections[0].header
    header.paragraphs[0].text = "PEMERINTAH KABUPATEN BENGKALIS"
    for line in ("DINAS SOSIAL", "Jalan Hangtuah Nomor 12 Bengkalis, Telp. (0766) 22110"):
        header.add_paragraph(line)
    for line in ["Nomor    : 460/DINSOS/XII/2026/415", "Perihal  : Permohonan Peliputan", "", *YTH, "",
                 "Dengan hormat,", "Bersama ini kami mohon kiranya dapat meliput kegiatan berikut:"]:
        d.add_paragraph(line)
    rows = [("Acara", ":", "Penyaluran Bantuan Sembako bagi Lansia dan Penyandang Disabilitas"),
            ("Hari / Tanggal", ":", "Selasa / 15 Desember 2026"), ("Pukul", ":", "13.30 WIB"),
            ("Tempat", ":", "Kantor Camat Bukit Batu, Sungai Pakning"),
            ("HP/WA", ":", "0821-7000-1234 (Sdri. Maya)")]
    table = d.add_table(rows=0, cols=3)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    for line in ["", "Demikian disampaikan, terima kasih.", "", "Bengkalis, 2 Desember 2026",
                 "Kepala Dinas Sosial,", "", "Hj. Rahmawati, S.Sos", "NIP. 19720101 199803 2 006"]:
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed timestamps, so the file is byte-for-byte reproducible."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, (2026, 12, 1, 8, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---- messages ----------------------------------------------------------------------------------
def message(n: int, sender: str, subject: str, when: str, to: str = OFFICE) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = when
    msg["Message-ID"] = f"<req{n:02d}@test.bengkaliskab.go.id>"
    return msg


def write(name: str, msg: EmailMessage, files: dict[str, bytes] | None = None) -> None:
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_liputan_{name}_{i}")
    (OUT / f"{name}.eml").write_bytes(msg.as_bytes(policy=SMTP))
    for fname, data in (files or {}).items():
        (OUT / fname).write_bytes(data)


def labelled(title: str, when: str, time: str, place: str) -> str:
    return (f"Acara        : {title}\nHari/Tanggal : {when}\nPukul        : {time}\nTempat       : {place}\n")


def m01() -> None:
    msg = message(1, "Dinas Pendidikan <disdik@bengkaliskab.go.id>",
                  "Permohonan Peliputan Pembukaan OSN Tingkat Kabupaten", "Wed, 25 Nov 2026 08:12:00 +0700")
    body = ("PEMERINTAH KABUPATEN BENGKALIS\nDINAS PENDIDIKAN\nJalan Pramuka Nomor 2 Bengkalis – Telp. (0766) 21035\n\n"
            "Nomor    : 400.3/DISDIK/XI/2026/1123\nPerihal  : Permohonan Peliputan\n\n" + "\n".join(YTH) +
            "\n\nDengan hormat,\nDalam rangka penyelenggaraan Olimpiade Sains Nasional (OSN) tingkat kabupaten, "
            "kami mohon kiranya Saudara berkenan meliput kegiatan yang akan dilaksanakan pada:\n\n"
            + labelled("Pembukaan Olimpiade Sains Nasional (OSN) Tingkat Kabupaten Bengkalis Tahun 2026",
                       tgl(date(2026, 12, 7)), "08.00 WIB s.d. selesai",
                       "Gedung Daerah Datuk Laksamana Raja di Laut, Bengkalis")
            + "Narahubung   : Sdr. Rahmat Hidayat (0812-7654-3210)\n\n"
            "Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.\n\n"
            "Bengkalis, 24 November 2026\nKepala Dinas Pendidikan,\n\n\nDrs. H. Edi Sakura, M.Pd\n"
            "NIP. 19690817 199403 1 005\n")
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    write("01_disdik_labelled_qp", msg)


def m02() -> None:
    msg = message(2, "Dinas Kesehatan Kab. Bengkalis <dinkes@bengkaliskab.go.id>",
                  "Mohon liputan", "Thu, 26 Nov 2026 09:40:00 +0700")
    body = ("Yth. Kepala Diskominfotik Kabupaten Bengkalis\n\nDengan hormat,\n\n"
            "Bersama ini kami sampaikan bahwa Dinas Kesehatan Kabupaten Bengkalis mohon kiranya\n"
            "Bapak/Ibu dapat meliput kegiatan Pencanangan Bulan Imunisasi Anak Sekolah (BIAS) yang\n"
            f"akan dilaksanakan pada hari {tgl(date(2026, 12, 9))} pukul 09.00 WIB bertempat di\n"
            "Aula Puskesmas Selatbaru, Kecamatan Bantan.\n\n"
            "Untuk koordinasi lebih lanjut dapat menghubungi Sdri. Nurhayati di nomor 0813 6543 2109.\n\n"
            "Demikian kami sampaikan. Atas perhatiannya kami ucapkan terima kasih.\n\n"
            "Kepala Dinas Kesehatan\n\ndr. Hj. Sri Wahyuni, M.Kes\n")
    msg.set_content(body, charset="utf-8", cte="base64")
    write("02_dinkes_running_text", msg)


def m03() -> None:
    msg = message(3, "Yusnita Dispar <yusnita.dispar@gmail.com>", "Liputan Festival Pantai Selatbaru",
                  "Fri, 27 Nov 2026 20:05:00 +0700")
    html = ("<div dir=\"auto\">Assalamualaikum, selamat malam Pak/Bu.<div dir=\"auto\">Mohon bantuan liputan untuk "
            "kegiatan kami berikut ini:</div><div dir=\"auto\"><table border=\"1\"><tbody>"
            "<tr><td>Acara</td><td>:</td><td>Festival Pantai Selatbaru 2026</td></tr>"
            "<tr><td>Hari/Tanggal</td><td>:</td><td>Sab, 19 Des 2026</td></tr>"
            "<tr><td>Waktu</td><td>:</td><td>15.00 WIB s.d selesai</td></tr>"
            "<tr><td>Tempat</td><td>:</td><td>Pantai Selatbaru, Kecamatan Bantan</td></tr>"
            "<tr><td>CP</td><td>:</td><td>Yusnita 0823-1122-3344</td></tr></tbody></table></div>"
            "<div dir=\"auto\">Terima kasih.</div><div dir=\"auto\"><br></div>"
            "<div dir=\"auto\">Dikirim dari ponsel Samsung Galaxy saya</div></div>")
    msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
    write("03_dispar_html_phone", msg)


def m04() -> None:
    msg = message(4, "RSUD Bengkalis <rsud@bengkaliskab.go.id>", "Surat Permohonan Peliputan",
                  "Mon, 30 Nov 2026 10:00:00 +0700")
    msg.set_content("Dengan hormat,\nTerlampir kami sampaikan surat permohonan peliputan.\nTerima kasih.\n\n"
                    "Humas RSUD Bengkalis\n")
    pdf = text_pdf(letter_rsud())
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="permohonan_peliputan_rsud.pdf")
    write("04_rsud_text_pdf", msg, {"04_rsud_text_pdf.pdf": pdf})


def m05() -> None:
    msg = message(5, "Kantor Camat Bantan <kec.bantan@gmail.com>", "Permohonan peliputan Musrenbang",
                  "Fri, 4 Dec 2026 11:30:00 +0700")
    msg.set_content("Assalamualaikum wr. wb.\nBersama ini kami kirimkan hasil pindaian surat permohonan "
                    "peliputan.\nWassalam.\n")
    pdf = scanned_pdf(letter_bantan())
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="scan_surat_kecamatan.pdf")
    write("05_bantan_scanned_pdf", msg, {"05_bantan_scanned_pdf.pdf": pdf})


def m06() -> None:
    msg = message(6, "Staf Setwan <humas.setwan.bks@gmail.com>", "foto surat", "Tue, 1 Dec 2026 07:55:00 +0700")
    msg.set_content("Pak, ini foto suratnya. Mohon diliput.\n\nSent from my iPhone\n")
    jpg = photo_jpg(letter_dprd())
    msg.add_attachment(jpg, maintype="image", subtype="jpeg", filename="IMG_20261201_075012.jpg")
    write("06_dprd_photo_jpg", msg, {"06_dprd_photo_jpg.jpg": jpg})


def m07() -> None:
    msg = message(7, "Dinas Sosial <dinsos@bengkaliskab.go.id>", "Permohonan Peliputan",
                  "Wed, 2 Dec 2026 13:20:00 +0700")
    msg.set_content("Dengan hormat, bersama ini kami lampirkan surat permohonan peliputan. Terima kasih.\n")
    data = docx_bytes()
    msg.add_attachment(data, maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                       filename="Surat Permohonan Liputan.docx")
    write("07_dinsos_docx", msg, {"07_dinsos_docx.docx": data})


def m08() -> None:
    msg = message(8, "Hendra Kesra <hendra.kesra@gmail.com>",
                  "Fwd: Permohonan Peliputan Tabligh Akbar", "Thu, 3 Dec 2026 16:45:00 +0700")
    d = date(2026, 12, 31)
    body = ("Mohon diliput ya Pak. Terima kasih.\n\n"
            "---------- Pesan terusan ---------\n"
            "Dari: Bagian Kesra Setda Bengkalis <kesra@bengkaliskab.go.id>\n"
            "Tanggal: Kam, 3 Des 2026 pukul 14.02\n"
            "Subjek: Permohonan Peliputan Tabligh Akbar\n"
            "Kepada: Hendra Kesra <hendra.kesra@gmail.com>\n\n\n"
            "Dengan hormat,\n"
            "Dalam rangka menyambut Tahun Baru 2027, Pemerintah Kabupaten Bengkalis akan menggelar\n"
            "Tabligh Akbar dan Doa Bersama. Sehubungan dengan hal tersebut kami mohon kiranya dapat\n"
            "diliput, dengan keterangan sebagai berikut:\n\n"
            + labelled("Tabligh Akbar dan Doa Bersama Menyambut Tahun Baru 2027", tgl(d),
                       "19.30 WIB s.d. selesai", "Masjid Agung Istiqomah Bengkalis") +
            "\nDemikian disampaikan, terima kasih.\n\n"
            "Kepala Bagian Kesejahteraan Rakyat\nSetda Kabupaten Bengkalis\n")
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    write("08_gmail_forward_terusan", msg)


def m09() -> None:
    msg = message(9, "Sekretariat Dishub <setdishub.bks@outlook.com>",
                  "TRS: Undangan Peliputan Uji Coba Kapal Roro", "Fri, 4 Dec 2026 08:05:00 +0700")
    body = ("Kami teruskan untuk ditindaklanjuti.\n\nSalam,\nSekretariat Dishub\n\n"
            "-----Pesan Asli-----\n"
            "Dari: Dinas Perhubungan <dishub@bengkaliskab.go.id>\n"
            "Dikirim: Kamis, 03 Desember 2026 15.10\n"
            "Kepada: setdishub.bks@outlook.com\n"
            "Subjek: Undangan Peliputan Uji Coba Kapal Roro\n\n"
            "PEMERINTAH KABUPATEN BENGKALIS\nDINAS PERHUBUNGAN\nJalan Ahmad Yani Nomor 20 Bengkalis\n\n"
            "Nomor : 550/DISHUB/XII/2026/091\n\nDengan hormat,\n"
            "Mohon kiranya dapat meliput kegiatan sebagai berikut:\n\n"
            "Kegiatan     : Uji Coba Operasional Kapal Roro Rute Air Putih - Sungai Selari\n"
            f"Hari/Tanggal : {tgl(date(2026, 12, 18))}\n"
            "Pukul        : 07.30 WIB\n"
            "Lokasi       : Pelabuhan Roro Air Putih, Kecamatan Bengkalis\n\n"
            "Kepala Dinas Perhubungan\n")
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    write("09_outlook_pesan_asli", msg)


def m10() -> None:
    msg = message(10, "Bagian Protokol Setda <protokol@bengkaliskab.go.id>",
                  "Agenda Kegiatan Bupati Bengkalis 7 - 10 Desember 2026", "Fri, 4 Dec 2026 15:00:00 +0700")
    items = [
        (date(2026, 12, 7), "20.00 WIB s.d. selesai", "Pembukaan MTQ ke-50 Tingkat Kabupaten Bengkalis",
         "Lapangan Tugu Bengkalis"),
        (date(2026, 12, 8), "10.00 WIB", "Silaturahmi Bupati dengan Tokoh Masyarakat Kecamatan Mandau",
         "Gedung Bathin Betuah, Duri"),
        (date(2026, 12, 9), "09.00 WIB", "Panen Raya Padi Kelompok Tani Sepakat",
         "Desa Teluk Pambang, Kecamatan Bantan"),
        (date(2026, 12, 10), "13.30 - 15.00 WIB", "Rapat Koordinasi Persiapan Hari Jadi Kabupaten",
         "Ruang Rapat Lantai III Kantor Bupati Bengkalis"),
    ]
    lines = ["PEMERINTAH KABUPATEN BENGKALIS", "SEKRETARIAT DAERAH", "BAGIAN PROTOKOL DAN KOMUNIKASI PIMPINAN",
             "Jalan Ahmad Yani Nomor 1 Bengkalis", "", "AGENDA KEGIATAN BUPATI BENGKALIS", ""]
    for n, (d, t, title, place) in enumerate(items, 1):
        lines += [f"{n}. Acara        : {title}", f"   Hari/Tanggal : {tgl(d)}", f"   Pukul        : {t}",
                  f"   Tempat       : {place}", ""]
    lines += ["Mohon dukungan peliputan dan dokumentasi.", "", "Kepala Bagian Protokol dan Komunikasi Pimpinan"]
    msg.set_content("\n".join(lines) + "\n", charset="utf-8", cte="quoted-printable")
    write("10_protokol_agenda_numbered", msg)


def m11() -> None:
    msg = message(11, "Bagian Protokol Setda <protokol@bengkaliskab.go.id>",
                  "Agenda Kegiatan Bupati Minggu II Januari 2027", "Wed, 6 Jan 2027 16:00:00 +0700")
    rows = [
        ("1", tgl(date(2027, 1, 11)), "08.00 WIB", "Upacara Peringatan Hari Amal Bakti Kementerian Agama",
         "Lapangan Tugu Bengkalis"),
        ("2", None, "14.00 WIB", "Audiensi dengan Pengurus KNPI Kabupaten Bengkalis", "Wisma Sri Mahkota"),
        ("3", tgl(date(2027, 1, 13)), "09.00 WIB s.d. selesai",
         "Peluncuran Kalender Event Pariwisata Pulau Rupat 2027", "Pantai Teluk Rhu, Rupat Utara"),
    ]
    trs = "<tr><th>No</th><th>Hari/Tanggal</th><th>Waktu</th><th>Acara</th><th>Tempat</th></tr>"
    for no, when, t, title, place in rows:
        day = "" if when is None else (f"<td rowspan=\"2\">{when}</td>" if no == "1" else f"<td>{when}</td>")
        trs += f"<tr><td>{no}</td>{day}<td>{t}</td><td>{title}</td><td>{place}</td></tr>"
    html = ("<html><body><p>Yth. Kepala Diskominfotik,</p><p>Berikut kami sampaikan agenda kegiatan Bupati "
            "Bengkalis untuk mendapat dukungan peliputan:</p><table border=\"1\" cellpadding=\"4\">"
            f"{trs}</table><p>Terima kasih.</p><p>Bagian Protokol dan Komunikasi Pimpinan<br>"
            "Sekretariat Daerah Kabupaten Bengkalis</p></body></html>")
    msg.set_content("Agenda terlampir dalam tampilan HTML.\n", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    write("11_protokol_agenda_html_table", msg)


def m12() -> None:
    msg = message(12, "Kecamatan Rupat <kecamatan.rupat@gmail.com>", "Permohonan Peliputan Pelantikan LAM",
                  "Mon, 7 Dec 2026 09:15:00 +0700")
    body = ("PEMERINTAH KABUPATEN BENGKALIS\nKECAMATAN RUPAT\nJalan Tengku Sulung Nomor 3 Batu Panjang\n\n"
            "Nomor : 003/KEC-RPT/XII/2026/118\n\nDengan hormat,\n"
            "Kami mohon kiranya Bapak dapat meliput kegiatan berikut:\n\n"
            + labelled("Pelantikan Pengurus Lembaga Adat Melayu Riau Kecamatan Rupat", tgl(date(2026, 12, 16)),
                       "14.00 WIB", "Aula Kantor Camat Rupat, Batu Panjang") +
            "Narahubung   : Sdr. André Saputra (0812-6000-7788)\n\n"
            "Demikian, atas perhatian Bapak diucapkan terima kasih.\n\nCamat Rupat,\n\nH. Darmawan, S.Sos\n")
    msg.set_content(body, charset="iso-8859-1", cte="8bit")
    write("12_rupat_iso8859", msg)


def m13() -> None:
    msg = message(13, "Dinas Perpustakaan dan Kearsipan <dispusip@bengkaliskab.go.id>",
                  "Permohonan Peliputan Lomba Bercerita", "Tue, 8 Dec 2026 10:30:00 +0700")
    body = ("Dengan hormat,\r\nKami mohon kiranya Bapak/Ibu berkenan meliput kegiatan kami:\r\n\r\n"
            "Acara        : Lomba Bercerita \u201cAyo Membaca\u201d Tingkat SD \u2013 Final\r\n"
            "Tanggal      : 07/01/2027\r\n"
            "Pukul        : 08.30 WIB\r\n"
            "Tempat       : Gedung Perpustakaan Daerah, Jalan Ahmad Yani, Bengkalis\r\n\r\n"
            "Terima kasih\u2026\r\n\r\nKepala Dinas Perpustakaan dan Kearsipan\r\n")
    msg.set_content(body, charset="windows-1252", cte="quoted-printable")
    write("13_dispusip_cp1252", msg)


def m14() -> None:
    msg = message(14, "BPBD Bengkalis <bpbd@bengkaliskab.go.id>",
                  "Permohonan Peliputan \u2013 Apel Kesiapsiagaan Bencana", "Mon, 7 Dec 2026 14:00:00 +0700")
    msg.set_content("Dengan hormat, terlampir surat kami. Terima kasih.\n")
    pdf = text_pdf(letter_bpbd())
    msg.add_attachment(pdf, maintype="application", subtype="pdf",
                       filename="Surat Permohonan \u2013 BPBD Apel Siaga.pdf")
    write("14_bpbd_rfc2231_pdf", msg, {"14_bpbd_rfc2231_pdf.pdf": pdf})


def m15() -> None:
    msg = message(15, "Dinas Ketahanan Pangan <dkp@bengkaliskab.go.id>", "Permohonan Peliputan",
                  "Wed, 9 Dec 2026 08:00:00 +0700")
    body = ("PEMERINTAH KABUPATEN BENGKALIS\nDINAS KETAHANAN PANGAN\nJalan Pertanian Nomor 4 Bengkalis\n\n"
            "Dengan hormat,\nKami mohon kiranya dapat meliput kegiatan Gerakan Pangan Murah Menjelang Natal "
            "dan Tahun Baru\nyang akan dilaksanakan pada hari " + tgl(date(2026, 12, 21)) + ".\n\n"
            "Demikian disampaikan, terima kasih.\n\nKepala Dinas Ketahanan Pangan\n")
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    write("15_dkp_missing_time_place", msg)


def m16() -> None:
    msg = message(16, "Rudi Hartono <rudi.hartono88@gmail.com>", "mohon diliput",
                  "Thu, 10 Dec 2026 19:45:00 +0700")
    body = ("Assalamualaikum Pak,\n\nKami dari Kantor Camat Siak Kecil mohon diliput kegiatan Gotong Royong "
            "Massal Bersih Parit yang\ninsya Allah dilaksanakan hari Sabtu tanggal 19 Desember 2026 jam 8 pagi "
            "s.d. selesai di Desa Lubuk Muda.\nKalau ada yang perlu ditanyakan bisa hubungi saya di "
            "+62 852-7111-2233.\n\nTerima kasih Pak.\nRudi\n\nDikirim dari iPhone saya\n")
    msg.set_content(body, charset="utf-8")
    write("16_siakkecil_jam8pagi", msg)


def m17() -> None:
    msg = message(17, "Bagian Tata Pemerintahan Setda <tapem@bengkaliskab.go.id>",
                  "Permohonan Peliputan Rakornas Pemerintahan Desa (Daring)", "Fri, 11 Dec 2026 10:10:00 +0700")
    body = ("Dengan hormat,\nBersama ini kami mohon peliputan atas kegiatan berikut:\n\n"
            "Acara        : Rapat Koordinasi Nasional Pemerintahan Desa secara Daring\n"
            f"Hari/Tanggal : {tgl(date(2027, 1, 13))}\n"
            "Waktu        : 10.00 WITA (09.00 WIB)\n"
            "Tempat       : Ruang Rapat Lantai II Kantor Bupati Bengkalis\n\n"
            "Kegiatan diselenggarakan oleh Kementerian Dalam Negeri dari Makassar.\n\n"
            "Kepala Bagian Tata Pemerintahan\n")
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    write("17_tapem_wita", msg)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (m01, m02, m03, m04, m05, m06, m07, m08, m09, m10, m11, m12, m13, m14, m15, m16, m17):
        make()


if __name__ == "__main__":
    main()
