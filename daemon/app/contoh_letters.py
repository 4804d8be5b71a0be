"""The sample request letters of `liputan contoh`, written as units write them."""

from __future__ import annotations

BANTAN = """Nomor    : 005/KEC-BTN/XI/2026/214
Perihal  : Permohonan Peliputan Musrenbang Kecamatan Bantan

Yth. Kepala Dinas Komunikasi, Informatika dan Statistik
Kabupaten Bengkalis
di -
   Bengkalis

Dengan hormat,

Sehubungan dengan akan dilaksanakannya kegiatan Musyawarah Perencanaan Pembangunan (Musrenbang)
Kecamatan Bantan Tahun 2027, kami mohon kiranya Dinas Komunikasi, Informatika dan Statistik dapat
meliput kegiatan tersebut yang akan dilaksanakan pada:

Hari/Tanggal : Senin, 7 Desember 2026
Pukul        : 09.00 WIB s.d. selesai
Tempat       : Aula Kantor Camat Bantan
Acara        : Musrenbang Kecamatan Bantan Tahun 2027

Narahubung: Sdr. Rahmat (0812-7654-3210)

Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.

Bantan, 25 November 2026
Camat Bantan,


Drs. Ahmad Yani, M.Si.
"""

DURI = """Nomor    : 400.3/DISDIK/XI/2026/1130
Perihal  : Permohonan Peliputan Peresmian Gedung SDN 12 Mandau

Dengan hormat,

Bersama ini kami mohon peliputan kegiatan:

Acara        : Peresmian Gedung Sekolah Dasar Negeri 12 Mandau
Hari/Tanggal : {day}
Waktu        : 13.00 s.d. 16.00 WIB
Tempat       : SDN 12 Mandau, Duri

Contact person: Ibu Sari +62 813-1111-2222

Bengkalis, 26 November 2026
Kepala Dinas Pendidikan Kabupaten Bengkalis
"""

RSUD = """Nomor    : 445/RSUD-MDU/XI/2026/87
Perihal  : Permohonan Peliputan Peresmian Layanan Hemodialisa

Dengan hormat,

Dalam rangka peluncuran layanan hemodialisa, RSUD Mandau bermaksud mengadakan acara peresmian.
Sehubungan dengan hal tersebut, kami mohon peliputan dan dokumentasi foto kegiatan dimaksud pada:

Hari/Tanggal : Kamis, 10 Desember 2026
Waktu        : 09.00 s.d. 11.00 WIB
Tempat       : Aula RSUD Mandau, Duri

Narahubung: dr. Yusnita 0852 6543 1098

Duri, 27 November 2026
Direktur RSUD Mandau
"""

# A letter with no place: the unit is asked for it and answers.
KEBUDAYAAN = """Dengan hormat,

Kami mohon kiranya kegiatan Lomba Pidato Bahasa Melayu Tingkat SMP se-Kecamatan Bengkalis dapat
diliput, yang akan dilaksanakan pada:

Hari/Tanggal : Kamis, 3 Desember 2026
Pukul        : 08.00 s.d. 12.00 WIB

Narahubung: Ibu Marlina (0813-6543-2109)

Kepala Dinas Kebudayaan Kabupaten Bengkalis
"""

NEWS = ("Musrenbang Kecamatan Bantan Tetapkan 42 Usulan Prioritas\n\n"
        "BANTAN - Musyawarah Perencanaan Pembangunan Kecamatan Bantan menetapkan 42 usulan prioritas "
        "untuk tahun 2027.\n\nCamat Bantan meminta seluruh desa mengawal usulan tersebut hingga "
        "tahap kabupaten.\n")
