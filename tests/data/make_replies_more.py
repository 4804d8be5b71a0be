"""Regenerate the third part of the reply corpus (tests/data/replies/1xx_*.eml): replies above our real
task mail from clients not covered by make_replies.py (Outlook in Indonesian, English and Spanish, old
Outlook "-----Pesan Asli-----", Outlook for iOS/Android, Windows Mail, Roundcube, Apple Mail in English,
Gmail "Pada tanggal", HTML-only phones), in odd charsets, with the way officials really answer:
abbreviations, emoji, fillers, and many sentences that defer, ask or hedge.

Run from the repository root: python tests/data/make_replies_more.py (writes the .eml files and
replaces the part of replies/expected.yaml after the "# make_replies_more.py" marker)."""

from __future__ import annotations

import html
import sys
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_replies as base  # noqa: E402

OURS, KADIS, OUT = base.OURS, base.KADIS, base.OUT
MARKER = "# make_replies_more.py: the entries below are generated, edit the generator instead\n"

base.STYLES.update({
    "outlook_id": (f"________________________________\nDari: {OURS}\nDikirim: Senin, 30 November 2026 08.05\n"
                   f"Kepada: Kepala Dinas <{KADIS}>\nSubjek: {{s}}", "", "BLS: ", ""),
    "outlook_id_old": (f"-----Pesan Asli-----\nDari: {OURS}\nDikirim: Senin, 30 November 2026 8:05\n"
                       f"Kepada: {KADIS}\nPerihal: {{s}}", "", "RE: ", ""),
    "outlook_id_ios": (f"________________________________\nDari: {OURS}\nDikirim: Senin, 30 November 2026 "
                       f"08.05\nKepada: {KADIS}\nSubjek: {{s}}", "", "RE: ", "Dapatkan Outlook untuk iOS"),
    "outlook_en": (f"________________________________\nFrom: {OURS}\nSent: Monday, November 30, 2026 8:05 AM\n"
                   f"To: Kepala Dinas <{KADIS}>\nSubject: {{s}}", "", "RE: ", ""),
    "outlook_en_old": (f"-----Original Message-----\nFrom: {OURS}\nSent: Monday, November 30, 2026 8:05 AM\n"
                       f"To: {KADIS}\nSubject: {{s}}", "", "RE: ", ""),
    "outlook_en_android": (f"________________________________\nFrom: {OURS}\nSent: Monday, November 30, 2026 "
                           f"8:05:12 AM\nTo: {KADIS}\nSubject: {{s}}", "", "RE: ", "Get Outlook for Android"),
    "outlook_es": (f"________________________________\nDe: {OURS}\nEnviado: lunes, 30 de noviembre de 2026 "
                   f"8:05\nPara: Kepala Dinas <{KADIS}>\nAsunto: {{s}}", "", "RE: ", ""),
    "windows_mail": (f"________________________________\nDari: {OURS}\nDikirim: 30 November 2026 8:05\n"
                     f"Kepada: {KADIS}\nSubjek: {{s}}", "", "RE: ", "Dikirim dari Email untuk Windows"),
    "roundcube": (f"On 2026-11-30 08:05, {base.OURS_NAME} wrote:", "> ", "Re: ", ""),
    "apple_en": (f"On 30 Nov 2026, at 08:05, {OURS} wrote:", "> ", "Re: ", "Sent from my iPhone"),
    "gmail_id_tanggal": (f"Pada tanggal Sen, 30 Nov 2026 pukul 08.05, {OURS} menulis:", "> ", "Re: ", ""),
    "gmail_id_wrapped": (f"Pada Sen, 30 Nov 2026 pukul 08.05 {base.OURS_NAME} <{base.OURS_ADDR}>\nmenulis:",
                         "> ", "Re: ", ""),
    "samsung_en": (f"-------- Original message --------\nFrom: {OURS}\nDate: 30/11/2026 08:05 (GMT+07:00)\n"
                   f"To: {KADIS}\nSubject: {{s}}", "", "Re: ", "Sent from my Galaxy"),
})

A, R, V, N = "approve", "reject", "revise", None
# (file name, style, own text, body form, decision, note); forms as in make_replies.py, plus
# "apple-html" (Apple Mail HTML only, <blockquote type="cite">) and "+latin9" / "+ascii".
CASES = [
    # approvals as officials write them
    ("100_outlook_id_setuju.eml", "outlook_id", "Setuju.", "both", A, ""),
    ("101_outlook_id_old_acc.eml", "outlook_id_old", "Acc", "plain", A, ""),
    ("102_outlook_id_ios_ok_lanjutkan.eml", "outlook_id_ios", "Ok lanjutkan", "both", A, ""),
    ("103_outlook_en_approved.eml", "outlook_en", "Approved.", "both", A, ""),
    ("104_outlook_en_old_setuju_lanjut.eml", "outlook_en_old", "Setuju, lanjut.", "plain", A, ""),
    ("105_outlook_es_disetujui.eml", "outlook_es", "Disetujui", "both+latin1", A, ""),
    ("106_windows_mail_setuju_pak.eml", "windows_mail", "Setuju pak", "plain", A, ""),
    ("107_roundcube_lanjutkan.eml", "roundcube", "Lanjutkan", "plain", A, ""),
    ("108_apple_en_ya_setuju.eml", "apple_en", "Ya, setuju", "plain", A, ""),
    ("109_gmail_id_tanggal_siap_laksanakan.eml", "gmail_id_tanggal", "Siap, laksanakan. Setuju.", "both", A, "laksanakan. Setuju"),
    ("110_gmail_id_wrapped_setuju_emoji.eml", "gmail_id_wrapped", "Setuju \U0001f44d", "both", A, ""),
    ("111_samsung_en_oke_setuju.eml", "samsung_en", "Oke setuju", "plain", A, ""),
    ("112_apple_html_setuju.eml", "apple_id", "Setuju, terima kasih.", "apple-html", A, ""),
    ("113_outlook_id_html_only_acc_pak.eml", "outlook_id", "Acc pak", "html", A, ""),
    ("114_outlook_en_android_sip.eml", "outlook_en_android", "Sip", "plain", A, ""),
    ("115_roundcube_latin9_disetujui_lanjutkan.eml", "roundcube", "Disetujui, silakan dilanjutkan.",
     "plain+latin9", A, "silakan dilanjutkan"),
    ("116_gmail_en_ascii_setuju.eml", "gmail_en", "SETUJU", "plain+ascii", A, ""),
    ("117_outlook_id_setuju_sesuai_sop.eml", "outlook_id", "Setuju, laksanakan sesuai SOP.", "both", A,
     "laksanakan sesuai SOP"),
    ("118_apple_id_ya_lanjutkan.eml", "apple_id", "Ya, lanjutkan", "plain", A, ""),
    ("119_yahoo_ok_pak.eml", "yahoo", "Ok pak", "plain", A, ""),
    # approvals with a note or a condition
    ("120_outlook_id_setuju_tapi_drone.eml", "outlook_id", "Setuju, tapi bawa drone untuk foto udara.", "both",
     A, "bawa drone untuk foto udara"),
    ("121_outlook_en_setuju_namun_koordinasi.eml", "outlook_en", "Setuju, namun koordinasikan dengan Humas Setda.",
     "both", A, "koordinasikan dengan Humas Setda"),
    ("122_gmail_id_tanggal_setuju_jika_anggaran.eml", "gmail_id_tanggal",
     "Setuju jika anggaran perjalanan tersedia.", "plain", A, "jika anggaran perjalanan tersedia"),
    ("123_apple_en_setuju_asalkan.eml", "apple_en", "Setuju asalkan tim berangkat pagi.", "plain", A,
     "asalkan tim berangkat pagi"),
    ("124_windows_mail_setuju_catatan.eml", "windows_mail", "Setuju dengan catatan: liputan video juga.",
     "plain", A, "liputan video juga"),
    ("125_outlook_id_old_setuju_tapi_tambahkan.eml", "outlook_id_old", "Setuju, tapi tambahkan satu videografer.",
     "plain", A, "tambahkan satu videografer"),
    # refusals
    ("126_outlook_id_tolak.eml", "outlook_id", "Tolak.", "both", R, ""),
    ("127_outlook_en_ditolak_anggaran.eml", "outlook_en", "Ditolak, anggaran perjalanan sudah habis.", "both",
     R, "anggaran perjalanan sudah habis"),
    ("128_roundcube_tidak_setuju.eml", "roundcube", "Tidak setuju.", "plain", R, ""),
    ("129_apple_en_jangan_dulu.eml", "apple_en", "Jangan dulu.", "plain", R, ""),
    ("130_outlook_es_batal.eml", "outlook_es", "Batal, acaranya diundur tahun depan.", "both", R,
     "acaranya diundur tahun depan"),
    ("131_samsung_en_tdk_setuju.eml", "samsung_en", "tdk setuju", "plain", R, ""),
    ("132_gmail_id_wrapped_tolak_sudah_diliput.eml", "gmail_id_wrapped", "Tolak, sudah diliput oleh Humas Setda.",
     "both", R, "sudah diliput oleh Humas Setda"),
    ("133_outlook_id_ios_tidak_disetujui.eml", "outlook_id_ios", "Tidak disetujui.", "both", R, ""),
    ("134_apple_html_tolak.eml", "apple_id", "Tolak, bukan kegiatan pemerintah daerah.", "apple-html", R,
     "bukan kegiatan pemerintah daerah"),
    ("135_yahoo_cp1252_ditunda.eml", "yahoo", "Ditunda, tunggu surat berikutnya.", "plain+cp1252", R, "tunggu surat berikutnya"),
    # revisions
    ("136_outlook_id_revisi_tempat.eml", "outlook_id", "Revisi: tempat di Aula Kantor Camat Bantan, bukan di lapangan.",
     "both", V, "tempat di Aula Kantor Camat Bantan, bukan di lapangan"),
    ("137_outlook_en_mohon_diperbaiki.eml", "outlook_en", "Mohon diperbaiki jam acaranya.", "both", V,
     "mohon diperbaiki jam acaranya"),
    ("138_roundcube_ganti_fotografer.eml", "roundcube", "Ganti fotografer dengan Rina.", "plain", V,
     "ganti fotografer dengan Rina"),
    ("139_apple_en_revisi_narahubung.eml", "apple_en", "Revisi: narahubung Sdr. Rahmat 0812 7654 3210", "plain",
     V, "narahubung Sdr. Rahmat 0812 7654 3210"),
    ("140_windows_mail_tambahkan_videografer.eml", "windows_mail", "Tambahkan videografer.", "plain", V,
     "tambahkan videografer"),
    ("141_gmail_id_tanggal_koreksi_tanggal.eml", "gmail_id_tanggal", "Koreksi tanggalnya, acara hari Selasa.",
     "both", V, "tanggalnya, acara hari Selasa"),
    # defer, ask or hedge: never a decision
    ("142_outlook_id_nanti_cek_dulu.eml", "outlook_id", "Nanti saya cek dulu jadwalnya.", "both", N, ""),
    ("143_outlook_id_old_ya_nanti.eml", "outlook_id_old", "Ya nanti saya lihat dulu.", "plain", N, ""),
    ("144_outlook_id_ios_ok_sy_cek.eml", "outlook_id_ios", "Ok, sy cek dulu.", "both", N, ""),
    ("145_outlook_en_siap_nanti_dikabari.eml", "outlook_en", "Siap pak, nanti dikabari.", "both", N, ""),
    ("146_outlook_en_old_baik_tunggu.eml", "outlook_en_old", "Baik, tunggu ya.", "plain", N, ""),
    ("147_outlook_es_belum_tunggu_bupati.eml", "outlook_es", "Belum, tunggu arahan Bupati.", "both", N, ""),
    ("148_windows_mail_setuju_question_anggaran.eml", "windows_mail", "Setuju? Anggarannya dari mana?", "plain",
     N, ""),
    ("149_roundcube_apa_sudah_koordinasi.eml", "roundcube", "Apa sudah dikoordinasikan dengan protokol?",
     "plain", N, ""),
    ("150_apple_en_kapan_suratnya.eml", "apple_en", "Kapan suratnya masuk?", "plain", N, ""),
    ("151_gmail_id_tanggal_siapa_petugas.eml", "gmail_id_tanggal", "Siapa petugas yang diusulkan?", "both", N, ""),
    ("152_gmail_id_wrapped_ok_pertimbangkan.eml", "gmail_id_wrapped", "Ok, saya pertimbangkan.", "both", N, ""),
    ("153_samsung_en_sebentar.eml", "samsung_en", "Sebentar ya pak, saya sedang rapat.", "plain", N, ""),
    ("154_apple_html_nanti_kabari.eml", "apple_id", "Nanti saya kabari.", "apple-html", N, ""),
    ("155_outlook_id_html_only_bagaimana_tim.eml", "outlook_id", "Bagaimana dengan tim yang kemarin?", "html",
     N, ""),
    ("156_outlook_en_android_setuju_nanti_kabari.eml", "outlook_en_android", "Setuju, nanti saya kabari jamnya.",
     "plain", N, ""),
    ("157_yahoo_ya_dicek_dulu.eml", "yahoo", "Ya, dicek dulu ke camat.", "plain", N, ""),
    ("158_gmail_en_bukankah_sudah_diliput.eml", "gmail_en", "Bukankah acara ini sudah diliput bulan lalu?",
     "both", N, ""),
    ("159_outlook_id_old_siap_pelajari.eml", "outlook_id_old", "Siap, saya pelajari dulu suratnya.", "plain",
     N, ""),
    ("160_thunderbird_id_thumbs_only.eml", "thunderbird_id", "\U0001f44d", "plain", N, ""),
    ("161_outlook_id_terima_kasih_only.eml", "outlook_id", "Terima kasih.", "both", N, ""),
    ("162_roundcube_gimana_ini.eml", "roundcube", "Gimana ini, acaranya jadi atau tidak?", "plain", N, ""),
    ("163_apple_en_mengapa_mendadak.eml", "apple_en", "Mengapa mendadak sekali?", "plain", N, ""),
    ("164_windows_mail_kabari_setelah.eml", "windows_mail", "Kabari saya setelah ada surat dari camat.", "plain",
     N, ""),
    # nothing of the official's own, or a decision only in the subject
    ("165_outlook_id_empty_top.eml", "outlook_id", "", "both", N, ""),
    ("166_outlook_en_subject_only_tolak.eml", "outlook_en", "", "both", R, "", {"subject": " - TOLAK"}),
    ("167_roundcube_subject_only_setuju.eml", "roundcube", "", "plain", A, "", {"subject": " - setuju"}),
    ("168_outlook_id_subject_only_cek_dulu.eml", "outlook_id", "", "both", N, "", {"subject": " - cek dulu"}),
    # answers between the quoted lines
    ("169_gmail_id_tanggal_inline_ganti_selebihnya_setuju.eml", "gmail_id_tanggal", "Selebihnya setuju.",
     "plain", A, "ganti tempat ke Gedung Daerah", {"inline": {7: "ganti tempat ke Gedung Daerah"}}),
    ("170_roundcube_inline_question_selebihnya_setuju.eml", "roundcube", "Selebihnya setuju.", "plain", N, "",
     {"inline": {6: "Jam berapa acaranya selesai?"}}),
    # the answer signed with the sender's name on the last line (no "Salam," above it): no note
    ("171_outlook_id_setuju_nama.eml", "outlook_id", "Setuju\nJohansyah Syafri", "both", A, ""),
    ("172_apple_id_setuju_nama_depan.eml", "apple_id", "Setuju\nJohansyah", "plain", A, ""),
    ("173_outlook_id_ios_setuju_nama_gelar.eml", "outlook_id_ios", "Setuju\nDrs. H. Johansyah Syafri, M.Si.",
     "both", A, ""),
    ("174_outlook_en_android_setuju_inisial.eml", "outlook_en_android", "Setuju.\nJS", "plain", A, ""),
    ("175_outlook_id_old_setuju_nama_jabatan_nip.eml", "outlook_id_old",
     "Setuju\n\nJohansyah Syafri\nKepala Dinas Kominfotik\nNIP. 19680411 199303 1 009", "plain", A, ""),
    ("176_gmail_id_tanggal_setuju_koordinasi_nama.eml", "gmail_id_tanggal",
     "Setuju, mohon koordinasi dengan Camat\nJohansyah", "both", A, "mohon koordinasi dengan Camat"),
    ("177_windows_mail_tolak_nama.eml", "windows_mail", "Tolak, sudah diliput Humas Setda.\n- Johansyah",
     "plain", R, "sudah diliput Humas Setda"),
    ("178_outlook_id_revisi_nama_inisial.eml", "outlook_id",
     "Revisi: tempat di Aula Kantor Camat Bantan\nJohansyah S.", "both", V, "tempat di Aula Kantor Camat Bantan"),
    ("179_samsung_en_setuju_nama_lain.eml", "samsung_en", "Setuju\nRina", "plain", A, "Rina"),
    ("180_apple_html_nanti_cek_nama.eml", "apple_id", "Nanti saya cek dulu.\nJohansyah", "apple-html", N, ""),
    ("181_outlook_id_html_only_setuju_nama.eml", "outlook_id", "Setuju\nJohansyah Syafri", "html", A, ""),
    ("182_gmail_en_setuju_koordinasi_tanpa_nama.eml", "gmail_en", "Setuju, mohon koordinasi dengan Camat",
     "both", A, "mohon koordinasi dengan Camat"),
    ("183_outlook_en_tidak_setuju_nama_jabatan.eml", "outlook_en",
     "Tidak setuju.\nJohansyah Syafri\nKepala Dinas Komunikasi, Informatika dan Statistik", "both", R, ""),
]


def apple_html(own: str, style: str, subject: str) -> str:
    """Apple Mail's HTML reply: the attribution in a div, our mail in <blockquote type="cite">."""
    head, _, _, signature = base.STYLES[style]
    quoted = "<br>".join(html.escape(ln) for ln in base.task(subject).splitlines())
    return (f"<html><head><meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\"></head>"
            f"<body dir=\"auto\"><div dir=\"ltr\">{base.own_html(own)}</div><div dir=\"ltr\"><br>"
            f"<div>{html.escape(signature)}</div></div><div dir=\"ltr\"><br><blockquote type=\"cite\">"
            f"{html.escape(head)}<br><br></blockquote></div><blockquote type=\"cite\"><div dir=\"ltr\">{quoted}"
            f"</div></blockquote></body></html>")


def message(n: int, style: str, own: str, form: str, extra: dict | None = None) -> EmailMessage:
    if form == "apple-html":
        msg = base.message(n, "", style, own, "html", extra)
        msg.set_content(apple_html(own, style, msg["Subject"][len(base.STYLES[style][2]):]), subtype="html",
                        cte="quoted-printable")
        return msg
    charset = {"+latin9": "iso-8859-15", "+ascii": "us-ascii"}
    for suffix, name in charset.items():
        if form.endswith(suffix):
            msg = base.message(n, "", style, own, form[: -len(suffix)], extra)
            body = msg.get_content()
            msg.set_content(body, charset=name, cte="7bit" if name == "us-ascii" else "quoted-printable")
            return msg
    return base.message(n, "", style, own, form, extra)


def main() -> None:
    entries = []
    for i, (name, style, own, form, decision, note, *extra) in enumerate(CASES):
        n = 200 + i
        (OUT / name).write_bytes(message(n, style, own, form, *extra).as_bytes(policy=SMTP))
        entries.append(f"{name}:\n  kind: reply\n  tag: {base.code(n)}\n  decision: {decision or 'null'}\n"
                       f"  note: \"{note}\"\n  auth: true\n  impersonates: null\n")
    path = OUT / "expected.yaml"
    kept = path.read_text(encoding="utf-8").split(MARKER)[0]
    path.write_text(kept.rstrip("\n") + "\n" + MARKER + "".join(entries), encoding="utf-8")


if __name__ == "__main__":
    main()
