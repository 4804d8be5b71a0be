"""The reply vocabulary (rules/lexicon.yaml) as lower-case word lists per decision."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from daemon.core import resources


def load_lexicon(path: str | Path = "rules/lexicon.yaml") -> dict[str, list[str]]:
    """Load the reply vocabulary; every entry becomes a lower-case string (YAML `no` stays "no")."""
    import yaml  # here: a command that reads the lexicon from the validated rules needs no YAML

    from daemon.core.yamlfile import LOADER
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=LOADER)
    return normalise_lexicon(data)


@lru_cache(maxsize=1)
def default_lexicon() -> dict[str, list[str]]:
    """The lexicon shipped in rules/lexicon.yaml next to the package (empty lists if it is missing)."""
    path = resources.rules_dir() / "lexicon.yaml"
    import yaml
    try:
        return load_lexicon(path)
    except (OSError, yaml.YAMLError):
        return normalise_lexicon({})


# The words that keep a reply from approving by accident (issue 8). A lexicon written before they
# existed still gets them: a missing key means these lists, an explicit empty list means none.
SAFETY_DEFAULTS: dict[str, tuple[str, ...]] = {
    "particles": ("ya", "ok", "oke", "okay", "baik", "siap", "sip", "silakan", "silahkan"),
    "hedges": ("nanti", "dulu", "tunggu", "belum", "cek", "dicek", "pertimbangkan", "dipertimbangkan",
               "kabari", "dikabari", "pelajari", "dipelajari", "sebentar"),
    "questions": ("apakah", "apa", "bukankah", "bukannya", "kenapa", "mengapa", "bagaimana", "gimana",
                  "kapan", "siapa", "benarkah"),
    "conditions": ("jika", "jikalau", "asal", "asalkan", "apabila", "bila", "kalau", "dengan syarat",
                   "dengan catatan", "sepanjang", "selama"),
}


# Vocabulary for what is not a decision at all (issue 8, second pass). rules/lexicon.yaml may carry
# these keys once its schema (daemon/core/rules.py Lexicon) accepts them; until then, and for older
# files, these lists apply.
READING_DEFAULTS: dict[str, tuple[str, ...]] = {
    # subject prefixes of read receipts ("Dibaca: [LPT-...] ...", Outlook "Read: ...", "Lu : ...")
    "receipts": ("dibaca", "telah dibaca", "sudah dibaca", "tidak dibaca", "read", "not read", "gelesen",
                 "ungelesen", "gelezen", "niet gelezen", "lu", "non lu", "letto", "non letto", "lido",
                 "leído", "lida", "tanda terima baca", "read receipt", "return receipt"),
    # words before an approval that make it cover only what the other lines did not change:
    # "ganti Budi dengan Citra ... Selebihnya setuju" approves with the change as the note
    "remainder": ("selebihnya", "sisanya", "selainnya", "lainnya", "yang lain", "yang lainnya", "lain-lain",
                  "lain lain", "selain itu", "di luar itu", "the rest"),
    # what a letter writes where a fact is not known yet ("Tempat : akan diinformasikan kemudian"):
    # stored as unknown, so the requester is asked for it
    "unknowns": ("akan diinformasikan kemudian", "diinformasikan kemudian", "akan diinformasikan",
                 "akan dikabarkan kemudian", "dikabarkan kemudian", "akan diberitahukan kemudian",
                 "diberitahukan kemudian", "akan diberitahukan", "akan dikonfirmasi kemudian", "akan dikonfirmasi",
                 "dikonfirmasi kemudian", "akan disampaikan kemudian", "disampaikan kemudian", "akan ditentukan",
                 "ditentukan kemudian", "belum ditentukan", "belum pasti", "belum ada", "menyusul", "tba", "tbd",
                 "to be announced", "to be confirmed"),
}


# Word lists the readers once kept as regular expressions in code (issue 8): an office edits them in
# rules/lexicon.yaml. A missing key means these lists, so behaviour stays as it was.
PATTERN_DEFAULTS: dict[str, tuple[str, ...]] = {
    # a letter or mail that cancels an event (intake: "acara ... dibatalkan")
    "cancel": ("batal", "dibatalkan", "pembatalan", "membatalkan", "tidak jadi", "ditiadakan"),
    # how phone and app signatures begin ("Dikirim dari iPhone saya", "Gesendet von Outlook für Android")
    "signatures": ("dikirim dari", "sent from", "get outlook for", "dapatkan outlook untuk", "sent via",
                   "dikirim melalui", "dikirim menggunakan", "gesendet von", "von meinem", "envoyé de",
                   "envoyé depuis", "obtenir outlook pour", "verstuurd vanaf", "verzonden vanaf", "verzonden met",
                   "verstuurd met", "inviato da", "enviado do", "enviado de", "enviado desde", "scarica outlook per",
                   "outlook voor"),
    # closing lines above a signature ("Wassalam" and its spellings are matched besides these)
    "closings": ("salam", "hormat saya", "hormat kami", "terima kasih", "terimakasih", "trims", "tks", "thanks",
                 "thank you", "regards", "best regards", "kind regards", "salam hormat"),
    # the verb of a client's attribution line ("Pada ..., Nama <a@b> menulis:")
    "attribution_verbs": ("menulis", "wrote", "schrieb", "a écrit", "escribió", "schreef", "geschreven",
                          "ha scritto", "escreveu"),
    # the words between dashes of a separator line ("-----Pesan Asli-----")
    "separators": ("pesan asli", "original message", "pesan awal", "forwarded message", "pesan terusan",
                   "pesan yang diteruskan", "ursprüngliche nachricht", "weitergeleitete nachricht",
                   "message d'origine", "message original", "message transféré", "oorspronkelijk bericht",
                   "doorgestuurd bericht", "messaggio originale", "messaggio inoltrato", "mensagem original",
                   "mensagem encaminhada", "mensaje original"),
    # decision words that mark a person's answer, not a leave note ("Setuju, saya sedang dinas luar")
    "strong_decisions": ("setuju", "disetujui", "setujui", "acc", "lanjutkan", "tolak", "ditolak", "revisi", "batal",
                         "approve", "approved", "reject", "rejected", "ganti", "diganti", "tambahkan", "ubah",
                         "diubah", "perbaiki", "diperbaiki", "koreksi"),
    # an official handing the step to the acting official ("DELEGASIKAN"); strong decisions too
    "delegate": ("delegasi", "delegasikan", "didelegasikan", "diwakilkan", "wakilkan", "diteruskan ke plt"),
    # titles around a name, written without dots ("Drs. H. Johansyah Syafri, M.Si." signs as the
    # name): a reply's last line that is the sender's name with these is a signature, not a note
    "name_titles": ("drs", "dra", "dr", "ir", "h", "hj", "prof", "kh", "st", "se", "sh", "mh", "msi", "mm", "mpd",
                    "spd", "skom", "mkom", "ssos", "ssi", "sstp", "mt", "ms", "ma", "amd", "ak", "sp", "mkes", "skm",
                    "phd", "mba"),
    # words that open the title line under a signing name ("Kepala Dinas Kominfotik", "Plt. Kabid")
    "position_words": ("kepala", "kadis", "kabid", "kasi", "kasubag", "kasubbag", "kabag", "sekretaris", "sekdis",
                       "plt", "plh", "pembina", "penata", "camat", "lurah", "jabatan", "pangkat", "dinas",
                       "diskominfotik", "bidang", "seksi"),
    # the word that opens a client's attribution line ("Pada", "On", "Am", "Le", "Op", "Il", "Em")
    "attribution_leads": ("pada", "on", "am", "le", "el", "op", "il", "em"),
    # labels of the header block a client puts above a quote ("Dari:", "Dikirim:", "Von:", "Objet :")
    "header_labels": ("dari", "from", "dikirim", "terkirim", "sent", "tanggal", "date", "kepada", "ke", "to", "cc",
                      "bcc", "subjek", "subject", "perihal", "hal", "judul", "von", "gesendet", "an", "betreff",
                      "datum", "de", "envoyé", "à", "a", "objet", "cci", "van", "verzonden", "aan", "onderwerp", "da",
                      "inviato", "oggetto", "data", "enviado", "enviada", "para", "assunto", "asunto", "fecha"),
    # the sender's label, the first of such a block ("Dari:", "From:", "Von:", "De :", "Van:", "Da:")
    "from_labels": ("dari", "from", "von", "de", "van", "da"),
    # subjects that open an autoresponder's mail
    "auto_subjects": ("balasan otomatis", "automatic reply", "automatic-reply", "automaticreply", "auto reply",
                      "auto-reply", "autoreply", "out of office", "out of the office", "otomatis", "di luar kantor",
                      "sedang cuti", "auto", "abwesenheitsnotiz", "réponse automatique", "reponse automatique"),
    # phrases of out-of-office notes sent without an automatic header (with the checks of classify.py)
    "auto_bodies": ("sedang cuti", "sedang dinas luar", "sedang melaksanakan dinas luar",
                    "sedang tidak berada di kantor", "sedang berada di luar kantor", "tidak berada di kantor",
                    "di luar kantor sampai", "cuti sampai", "out of office", "out of the office",
                    "away from the office", "away from my office", "on leave until", "on annual leave until",
                    "balasan otomatis", "pesan dikirim secara otomatis", "pesan ini dikirim secara otomatis",
                    "pesan dibalas secara otomatis", "pesan ini dibalas secara otomatis",
                    "this is an automatic reply"),
}


@lru_cache(maxsize=64)
def phrases_re(words: tuple[str, ...], end: bool = True) -> str:
    """A regular-expression alternation of lexicon phrases: escaped, longest first, any whitespace
    between words, a word boundary after each (unless `end` is False)."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered)
    boundary = r"\b" if end else ""
    return f"(?:{alternatives}){boundary}" if alternatives else r"(?!x)x"  # an empty list matches nothing


@lru_cache(maxsize=64)
def _compiled(template: str, alternations: tuple[str, ...]) -> re.Pattern[str]:
    for alternation in alternations:
        template = template.replace("{}", alternation, 1)
    return re.compile(template, re.IGNORECASE)


def pattern(template: str, *keys: str, end: bool = True) -> re.Pattern[str]:
    """`template` with each "{}" in turn replaced by the alternation of the shipped lexicon's list of
    the same position in `keys`, compiled case-insensitively (cached)."""
    lexicon = default_lexicon()
    return _compiled(template, tuple(phrases_re(tuple(lexicon[key]), end) for key in keys))


class Normalised(dict):
    """A lexicon `normalise_lexicon` made: normalising it again hands it back as it is."""


def normalise_lexicon(data: Any) -> dict[str, list[str]]:
    """Lower-case string lists per category (missing categories become empty lists, missing safety
    lists their defaults); accepts rules_lexicon.Lexicon too."""
    if isinstance(data, Normalised):
        return data
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    lexicon: dict[str, list[str]] = Normalised()
    for key in ("approve", "reject", "revise", "negations", "but"):
        lexicon[key] = _words(data.get(key) or [])
    for key, default in (SAFETY_DEFAULTS | READING_DEFAULTS | PATTERN_DEFAULTS).items():
        words = data.get(key)
        lexicon[key] = _words(default if words is None else words)
    return lexicon


def _words(values: Any) -> list[str]:
    return [w for w in map(_as_word, values) if w]


def _as_word(value: Any) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads an unquoted no/yes as a boolean
        return "no" if value is False else "yes"
    return " ".join(str(value).lower().split())

