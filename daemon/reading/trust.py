"""Decide whether a sender is who they claim: Authentication-Results from our server, and look-alike names."""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from functools import lru_cache

import authres
from publicsuffixlist import PublicSuffixList

from daemon.core import guard
from daemon.mail import mime

# Titles and academic degrees that say nothing about who a person is.
TITLES = {
    "drs", "dra", "dr", "h", "hj", "ir", "prof", "kh", "st", "se", "sh", "mh", "mm", "mt", "msi", "skom", "mkom",
    "ssos", "sikom", "spd", "mpd", "sip", "map", "sstp", "ak", "amd", "ssi", "sag", "mag", "lc", "ma", "mba",
    "phd", "bapak", "ibu", "pak", "bu", "sdr", "sdri", "yth", "plt", "plh", "kadis", "kabid", "kasi", "sekdis",
}


def auth_passes(msg: Message, authserv_id: str) -> tuple[bool, str]:
    """Whether our own server's Authentication-Results show DKIM or SPF passing, aligned with From."""
    try:
        return _auth_passes(msg, authserv_id.strip().lower())
    except Exception as exc:  # fail closed: a check that errors does not pass
        guard.failed("authentication check", exc)
        return False, f"cannot read Authentication-Results: {type(exc).__name__}"


def _auth_passes(msg: Message, authserv_id: str) -> tuple[bool, str]:
    senders = mime.addresses(msg, "From")
    if len(senders) != 1 or "@" not in senders[0]:
        return False, "From must hold exactly one address"
    from_domain = senders[0].rsplit("@", 1)[1]
    results = _our_results(msg, authserv_id)
    if results is None:
        return False, f"no Authentication-Results from {authserv_id}"
    seen: list[str] = []
    for method, result, props in results:
        seen.append(f"{method}={result}")
        if method == "dkim" and result == "pass":
            domain = props.get("header.d") or props.get("header.i", "").rsplit("@", 1)[-1]
            if aligned(domain, from_domain):
                return True, f"dkim=pass header.d={domain} aligned with From {from_domain}"
        if method == "spf" and result == "pass":
            domain = props.get("smtp.mailfrom", "").rsplit("@", 1)[-1]
            if aligned(domain, from_domain):
                return True, f"spf=pass smtp.mailfrom={domain} aligned with From {from_domain}"
    return False, f"{authserv_id}: {' '.join(seen) or 'no results'}; nothing passes aligned with {from_domain}"


def _our_results(msg: Message, authserv_id: str) -> list[tuple[str, str, dict[str, str]]] | None:
    """(method, result, properties) of the topmost Authentication-Results header with our authserv-id.
    Our MTA prepends its header, so the topmost one with our id is ours; lower ones may be forged. A
    header that does not parse (RFC 8601) names no server: it is never ours."""
    for raw in msg.get_all("Authentication-Results") or []:
        try:
            header = authres.AuthenticationResultsHeader.parse_value(" ".join(str(raw).split()))
        except authres.AuthResError:
            continue
        if (header.authserv_id or "").lower() == authserv_id:
            return [(r.method.lower(), str(r.result).lower(),
                     {f"{p.type}.{p.name}".lower(): str(p.value).lower() for p in r.properties}) for r in header.results]
    return None


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped with the package: no network


def org_domain(domain: str) -> str | None:
    """The organisational domain: the registrable name below the public suffix (None for a suffix)."""
    return _suffixes().privatesuffix(domain.strip(".").lower())


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: same organisational domain (equal, parent or subdomain), never a bare suffix."""
    domain, from_domain = domain.strip(".").lower(), from_domain.strip(".").lower()
    if not domain or not from_domain or "." not in domain:
        return False
    mine = org_domain(domain)
    return mine is not None and mine == org_domain(from_domain)


def impersonation(display_name: str, addr: str, officials: list[tuple[str, str]]) -> str | None:
    """The email of the official whose name the display name copies while the address differs, else None.
    A check that fails raises guard.ReadingFailed: the reply is then not trusted (fail closed)."""
    try:
        shown = name_tokens(display_name)
        if not shown:
            return None
        matching = [email.strip().lower() for name, email in officials if _same_person(shown, name_tokens(name))]
        if not matching or addr.strip().lower() in matching:
            return None
        return matching[0]
    except Exception as exc:
        guard.failed("impersonation check", exc)
        raise guard.ReadingFailed("the impersonation check", exc) from exc


def _same_person(shown: list[str], official: list[str]) -> bool:
    if not official:
        return False
    overlap = len(set(shown) & set(official))
    return overlap >= 2 or shown == official


def name_tokens(name: str) -> list[str]:
    """Significant lower-case name tokens: no diacritics, titles, degrees or initials."""
    folded = unicodedata.normalize("NFKD", name or "")
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    folded = folded.split(",", 1)[0] if "," in folded else folded  # degrees follow the first comma
    tokens = []
    for raw in folded.split():
        if "." in raw.strip("."):  # "s.kom.", "m.si"
            continue
        word = re.sub(r"[^a-z0-9]", "", raw)
        if len(word) > 1 and word not in TITLES:
            tokens.append(word)
    return tokens


# A display name may be a role instead of a name: "Kepala Dinas", "Kadis", "Bupati Bengkalis".
_HONORIFICS = {"bapak", "ibu", "pak", "bu", "yth", "plt", "plh", "pj", "sdr", "sdri"}
_ABBREVIATIONS = {"kadis": ["kepala", "dinas"], "sekdis": ["sekretaris", "dinas"], "kabid": ["kepala", "bidang"],
                  "kasi": ["kepala", "seksi"], "kasubbag": ["kepala", "subbagian"], "wabup": ["wakil", "bupati"],
                  "sekda": ["sekretaris", "daerah"]}
_OFFICE_ACRONYMS = {"kominfo", "diskominfo", "kominfotik", "diskominfotik", "diskominfosandi", "dan"}
# Roles above the office: their holders are not in office.yaml, so only the operator can be told.
_HIGHER = (["wakil", "bupati"], ["bupati"], ["sekretaris", "daerah"])


def role_claim(display_name: str, officials: list[tuple[str, str]],
               office_words: tuple[str, ...] = ()) -> tuple[str, str | None] | None:
    """(role, email of the official holding it or None) when the display name is only a role, else None.
    `officials` are (jabatan, email); "Kepala Dinas Kesehatan" names another office and is no claim."""
    try:
        words = _role_words(display_name)
        if not words:
            return None
        for head in _HIGHER:
            if words[:len(head)] == head and len(words) - len(head) <= 3:
                return " ".join(head).title(), None
        ours = _OFFICE_ACRONYMS | {w for text in office_words for w in _role_words(text)}
        for jabatan, email in officials:
            role = _role_words(jabatan)
            head, rest = role[:2], set(role[2:]) | ours
            if len(head) == 2 and words[:2] == head and all(w in rest for w in words[2:]):
                return " ".join(head).title(), email.strip().lower()
        return None
    except Exception:
        return None


def _role_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    words: list[str] = []
    for raw in re.split(r"[^a-z0-9]+", folded):
        if raw and raw not in _HONORIFICS:
            words += _ABBREVIATIONS.get(raw, [raw])
    return words
