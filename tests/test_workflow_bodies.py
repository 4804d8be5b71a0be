"""Request letters the workflow tests send (shared by unit and integration tests)."""

BANTAN = """Dengan hormat,

Sehubungan dengan akan dilaksanakannya kegiatan Musyawarah Perencanaan Pembangunan (Musrenbang)
Kecamatan Bantan Tahun 2027, kami mohon kiranya Dinas Komunikasi, Informatika dan Statistik dapat
meliput kegiatan tersebut yang akan dilaksanakan pada:

Hari/Tanggal : Senin, 7 Desember 2026
Pukul        : 09.00 WIB s.d. selesai
Tempat       : Aula Kantor Camat Bantan
Acara        : Musrenbang Kecamatan Bantan Tahun 2027

Narahubung: Sdr. Rahmat (0812-7654-3210)

Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.

Camat Bantan
"""

DURI = """Dengan hormat,

Bersama ini kami mohon peliputan kegiatan:

Acara        : Peresmian Gedung Sekolah Dasar Negeri 12 Mandau
Hari/Tanggal : Rabu, 9 Desember 2026
Waktu        : 13.00 s.d. 16.00 WIB
Tempat       : SDN 12 Mandau, Duri

Contact person: Ibu Sari 0813-1111-2222

Kepala Dinas Pendidikan Kabupaten Bengkalis
"""
