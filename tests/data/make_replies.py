"""Regenerate the issue-8 part of the reply corpus (tests/data/replies/4x_*.eml to 8x_*.eml, and the read
receipts and header-less leave notes tests/data/auto/1x_*.eml): replies
above our real task mail, quoted the way German, French, Dutch, Italian, Portuguese, Zoho, Android,
Gmail, Apple, Thunderbird and Yahoo clients quote it; many of them defer, ask or hedge.

Run from the repository root: python tests/data/make_replies.py (prints the expected.yaml entries)."""

from __future__ import annotations

import html
import textwrap
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "replies"
TASK = (HERE / "ours" / "task_kadis.txt").read_text(encoding="utf-8")
OURS_NAME, OURS_ADDR = "Liputan Diskominfotik", "liputan@bengkaliskab.go.id"
OURS = f"{OURS_NAME} <{OURS_ADDR}>"
KADIS_NAME, KADIS = "Drs. H. Johansyah Syafri, M.Si.", "kadis@bengkaliskab.go.id"
AUTH = ("mx.bengkaliskab.go.id; dkim=pass header.d=bengkaliskab.go.id header.s=selector1; "
        "spf=pass smtp.mailfrom=bengkaliskab.go.id")

# style -> (attribution block with {s} for the subject, quote prefix, subject prefix, signature)
STYLES = {
    "outlook_de": (f"________________________________\nVon: {OURS}\nGesendet: Montag, 30. November 2026 08:05\n"
                   f"An: Kepala Dinas <{KADIS}>\nBetreff: {{s}}", "", "AW: ", ""),
    "outlook_de_old": (f"-----Ursprüngliche Nachricht-----\nVon: {OURS}\nGesendet: Montag, 30. November 2026 "
                       f"08:05\nAn: {KADIS}\nBetreff: {{s}}", "", "AW: ", ""),
    "outlook_de_android": (f"________________________________\nVon: {OURS}\nGesendet: Montag, 30. November 2026 "
                           f"08:05:12\nAn: {KADIS}\nBetreff: {{s}}", "", "AW: ",
                           "Gesendet von Outlook für Android"),
    "outlook_fr": (f"________________________________\nDe : {OURS}\nEnvoyé : lundi 30 novembre 2026 08:05\n"
                   f"À : Kepala Dinas <{KADIS}>\nObjet : {{s}}", "", "RE : ", ""),
    "outlook_fr_old": (f"-------- Message d'origine --------\nDe : {OURS}\nDate : 30/11/2026 08:05 (GMT+07:00)\n"
                       f"À : {KADIS}\nObjet : {{s}}", "", "RE: ", ""),
    "outlook_nl": (f"________________________________\nVan: {OURS}\nVerzonden: maandag 30 november 2026 08:05\n"
                   f"Aan: Kepala Dinas <{KADIS}>\nOnderwerp: {{s}}", "", "RE: ", ""),
    "outlook_nl_old": (f"-----Oorspronkelijk bericht-----\nVan: {OURS}\nVerzonden: maandag 30 november 2026 "
                       f"08:05\nAan: {KADIS}\nOnderwerp: {{s}}", "", "RE: ", ""),
    "outlook_it": (f"________________________________\nDa: {OURS}\nInviato: lunedì 30 novembre 2026 08:05\n"
                   f"A: Kepala Dinas <{KADIS}>\nOggetto: {{s}}", "", "R: ", ""),
    "outlook_pt": (f"________________________________\nDe: {OURS}\nEnviado: segunda-feira, 30 de novembro de "
                   f"2026 08:05\nPara: Kepala Dinas <{KADIS}>\nAssunto: {{s}}", "", "RE: ", ""),
    "date_first": (f'30.11.2026, 08.05, "{OURS_NAME}" <{OURS_ADDR}>:', "> ", "Re: ", ""),
    "iso": (f"2026-11-30 8:05 GMT+07:00 {OURS}:", "> ", "Re: ", ""),
    "zoho": (f"---- On Mon, 30 Nov 2026 08:05:00 +0700 {OURS} wrote ----", "", "Re: ", ""),
    "gmail_id": (f"Pada Sen, 30 Nov 2026 pukul 08.05 {OURS_NAME} <\n{OURS_ADDR}> menulis:", "> ", "Re: ", ""),
    "gmail_en": (f"On Mon, Nov 30, 2026 at 8:05 AM {OURS} wrote:", "> ", "Re: ", ""),
    "apple_id": (f"Pada 30 Nov 2026, pukul 08.05, {OURS} menulis:", "> ", "Re: ", "Dikirim dari iPhone saya"),
    "apple_fr": (f"Le 30 nov. 2026 à 08:05, {OURS} a écrit :", "> ", "Re: ", "Envoyé de mon iPhone"),
    "apple_nl": (f"Op 30 nov. 2026 om 08:05 heeft {OURS} het volgende geschreven:", "> ", "Re: ",
                 "Verstuurd vanaf mijn iPhone"),
    "german_am": (f"Am Mo., 30. Nov. 2026 um 08:05 Uhr schrieb {OURS}:", "> ", "AW: ", ""),
    "italian_il": (f"Il giorno lun 30 nov 2026 alle ore 08:05 {OURS} ha scritto:", "> ", "R: ", ""),
    "portuguese_em": (f"Em seg., 30 de nov. de 2026 às 08:05, {OURS} escreveu:", "> ", "RES: ", ""),
    "french_le": (f"Le lun. 30 nov. 2026 à 08:05, {OURS} a écrit :", "> ", "RE: ", ""),
    "thunderbird_id": (f"Pada 30/11/2026 08.05, {OURS_NAME} menulis:", "> ", "Re: ", ""),
    "thunderbird_en": (f"On 11/30/2026 8:05 AM, {OURS_NAME} wrote:", "> ", "Re: ", ""),
    "yahoo": (f"Pada Senin, 30 November 2026 08.05.12 WIB, {OURS} menulis:", "> ", "Re: ",
              "Dikirim dari Yahoo Mail di Android"),
    "samsung": (f"-------- Pesan asli --------\nDari: {OURS}\nTanggal: 30/11/2026 08:05 (GMT+07:00)\n"
                f"Ke: {KADIS_NAME} <{KADIS}>\nSubjek: {{s}}", "", "Re: ",
                "Dikirim dari ponsel Samsung Galaxy saya"),
    "unknown_no_attribution": ("", "", "Re: ", ""),
}

# (file name, style, own text, body form, decision, note); body form: plain | flowed | html | both,
# optionally "+latin1"/"+cp1252"/"+b64" for charset and transfer encoding.
CASES = [
    ("40_outlook_de_nanti_kabari_cek_dulu.eml", "outlook_de", "Nanti saya kabari, saya cek dulu jadwalnya.",
     "both", None, ""),
    ("41_outlook_fr_nanti_kabari_cek_dulu.eml", "outlook_fr", "Nanti saya kabari, saya cek dulu jadwalnya.",
     "both+latin1", None, ""),
    ("42_outlook_nl_nanti_kabari_cek_dulu.eml", "outlook_nl", "Nanti saya kabari, saya cek dulu jadwalnya.",
     "both", None, ""),
    ("43_outlook_de_ursprungliche_setuju_tambahkan.eml", "outlook_de_old", "Setuju, tambahkan fotografer.",
     "plain", "approve", "tambahkan fotografer"),
    ("44_outlook_fr_message_origine_tolak.eml", "outlook_fr_old", "Tolak, acara sudah dibatalkan camat.",
     "plain+latin1", "reject", "acara sudah dibatalkan camat"),
    ("45_outlook_nl_oorspronkelijk_setuju.eml", "outlook_nl_old", "Setuju", "plain", "approve", ""),
    ("46_outlook_it_revisi_waktu.eml", "outlook_it", "Revisi: waktu liputan jam 10.00 WIB",
     "both", "revise", "waktu liputan jam 10.00 WIB"),
    ("47_outlook_pt_question_dibatalkan.eml", "outlook_pt", "Setuju? Bukannya acara ini sudah dibatalkan?",
     "both", None, ""),
    ("48_date_first_cek_dulu_ya.eml", "date_first", "Nanti saya cek dulu ya", "plain", None, ""),
    ("49_date_first_acc_pak.eml", "date_first", "acc pak", "plain", "approve", ""),
    ("50_iso_ok_nanti_kabari.eml", "iso", "Ok, nanti saya kabari", "plain", None, ""),
    ("51_iso_setuju_jika_surat_resmi.eml", "iso", "Setuju jika sudah ada surat resmi dari camat",
     "plain", "approve", "jika sudah ada surat resmi dari camat"),
    ("52_zoho_tunggu_konfirmasi.eml", "zoho", "Tunggu konfirmasi dari protokol dulu.", "both", None, ""),
    ("53_zoho_disetujui.eml", "zoho", "Disetujui.", "both", "approve", ""),
    ("54_gmail_id_apakah_jadi.eml", "gmail_id", "Apakah acara ini jadi diliput? Mohon konfirmasi.",
     "both", None, ""),
    ("55_gmail_en_siap_pelajari_dulu.eml", "gmail_en", "Siap, saya pelajari dulu", "both", None, ""),
    ("56_apple_id_ya_pak.eml", "apple_id", "Ya pak", "both", "approve", ""),
    ("57_apple_fr_setuju_asal.eml", "apple_fr", "Setuju asal fotografer ikut", "plain",
     "approve", "asal fotografer ikut"),
    ("58_apple_nl_belum_putuskan.eml", "apple_nl", "Belum bisa saya putuskan, tunggu rapat pimpinan.",
     "plain", None, ""),
    ("59_outlook_de_android_setuju.eml", "outlook_de_android", "Setuju", "plain", "approve", ""),
    ("60_thunderbird_id_flowed_pertimbangkan.eml", "thunderbird_id",
     "Saya pertimbangkan dulu, nanti saya kabari setelah rapat dengan Pak Sekda siang ini.", "flowed", None, ""),
    ("61_thunderbird_en_kenapa_ke_saya.eml", "thunderbird_en", "Kenapa dikirim ke saya? Ini bidang IKP.",
     "plain", None, ""),
    ("62_yahoo_bukankah_sudah.eml", "yahoo", "Bukankah ini sudah diliput minggu lalu", "plain", None, ""),
    ("63_samsung_ok_sip.eml", "samsung", "ok, sip", "plain", "approve", ""),
    ("64_italian_il_tidak_setuju.eml", "italian_il", "Tidak setuju, anggaran tidak ada", "plain",
     "reject", "anggaran tidak ada"),
    ("65_portuguese_em_dengan_catatan.eml", "portuguese_em",
     "Setuju dengan catatan: koordinasi dengan protokol", "plain", "approve", "koordinasi dengan protokol"),
    ("66_french_le_oke_pertimbangkan.eml", "french_le", "Oke pak, saya pertimbangkan dulu", "plain+latin1",
     None, ""),
    ("67_german_am_siap_lanjutkan.eml", "german_am", "Siap, lanjutkan!", "plain", "approve", ""),
    ("68_unknown_client_leaked_task.eml", "unknown_no_attribution", "Saya cek dulu jadwal beliau.",
     "plain", None, ""),
    ("69_outlook_en_html_only_bagaimana.eml", "outlook_de", "Bagaimana dengan anggarannya?", "html", None, ""),
    ("70_outlook_de_html_only_nanti_dulu_ya.eml", "outlook_de", "Nanti dulu ya", "html", None, ""),
    ("71_gmail_id_cp1252_setuju_tapi_ganti.eml", "gmail_id", "Setuju, tapi ganti fotografer dengan Rina",
     "both+cp1252", "approve", "ganti fotografer dengan Rina"),
    ("72_outlook_fr_b64_disetujui_apabila.eml", "outlook_fr", "Disetujui apabila jadwal tidak bentrok",
     "plain+latin1+b64", "approve", "apabila jadwal tidak bentrok"),
    ("73_zoho_html_only_mengapa.eml", "zoho", "Mengapa mendadak sekali? Suratnya baru masuk hari ini.",
     "html", None, ""),
    ("74_date_first_revisi_narahubung.eml", "date_first", "Revisi: tambahkan narahubung protokol", "plain",
     "revise", "tambahkan narahubung protokol"),
    ("75_gmail_en_kabari_setelah_rapat.eml", "gmail_en", "Kabari saya setelah rapat, baru saya putuskan.",
     "both", None, ""),
    ("76_apple_id_sebentar_cek_ya.eml", "apple_id", "Sebentar, saya cek dulu ke protokol ya", "plain", None, ""),
    ("77_outlook_pt_setuju_fotografer.eml", "outlook_pt", "Setuju, tambahkan fotografer Rina.", "both",
     "approve", "tambahkan fotografer Rina"),
    ("78_outlook_it_tunggu_sekda.eml", "outlook_it", "Tunggu arahan Pak Sekda dulu ya", "both", None, ""),
    ("79_yahoo_tdk_setuju.eml", "yahoo", "tdk setuju, jadwal bentrok dgn rapat DPRD", "plain",
     "reject", "jadwal bentrok dgn rapat DPRD"),
    # second pass: a decision only in the subject (own text empty), answers between quoted lines, an
    # official who is away but decides. An optional seventh field: {"subject": text added to the subject,
    # "inline": {line of our mail: answer written below it} (own text then goes below the quote),
    # "rewrap": width (the quote rewrapped, each line's tail left without '>')}.
    ("80_gmail_id_subject_only_tolak.eml", "gmail_id", "", "plain", "reject", "", {"subject": " - TOLAK"}),
    ("81_outlook_de_subject_only_setuju.eml", "outlook_de", "", "both", "approve", "", {"subject": " - SETUJU"}),
    ("82_apple_id_subject_only_nanti_dulu.eml", "apple_id", "", "plain", None, "", {"subject": " - nanti dulu"}),
    ("83_thunderbird_id_inline_ganti_selebihnya_setuju.eml", "thunderbird_id", "Selebihnya setuju.", "plain",
     "approve", "Tempat: pindah ke Gedung Daerah Bengkalis", {"inline": {7: "Tempat: pindah ke Gedung Daerah Bengkalis"}}),
    ("84_gmail_en_inline_two_changes_sisanya_setuju.eml", "gmail_en", "Sisanya setuju", "plain", "approve",
     "tambahkan fotografer untuk acara ini; tambahkan narahubung protokol",
     {"inline": {5: "tambahkan fotografer untuk acara ini", 9: "tambahkan narahubung protokol"}}),
    ("85_yahoo_inline_cek_dulu_selebihnya_setuju.eml", "yahoo", "Selebihnya setuju", "plain", None, "",
     {"inline": {7: "tempat nanti saya cek dulu dengan camat"}}),
    ("86_gmail_id_inline_apakah_selebihnya_setuju.eml", "gmail_id", "Selebihnya setuju", "plain", None, "",
     {"inline": {6: "Apakah jamnya sudah pasti?"}}),
    ("87_apple_id_dinas_luar_tapi_setuju.eml", "apple_id", "Saya sedang dinas luar, tapi setuju.", "plain",
     "approve", ""),
    ("88_outlook_nl_dinas_luar_nanti_cek.eml", "outlook_nl", "Maaf saya sedang dinas luar, nanti saya cek dulu "
     "jadwalnya.", "both", None, ""),
    ("89_gmail_id_inline_tim_bottom_tolak.eml", "gmail_id", "Tolak, acara sudah diliput Humas Setda.", "plain",
     "reject", "acara sudah diliput Humas Setda", {"inline": {6: "jam berapa selesainya?"}}),
    # a client that rewraps the quote at 60 columns and leaves each line's tail without '>'
    ("90_rewrapped_quote_nanti_cek.eml", "gmail_en", "Nanti saya cek dulu jadwalnya.", "plain", None, "",
     {"rewrap": 60}),
    ("91_rewrapped_quote_setuju.eml", "thunderbird_id", "Setuju", "plain", "approve", "", {"rewrap": 60}),
    ("92_rewrapped_quote_empty_top.eml", "gmail_id", "", "plain", None, "", {"rewrap": 66}),
]


def code(n: int) -> str:
    return f"LPT-2026-{n:04d}"


def task(subject: str) -> str:
    """Our task mail as it was sent for this request (the saved copy is for LPT-2026-0001)."""
    return TASK.replace("LPT-2026-0001", subject[1:14])


def plain_body(own: str, style: str, subject: str, flowed: bool = False, inline: dict[int, str] | None = None,
               rewrap: int = 0) -> str:
    head, prefix, _, signature = STYLES[style]
    lines = [(prefix + ln).rstrip() if prefix else ln for ln in task(subject).splitlines()]
    if rewrap:  # only the first piece of each wrapped line keeps its '>'
        lines = []
        for ln in task(subject).splitlines():
            pieces = textwrap.wrap(ln, rewrap) or [""]
            lines += [(prefix + pieces[0]).rstrip(), *pieces[1:]]
    if inline is not None:  # answers between the quoted lines, the own text at the bottom
        for at in sorted(inline, reverse=True):
            lines.insert(at + 1, inline[at])
        quoted = "\n".join(lines)
        return (head.format(s=subject) + "\n" if head else "") + quoted + "\n\n" + own + "\n"
    quoted = "\n".join(lines)
    if flowed:  # Thunderbird wraps at 72 with a trailing space on soft breaks
        own = " \n".join(textwrap.wrap(own, 72))
    parts = [own] if own else []
    if signature:
        parts.append(signature)
    parts.append((head.format(s=subject) + "\n" if head else "") + quoted)
    return "\n\n".join(parts) + "\n"


def own_html(own: str) -> str:
    """The reply's own lines as a client's HTML writes them (a line break is <br>)."""
    return "<br>".join(html.escape(ln) for ln in own.split("\n"))


def html_body(own: str, style: str, subject: str) -> str:
    head, _, _, signature = STYLES[style]
    quoted = "<br>\n".join(html.escape(ln) for ln in task(subject).splitlines())
    sig = f"<div><br>{html.escape(signature)}</div>" if signature else ""
    if style.startswith("outlook"):
        lines = head.format(s=subject).splitlines()[1:]
        block = "<br>".join(f"<b>{html.escape(ln.split(':', 1)[0])}:</b>{html.escape(ln.split(':', 1)[1])}"
                            for ln in lines)
        return (f"<html><body><div>{own_html(own)}</div>{sig}<div id=\"appendonsend\"></div>"
                f"<hr style=\"display:inline-block;width:98%\"><div id=\"divRplyFwdMsg\" dir=\"ltr\">{block}</div>"
                f"<div>{quoted}</div></body></html>")
    if style == "zoho":
        return (f"<html><body><div>{own_html(own)}<br></div>{sig}<div class=\"zmail_extra\"><br><div>"
                f"{html.escape(head)}<br></div><blockquote style=\"border-left: 1px solid #ccc\">{quoted}"
                f"</blockquote></div></body></html>")
    return (f"<div dir=\"ltr\">{own_html(own)}</div>{sig}<br><div class=\"gmail_quote\"><div dir=\"ltr\" "
            f"class=\"gmail_attr\">{html.escape(head.format(s=subject))}<br></div><blockquote class=\"gmail_quote\" "
            f"style=\"margin:0px 0px 0px 0.8ex\">{quoted}</blockquote></div>")


def message(n: int, name: str, style: str, own: str, form: str, extra: dict | None = None) -> EmailMessage:
    tag = code(n)
    subject = f"[{tag}] Mohon disposisi: Musrenbang Kecamatan Bantan Tahun 2027"
    ours_id = f"<{tag.lower()}.s2.{n:016x}@bengkaliskab.go.id>"
    msg = EmailMessage()
    msg["Return-Path"] = f"<{KADIS}>"
    msg["Authentication-Results"] = AUTH
    msg["From"] = f'"{KADIS_NAME}" <{KADIS}>'
    msg["To"] = OURS
    extra = extra or {}
    msg["Subject"] = STYLES[style][2] + subject + extra.get("subject", "")
    msg["Date"] = f"Mon, 30 Nov 2026 09:{n % 60:02d}:00 +0700"
    msg["Message-ID"] = f"<reply-{n}.{style}@bengkaliskab.go.id>"
    msg["In-Reply-To"] = ours_id
    msg["References"] = ours_id
    kind, *enc = form.split("+")
    charset = "iso-8859-1" if "latin1" in enc else "windows-1252" if "cp1252" in enc else "utf-8"
    cte = "base64" if "b64" in enc else "quoted-printable"
    plain = plain_body(own, style, subject, flowed=kind == "flowed", inline=extra.get("inline"),
                       rewrap=extra.get("rewrap", 0))
    if charset != "utf-8":  # the task mail has no characters outside Latin-1 / cp1252
        plain.encode(charset)
    if kind == "html":
        msg.set_content(html_body(own, style, subject), subtype="html", charset=charset, cte=cte)
    else:
        msg.set_content(plain, charset=charset, cte=cte)
        if kind == "flowed":
            msg.set_param("format", "flowed")
        if kind == "both":
            msg.add_alternative(html_body(own, style, subject), subtype="html", charset=charset, cte=cte)
            msg.set_boundary(f"=_reply_{n}_{style}")  # fixed, so regenerating changes nothing
    return msg


def main() -> None:
    entries = []
    for i, (name, style, own, form, decision, note, *extra) in enumerate(CASES):
        n = 40 + i
        (OUT / name).write_bytes(message(n, name, style, own, form, *extra).as_bytes(policy=SMTP))
        entries.append(f"{name}:\n  kind: reply\n  tag: {code(n)}\n  decision: {decision or 'null'}\n"
                       f"  note: \"{note}\"\n  auth: true\n  impersonates: null\n")
    print("".join(entries), end="")
    print("# tests/data/auto/expected.yaml")
    for i, (name, subject_prefix, text, shape) in enumerate(AUTO_CASES):
        n = 100 + i
        (AUTO / name).write_bytes(auto_message(n, subject_prefix, text, shape).as_bytes(policy=SMTP))
        print(f"{name}: {{kind: auto_reply, tag: {code(n)}, decision: null}}")


# ---- machine-made answers to the same task mail: read receipts and header-less leave notes --------
AUTO = HERE / "auto"
# (file name, subject prefix, text, shape); shape: mdn (multipart/report disposition-notification),
# plain (no automatic header at all), quoted (plain, with our task mail quoted below)
AUTO_CASES = [
    ("10_outlook_mdn_dibaca.eml", "Dibaca: ", "Pesan Anda\n\n    Kepada: Kepala Dinas\n    Subjek: {s}\n"
     "    Dikirim: Senin, 30 November 2026 08.05\n\ntelah dibaca pada Senin, 30 November 2026 09.12.", "mdn"),
    ("11_thunderbird_mdn_english.eml", "Return Receipt (displayed) - ", "This is a Return Receipt for the mail that "
     "you sent to kadis@bengkaliskab.go.id.\n\nNote: This Return Receipt only acknowledges that the message was "
     "displayed on the recipient's computer.", "mdn"),
    ("12_read_subject_only.eml", "Read: ", "Your message\n\n  To: Kepala Dinas\n  Subject: {s}\n\nwas read on "
     "Monday, November 30, 2026 9:12:05 AM (UTC+07:00) Bangkok, Hanoi, Jakarta.", "plain"),
    ("13_gelesen_subject_only.eml", "Gelesen: ", "Ihre Nachricht\n\n  An: Kepala Dinas\n  Betreff: {s}\n\n"
     "wurde am Montag, 30. November 2026 09:12:05 (UTC+07:00) gelesen.", "plain"),
    ("14_lu_subject_only.eml", "Lu : ", "Votre message\n\n  À : Kepala Dinas\n  Objet : {s}\n\na été lu le "
     "lundi 30 novembre 2026 09:12:05 (UTC+07:00).", "plain"),
    ("15_telah_dibaca_subject_only.eml", "Telah dibaca: ", "Pesan Anda kepada Kepala Dinas dengan subjek {s} telah "
     "dibaca pada 30/11/2026 09.12.", "plain"),
    ("16_balasan_otomatis_no_header.eml", "Balasan Otomatis: ", "Terima kasih atas email Bapak/Ibu. Saya sedang dinas "
     "luar sampai dengan 4 Desember 2026.", "plain"),
    ("17_body_only_tidak_di_kantor.eml", "Re: ", "Terima kasih atas email Anda. Saya sedang tidak berada di kantor "
     "hingga Senin, 7 Desember 2026. Untuk hal mendesak silakan hubungi Sekretaris Dinas.", "quoted"),
    ("18_body_only_dinas_luar_kembali.eml", "RE: ", "Yth. Bapak/Ibu,\n\nSaya sedang melaksanakan dinas luar dan "
     "akan kembali ke kantor pada 3 Desember 2026. Surel Bapak/Ibu akan saya balas sekembalinya.", "plain"),
    ("19_out_of_office_subject_no_header.eml", "Out of Office: ", "Saya sedang cuti sampai 10 Desember 2026.",
     "quoted"),
]


def auto_message(n: int, subject_prefix: str, text: str, shape: str) -> EmailMessage:
    tag = code(n)
    subject = f"[{tag}] Mohon disposisi: Musrenbang Kecamatan Bantan Tahun 2027"
    ours_id = f"<{tag.lower()}.s2.{n:016x}@bengkaliskab.go.id>"
    msg = EmailMessage()
    msg["Return-Path"] = f"<{KADIS}>"
    msg["From"] = f'"{KADIS_NAME}" <{KADIS}>'
    msg["To"] = OURS
    msg["Subject"] = subject_prefix + subject
    msg["Date"] = f"Mon, 30 Nov 2026 09:{n % 60:02d}:00 +0700"
    msg["Message-ID"] = f"<auto-{n}@bengkaliskab.go.id>"
    msg["In-Reply-To"] = ours_id
    msg["References"] = ours_id
    body = text.format(s=subject)
    if shape == "quoted":
        body += "\n\n" + STYLES["gmail_id"][0] + "\n" + "\n".join(("> " + ln).rstrip() for ln in task(subject).splitlines())
    msg.set_content(body + "\n", cte="quoted-printable")
    if shape == "mdn":
        msg.make_mixed()
        msg.set_type("multipart/report")
        msg.set_param("report-type", "disposition-notification")
        report = EmailMessage()
        report.set_content(f"Reporting-UA: mail.bengkaliskab.go.id\nFinal-Recipient: rfc822;{KADIS}\n"
                           f"Original-Message-ID: {ours_id}\nDisposition: manual-action/MDN-sent-manually; displayed\n")
        report.replace_header("Content-Type", "message/disposition-notification")
        msg.attach(report)
        msg.set_boundary(f"=_mdn_{n}")
    return msg


if __name__ == "__main__":
    main()
