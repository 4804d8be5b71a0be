"""Sender trust: Authentication-Results from our own server, alignment, and look-alike names."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from daemon.mail import mime
from daemon.reading.trust import aligned, auth_passes, impersonation, name_tokens

try:
    from . import corpus
except ImportError:
    import corpus  # type: ignore[no-redef]

OFFICIALS = corpus.officials()
CASES = corpus.cases()


@pytest.mark.parametrize("case", [c for c in CASES if "auth" in c.expected], ids=lambda c: c.id)
def test_it_checks_authentication_results_in_the_corpus(case: corpus.Case) -> None:
    ok, reason = auth_passes(mime.parse(case.raw), corpus.AUTHSERV_ID)
    assert ok is case.expected["auth"], reason


@pytest.mark.parametrize("case", [c for c in CASES if "impersonates" in c.expected], ids=lambda c: c.id)
def test_it_spots_impersonation_in_the_corpus(case: corpus.Case) -> None:
    display, addr = mime.address(mime.parse(case.raw), "From")
    assert impersonation(display, addr, OFFICIALS) == case.expected["impersonates"]


def _msg(from_: str, *results: str) -> EmailMessage:
    msg = EmailMessage()
    for value in results:
        msg["Authentication-Results"] = value
    msg["From"] = from_
    return msg


def test_it_ignores_results_from_other_servers() -> None:
    msg = _msg("k@bengkaliskab.go.id", "mx.evil.example; dkim=pass header.d=bengkaliskab.go.id")
    ok, reason = auth_passes(msg, "mx.bengkaliskab.go.id")
    assert not ok and "no Authentication-Results" in reason


def test_it_trusts_only_the_topmost_header_of_our_server() -> None:
    msg = _msg("k@bengkaliskab.go.id", "mx.bengkaliskab.go.id; dkim=fail header.d=bengkaliskab.go.id",
               "mx.bengkaliskab.go.id; dkim=pass header.d=bengkaliskab.go.id")
    assert auth_passes(msg, "MX.bengkaliskab.go.id")[0] is False


def test_it_reads_comments_with_semicolons_and_versions() -> None:
    msg = _msg("k@bengkaliskab.go.id", "mx.bengkaliskab.go.id 1; spf=pass (sender; ok (nested)) smtp.mailfrom=k@bengkaliskab.go.id")
    assert auth_passes(msg, "mx.bengkaliskab.go.id")[0] is True


def test_it_refuses_a_pass_for_another_domain() -> None:
    msg = _msg("k@bengkaliskab.go.id", "mx.bengkaliskab.go.id; dkim=pass header.d=gmail.com; spf=pass smtp.mailfrom=x@gmail.com")
    assert auth_passes(msg, "mx.bengkaliskab.go.id")[0] is False


def test_it_refuses_several_from_addresses() -> None:
    msg = _msg("a@bengkaliskab.go.id, b@evil.example", "mx.bengkaliskab.go.id; dkim=pass header.d=bengkaliskab.go.id")
    assert auth_passes(msg, "mx.bengkaliskab.go.id")[0] is False


@pytest.mark.parametrize(
    ("d", "from_domain", "ok"),
    [
        ("bengkaliskab.go.id", "bengkaliskab.go.id", True),
        ("mail.bengkaliskab.go.id", "bengkaliskab.go.id", True),
        ("bengkaliskab.go.id", "diskominfotik.bengkaliskab.go.id", True),
        ("go.id", "bengkaliskab.go.id", False),
        ("riaukab.go.id", "bengkaliskab.go.id", False),
        ("gmail.com", "bengkaliskab.go.id", False),
        ("", "bengkaliskab.go.id", False),
    ],
)
def test_it_aligns_domains_relaxed(d: str, from_domain: str, ok: bool) -> None:
    assert aligned(d, from_domain) is ok


@pytest.mark.parametrize(
    ("display", "addr", "expected"),
    [
        ("Drs. H. Johansyah Syafri", "johansyah@gmail.com", "kadis@bengkaliskab.go.id"),
        ("JOHANSYAH SYAFRI MSi", "kadis.bengkalis@yahoo.co.id", "kadis@bengkaliskab.go.id"),
        ("Drs. H. Johansyah Syafri, M.Si.", "kadis@bengkaliskab.go.id", None),
        ("Hj. Rosnaini, S.Sos., M.Si.", "sekdis@bengkaliskab.go.id", None),
        ("Rosnaini", "rosnaini@gmail.com", "sekdis@bengkaliskab.go.id"),
        ("Muhammad Rizki", "rizki@gmail.com", None),
        ("Siti Nurhaliza", "siti@gmail.com", None),
        ("", "x@gmail.com", None),
    ],
)
def test_it_spots_a_borrowed_official_name(display: str, addr: str, expected: str | None) -> None:
    assert impersonation(display, addr, OFFICIALS) == expected


def test_it_strips_titles_and_degrees_from_names() -> None:
    assert name_tokens("Drs. H. Johansyah Syafri, M.Si.") == ["johansyah", "syafri"]
    assert name_tokens("Siti Aminah, S.I.Kom.") == ["siti", "aminah"]
    assert name_tokens("Muhammad Fadli, S.Kom., M.T.") == ["muhammad", "fadli"]


# ---- real-world Authentication-Results headers, parsed by authres (RFC 8601) ---------------------
OURS = "mx.bengkaliskab.go.id"
GMAIL = ("mx.google.com;\r\n       dkim=pass header.i=@bengkaliskab.go.id header.s=20230601 header.b=Xyz1AbCd;\r\n"
         "       spf=pass (google.com: domain of kadis@bengkaliskab.go.id designates 209.85.220.41 as permitted "
         "sender) smtp.mailfrom=kadis@bengkaliskab.go.id;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) "
         "header.from=bengkaliskab.go.id")
OUTLOOK = ("spf=pass (sender IP is 40.107.1.1) smtp.mailfrom=bengkaliskab.go.id; dkim=pass (signature was verified)"
           " header.d=bengkaliskab.go.id;dmarc=pass action=none header.from=bengkaliskab.go.id;compauth=pass reason=100")


def _raw(from_: str, *results: str):
    """A message parsed from its bytes, so headers keep the folding of real mail."""
    lines = [f"Authentication-Results: {value}" for value in results] + [f"From: {from_}", "Subject: Re: x", "", "Setuju"]
    return mime.parse("\r\n".join(lines).encode())


POSTFIX_OURS = (f"{OURS};\r\n\tdkim=pass (2048-bit key; unprotected) header.d=bengkaliskab.go.id "
                "header.i=@bengkaliskab.go.id header.a=rsa-sha256 header.s=selector1 header.b=AbCdEf12;\r\n"
                "\tdkim-atps=neutral")


def test_it_accepts_our_postfix_opendkim_header() -> None:
    ok, why = auth_passes(_raw("Kadis <kadis@bengkaliskab.go.id>", POSTFIX_OURS), OURS)
    assert ok and "dkim=pass header.d=bengkaliskab.go.id" in why


def test_it_takes_gmails_header_only_when_gmail_is_our_server() -> None:
    msg = _raw("kadis@bengkaliskab.go.id", GMAIL)
    assert auth_passes(msg, OURS) == (False, f"no Authentication-Results from {OURS}")
    ok, why = auth_passes(msg, "mx.google.com")  # an office whose mail is hosted by Google Workspace
    assert ok and why.startswith("dkim=pass header.d=bengkaliskab.go.id")


def test_it_never_takes_an_outlook_header_without_authserv_id_for_ours() -> None:
    assert auth_passes(_raw("kadis@bengkaliskab.go.id", OUTLOOK), OURS)[0] is False


def test_it_ignores_a_forged_pass_from_a_foreign_authserv_id_above_ours() -> None:
    forged = "mx.bengkaliskab.go.id.evil.example; dkim=pass header.d=bengkaliskab.go.id"
    ours = f"{OURS}; dkim=fail (signature did not verify) header.d=bengkaliskab.go.id; spf=softfail smtp.mailfrom=x@evil.example"
    ok, why = auth_passes(_raw("kadis@bengkaliskab.go.id", forged, ours), OURS)
    assert not ok and "dkim=fail" in why and "spf=softfail" in why


def test_it_reads_several_headers_and_results_of_many_methods() -> None:
    msg = _raw("kadis@bengkaliskab.go.id", GMAIL,
               f"{OURS}; arc=pass (i=1); x-foo=bar; dkim=fail header.d=evil.example; dkim=pass header.d=bengkaliskab.go.id",
               OUTLOOK)
    ok, why = auth_passes(msg, OURS)
    assert ok and "header.d=bengkaliskab.go.id" in why


def test_it_fails_closed_on_a_header_of_ours_it_cannot_parse() -> None:
    assert auth_passes(_raw("kadis@bengkaliskab.go.id", f"{OURS}; dkim=pass header.d="), OURS)[0] is False


@pytest.mark.parametrize(("d", "from_domain", "ok"), [
    ("sungaipakning.desa.id", "bengkalis.desa.id", False),  # desa.id is a public suffix: villages are apart
    ("desa.id", "bengkalis.desa.id", False),
    ("mail.bengkalis.desa.id", "bengkalis.desa.id", True),
    ("polbeng.ac.id", "mail.polbeng.ac.id", True),
    ("evil.blogspot.com", "bengkalis.blogspot.com", False),  # a private suffix of the list
])
def test_it_finds_organisational_domains_with_the_public_suffix_list(d: str, from_domain: str, ok: bool) -> None:
    assert aligned(d, from_domain) is ok
