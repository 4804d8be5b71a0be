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
