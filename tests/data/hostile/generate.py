"""The hostile corpus (issue 13): messages and files built on the fly, each with its expected outcome.

`cases(task_mail)` gives Case(name, raw, expect) for a task mail of ours (the replies answer it).
`expect` is what may happen to the message: a set of inbound statuses, and words its reason holds.
Run as a script, it writes the messages to a folder as .eml files for a look by hand."""

from __future__ import annotations

import io
import random
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import texts  # noqa: E402

KADIS = "kadis@bengkaliskab.go.id"
KADIS_NAME = "Drs. H. Ahmad Yani, M.Si"  # replaced by the office's real name by the test
OURS = "Liputan Diskominfotik <liputan@bengkaliskab.go.id>"
UNIT = "camat.bantan@bengkaliskab.go.id"
STRANGERS = ("kadis.bengkalis@gmail.com", "kadis@bengkaliskab.go.id.evil.com", "kadis@bengka1iskab.go.id",
             "kadis@bengkaliskab-go.id", "admin@example.com")
ANY = {"done", "quarantined", "ignored", "waiting"}
OVER = {"quarantined"}
LETTER = ("Dengan hormat,\nMohon peliputan kegiatan Musyawarah Desa di Desa Selatbaru, Kecamatan Bantan, "
          "pada hari Senin, 7 Desember 2026 pukul 09.00 WIB s.d. selesai, bertempat di Aula Kantor Desa.\n"
          "Demikian, terima kasih.\n")


@dataclass
class Case:
    name: str
    raw: bytes
    statuses: set[str] = field(default_factory=lambda: set(ANY))
    reason: str = ""  # words the inbound reason must hold
    stranger: str | None = None  # an address that must never get mail from us


def _msg(sender: str, subject: str, body: str, *, display: str = "", to: str = OURS,
         reply_to: EmailMessage | None = None) -> EmailMessage:
    m = EmailMessage()
    m["From"] = f'"{display}" <{sender}>' if display else sender
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="hostile.test")
    if reply_to is not None:
        m["In-Reply-To"] = reply_to["Message-ID"]
        m["References"] = reply_to["Message-ID"]
    m.set_content(body)
    return m


def _bytes(m: EmailMessage) -> bytes:
    return m.as_bytes()


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("utf-8") + b"\r\n" + body


def mime_cases(task: EmailMessage) -> list[Case]:
    subject = "Re: " + str(task["Subject"])
    irt = str(task["Message-ID"])
    out = []
    for i, boundary in enumerate(['"XX"', '""', "XX; boundary=YY", '"' + "b" * 2000 + '"', '"--"']):
        for j, body in enumerate([b"--XX\r\nContent-Type: text/plain\r\n\r\nSetuju\r\n",
                                  b"--XX\r\n--XX\r\n--XX--\r\n--XX\r\nSetuju",
                                  b"no boundary at all\r\nSetuju\r\n"]):
            out.append(Case(f"boundary-{i}-{j}", _raw(
                f"From: {KADIS}\nSubject: {subject}\nIn-Reply-To: {irt}\nMIME-Version: 1.0\n"
                f"Content-Type: multipart/mixed; boundary={boundary}\n", body)))
    for depth in (2, 10, 29, 31, 50, 100, 400):
        body = b"Content-Type: text/plain\r\n\r\nSetuju\r\n"
        for level in range(depth, 0, -1):
            b = f"n{level}".encode()
            body = (b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n--' + b + b"\r\n" + body
                    + b"--" + b + b"--\r\n")
        raw = f"From: {KADIS}\r\nSubject: {subject}\r\nIn-Reply-To: {irt}\r\nMIME-Version: 1.0\r\n".encode() + body
        out.append(Case(f"nested-{depth}", raw, OVER if depth > 30 else ANY,
                        "nested more than" if depth > 30 else ""))
    many = _msg(UNIT, "Permohonan Peliputan", LETTER)
    for k in range(600):
        many.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"f{k}.bin")
    out.append(Case("parts-600", _bytes(many), OVER, "MIME parts"))
    for mb in (5, 30):
        big = _msg(UNIT, "Permohonan Peliputan", LETTER)
        big.add_attachment(random.Random(mb).randbytes(mb * 1024 * 1024), maintype="application",
                           subtype="pdf", filename="surat.pdf")
        out.append(Case(f"attachment-{mb}mb", _bytes(big), ANY if mb < 30 else OVER,
                        "" if mb < 30 else "the message is"))
    return out


def _docx_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (100 * 1024 * 1024) + b"</w:document>")
    return out.getvalue()


def _pdf_bomb() -> bytes:
    stream = zlib.compress(b"0" * (100 * 1024 * 1024), 6)
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/Contents 4 0 R/MediaBox[0 0 612 792]>>endobj\n"
            b"4 0 obj<</Length " + str(len(stream)).encode() + b"/Filter/FlateDecode>>stream\n" + stream
            + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _png_bomb() -> bytes:
    """A PNG header claiming 50,000 x 50,000 pixels, with one compressed row: a decompression bomb."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 50_001))
            + chunk(b"IEND", b""))


def bomb_cases() -> list[Case]:
    out = []
    docx_bomb, pdf_bomb, png_bomb = _docx_bomb(), _pdf_bomb(), _png_bomb()
    for name, data, sub in (("docx", docx_bomb, "vnd.openxmlformats-officedocument.wordprocessingml.document"),
                            ("pdf", pdf_bomb, "pdf"), ("png", png_bomb, "png")):
        for k, body in enumerate(("Terlampir surat permohonan.", LETTER)):
            m = _msg(UNIT, "Permohonan Peliputan", body)
            main = "image" if name == "png" else "application"
            m.add_attachment(data, maintype=main, subtype=sub, filename=f"surat.{name}")
            out.append(Case(f"bomb-{name}-{k}", _bytes(m)))
    return out


def charset_cases(task: EmailMessage) -> list[Case]:
    out = []
    names = ["utf-8\x00", "\x00", "x-unknown", "utf-99", "idna", "rot13", "base64", "utf-16", "utf-7",
             "iso-2022-jp", "\xff\xfe", "a" * 500, "", "us-ascii", "windows-1252"]
    for i, cs in enumerate(names):
        body = "Setuju, pak. Terima kasih.".encode("utf-16" if cs == "utf-16" else "latin-1")
        raw = _raw(f"From: {KADIS}\nSubject: Re: {task['Subject']}\nIn-Reply-To: {task['Message-ID']}\n"
                   f'MIME-Version: 1.0\nContent-Type: text/plain; charset="{cs}"\n', body)
        out.append(Case(f"charset-{i}", raw))
    return out


def injection_cases(task: EmailMessage) -> list[Case]:
    out = []
    subjects = ["=?utf-8?q?Permohonan=0D=0ABcc:_evil@example.com?=",
                "=?utf-8?b?" + __import__("base64").b64encode(b"Liputan\r\nBcc: evil@example.com\r\n\r\nbody").decode() + "?=",
                "Permohonan\u2028Bcc: evil@example.com", "Permohonan %0d%0aBcc:evil@example.com",
                "=?utf-8?q?Musrenbang=0ATo:_evil@example.com?= Bantan"]
    for i, subject in enumerate(subjects):
        raw = _raw(f"From: {UNIT}\nSubject: {subject}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n",
                   LETTER.encode())
        out.append(Case(f"inject-subject-{i}", raw, stranger="evil@example.com"))
    to = ", ".join(f"u{k}@example.com" for k in range(10_000))
    out.append(Case("recipients-10000", _bytes(_msg(UNIT, "Permohonan Peliputan", LETTER, to=to)),
                    stranger="u1@example.com"))
    out.append(Case("recipients-cc-10000", _raw(
        f"From: {UNIT}\nTo: {OURS}\nCc: {to}\nSubject: Permohonan Peliputan\n", LETTER.encode()),
        stranger="u2@example.com"))
    return out


def file_cases() -> list[Case]:
    out = []
    names = ["../../../../tmp/liputan-pwned.pdf", "..\\..\\..\\windows\\system32\\x.pdf", "/etc/liputan-pwned.pdf",
             "surat\x00.pdf", "surat.pdf\x00.exe", "...", ".", "CON.pdf", "a" * 600 + ".pdf",
             "=?utf-8?q?=2E=2E=2F=2E=2E=2Fevil.pdf?=", "folder/../../evil.docx", "~/.bashrc"]
    for i, name in enumerate(names):
        m = _msg(UNIT, "Permohonan Peliputan", LETTER)
        m.add_attachment(b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename=name)
        out.append(Case(f"filename-{i}", _bytes(m)))
    for i, html in enumerate(['<script>alert(1)</script><p>Setuju</p>', '<img src=x onerror="fetch(1)">Setuju',
                              '<iframe src="javascript:alert(1)"></iframe>Setuju',
                              '<style>*{display:none}</style><p>Tolak</p>', texts.html_nested(200_000)]):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = UNIT, OURS, "Permohonan Peliputan"
        m["Message-ID"] = make_msgid(domain="hostile.test")
        m.set_content(html + "<p>" + LETTER + "</p>", subtype="html")
        out.append(Case(f"html-{i}", _bytes(m)))
    return out


def loop_cases(task: EmailMessage) -> list[Case]:
    """An auto-responder answers our mail, again and again: we answer none of them."""
    out = []
    for k in range(20):
        m = _msg("autoresponder@example.com", f"Automatic reply: {task['Subject']}",
                 "Saya sedang cuti sampai 10 Desember.", reply_to=task)
        if k % 2:
            m["Auto-Submitted"] = "auto-replied"
        else:
            m["X-Autoreply"] = "yes"
        out.append(Case(f"loop-{k}", _bytes(m), {"ignored", "done", "quarantined"},
                        stranger="autoresponder@example.com"))
    return out


def forged_cases(task: EmailMessage, kadis_name: str) -> list[Case]:
    out = []
    subject = f"Re: {task['Subject']}"
    for i, stranger in enumerate(STRANGERS):
        out.append(Case(f"forged-display-{i}", _bytes(_msg(stranger, subject, "Setuju", display=kadis_name,
                                                           reply_to=task)), stranger=stranger))
        m = _msg(stranger, subject, "Setuju", reply_to=task)
        m["Reply-To"], m["Sender"] = KADIS, KADIS
        out.append(Case(f"forged-reply-to-{i}", _bytes(m), stranger=stranger))
        m = _msg(stranger, subject, "Setuju", display=f"{KADIS} via", reply_to=task)
        m["Authentication-Results"] = "mx.bengkaliskab.go.id; dkim=pass header.d=bengkaliskab.go.id"
        out.append(Case(f"forged-auth-{i}", _bytes(m), stranger=stranger))
        m = _msg(stranger, subject.replace("Re: ", "Re: Re: "), "SETUJU", display="Kepala Dinas")
        out.append(Case(f"forged-tag-only-{i}", _bytes(m), stranger=stranger))
    raw = _raw(f"From: {KADIS}\nFrom: evil@example.com\nSubject: {subject}\nIn-Reply-To: {task['Message-ID']}\n",
               b"Setuju")
    out.append(Case("forged-two-froms", raw, stranger="evil@example.com"))
    raw = _raw(f"From: {KADIS}, evil@example.com\nSubject: {subject}\nIn-Reply-To: {task['Message-ID']}\n", b"Setuju")
    out.append(Case("forged-two-addresses", raw, stranger="evil@example.com"))
    raw = _raw(f"From: =?utf-8?q?kadis=40bengkaliskab=2Ego=2Eid?= <evil@example.com>\nSubject: {subject}\n"
               f"In-Reply-To: {task['Message-ID']}\n", b"Setuju")
    out.append(Case("forged-encoded-address", raw, stranger="evil@example.com"))
    raw = _raw(f"From: evil@example.com\nReturn-Path: <{KADIS}>\nSubject: {subject}\n"
               f"References: {task['Message-ID']}\n", b"Setuju")
    out.append(Case("forged-return-path", raw, stranger="evil@example.com"))
    return out


def text_cases(task: EmailMessage) -> list[Case]:
    out = []
    for name, build in texts.TEXTS.items():
        for size in (20_000, 100_000):  # within the reading budget (50,000 characters), and over it
            m = _msg(UNIT, f"Re: {task['Subject']}", build(size), reply_to=task)
            out.append(Case(f"text-{name}-{size}", _bytes(m), ANY if size < 50_000 else OVER,
                            "" if size < 50_000 else "over the reading budget"))
    m = _msg(KADIS, f"Re: {task['Subject']}", texts.closing_lines(10 * 1024 * 1024), reply_to=task)
    out.append(Case("text-closing-10mb", _bytes(m), OVER, "over the reading budget"))
    return out


def mutated_cases(seed: int, count: int, originals: list[bytes]) -> list[Case]:
    """Random mutations (truncated, flipped bytes, junk inserted) of well-formed letters and replies."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        raw = bytearray(originals[k % len(originals)])
        for _ in range(rng.randrange(1, 8)):
            at = rng.randrange(len(raw) + 1)
            op = rng.randrange(3)
            if op == 0:
                raw[at:at] = rng.randbytes(rng.randrange(1, 40))
            elif op == 1 and raw:
                raw[at % len(raw)] ^= rng.randrange(1, 256)
            else:
                del raw[at: at + rng.randrange(1, 40)]
        out.append(Case(f"mutated-{k}", f"Message-ID: <mutated-{k}@hostile.test>\r\n".encode() + bytes(raw)))
    return out


def cases(task: EmailMessage, kadis_name: str = KADIS_NAME, seed: int = 13) -> list[Case]:
    """Every hostile case, in a fixed order (the random parts are seeded)."""
    originals = [_bytes(_msg(UNIT, "Permohonan Peliputan", LETTER)),
                 _bytes(_msg(KADIS, f"Re: {task['Subject']}", "Setuju", reply_to=task))]
    return (mime_cases(task) + bomb_cases() + charset_cases(task) + injection_cases(task) + file_cases()
            + loop_cases(task) + forged_cases(task, kadis_name) + text_cases(task)
            + mutated_cases(seed, 70, originals))


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-out")
    folder.mkdir(parents=True, exist_ok=True)
    fake = _msg("liputan@bengkaliskab.go.id", "[LPT-2026-0001] Mohon disposisi: Musrenbang", "isi")
    for case in cases(fake):
        (folder / f"{case.name}.eml").write_bytes(case.raw)
    print(f"{len(cases(fake))} messages in {folder}")
