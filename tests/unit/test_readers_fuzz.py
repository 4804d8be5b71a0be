"""The readers survive random and mangled mail without raising, called without their wrappers:
inside guard.strict() a wrapper that would hide a failure raises it, so this test can fail."""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.core import guard
from daemon.core.places import load_places
from daemon.core.types import Classification, Reading
from daemon.mail import mime
from daemon.reading.classify import classify
from daemon.reading.datetimes import find_dates, find_times
from daemon.reading.extract import complete_from_reply, extract_requests
from daemon.reading.quotes import own_text, strip_quotes
from daemon.reading.replies import load_lexicon, read_reply
from daemon.reading.trust import auth_passes, impersonation

try:
    from . import corpus
except ImportError:
    import corpus  # type: ignore[no-redef]

KINDS = {"request", "reply", "auto_reply", "bounce", "list", "unknown"}
LEX = load_lexicon(corpus.lexicon_path())
RAWS = [case.raw for case in corpus.cases()]
OFFICIALS = corpus.officials()
PLACES = load_places(corpus.ROOT / "rules" / "places.yaml")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
SEED = 20261130
# mutated copies of each corpus message per mutation: 3 -> 3,240 messages; LIPUTAN_FUZZ_VARIANTS=6 -> 6,480
VARIANTS = int(os.environ.get("LIPUTAN_FUZZ_VARIANTS", "3"))


def _truncate(raw: bytes, at: int, _: bytes) -> bytes:
    return raw[: at % (len(raw) + 1)]


def _flip(raw: bytes, at: int, junk: bytes) -> bytes:
    data = bytearray(raw)
    for offset, byte in enumerate(junk[:16]):
        if data:
            data[(at + offset * 97) % len(data)] ^= byte or 0xFF
    return bytes(data)


def _drop_boundaries(raw: bytes, at: int, _: bytes) -> bytes:
    return re.sub(rb"(?m)^--.*$", b"", raw) if at % 2 else re.sub(rb'boundary="?[^";\s]+"?', b"boundary=", raw)


def _random_charset(raw: bytes, at: int, junk: bytes) -> bytes:
    name = junk.decode("latin-1")[:20].replace('"', "").replace("\n", "") or "x-unknown"
    value = b'charset="' + name.encode("latin-1") + b'"'
    return re.sub(rb"charset=\"?[\w.-]+\"?", lambda _: value, raw)


def _break_base64(raw: bytes, at: int, junk: bytes) -> bytes:
    raw = raw.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: base64")
    raw = raw.replace(b"Content-Transfer-Encoding: 8bit", b"Content-Transfer-Encoding: base64")
    split = raw.find(b"\n\n") + 2
    return raw[:split] + b"==!!" + junk + raw[split + at % 50 :]


def _huge_header(raw: bytes, at: int, junk: bytes) -> bytes:
    name = [b"Subject", b"References", b"Authentication-Results", b"From", b"X-Junk"][at % 5]
    return name + b": " + (b"=?utf-8?B?" + junk + b"?= <a@b> ;") * (20 + at % 60) + b"\n" + raw


def _insert(raw: bytes, at: int, junk: bytes) -> bytes:
    at %= len(raw) + 1
    return raw[:at] + junk + raw[at:]


def _nul_charset(raw: bytes, at: int, junk: bytes) -> bytes:
    names = [b"utf-8\x00", b"\x00", b"utf\x00-8", b"x-\xff\xfe", b"iso-8859-1\x00evil", b"utf-7", b"idna"]
    value = b'charset="' + names[at % len(names)] + b'"'
    return re.sub(rb"charset=\"?[\w.-]+\"?", lambda _: value, raw)


def _bad_headers(raw: bytes, at: int, junk: bytes) -> bytes:
    values = [b"=?utf-8?q?\x00?=", b"\"unclosed <a@b", b"<<<>>>@@@", b"=?x-unknown?B?AAAA?= <kadis@x>",
              b"(((((((((a", b"\x00\x01\x02" + junk, b"a@b, " * 300, b"=?utf-8?B?" + junk + b"?="]
    names = [b"From", b"Subject", b"References", b"In-Reply-To", b"Content-Type", b"Authentication-Results",
             b"Auto-Submitted", b"Return-Path", b"Content-Disposition", b"Date"]
    return names[at % len(names)] + b": " + values[(at // 7) % len(values)] + b"\n" + raw


MUTATIONS = [_truncate, _flip, _drop_boundaries, _random_charset, _break_base64, _huge_header, _insert,
             _nul_charset, _bad_headers]

mangled = st.builds(
    lambda index, op, at, junk: op(RAWS[index], at, junk),
    st.integers(min_value=0, max_value=len(RAWS) - 1),
    st.sampled_from(MUTATIONS),
    st.integers(min_value=0, max_value=10**6),
    st.binary(min_size=0, max_size=64),
)
inputs = st.one_of(st.binary(max_size=3000), mangled)


def _check(raw: bytes) -> None:
    with guard.strict():
        _read_all(raw)


def _read_all(raw: bytes) -> None:
    msg = mime.parse(raw)
    got = classify(msg, corpus.OUR_DOMAIN)
    assert isinstance(got, Classification) and got.kind in KINDS
    assert isinstance(got.reason, str)
    reading = read_reply(msg, LEX)
    assert isinstance(reading, Reading) and reading.decision in (None, "approve", "reject", "revise")
    assert isinstance(read_reply(raw, LEX), Reading)
    assert isinstance(own_text(msg), str)
    ok, reason = auth_passes(msg, corpus.AUTHSERV_ID)
    assert isinstance(ok, bool) and isinstance(reason, str)
    display, addr = mime.address(msg, "From")
    assert impersonation(display, addr, OFFICIALS) in (None, *[e for _, e in OFFICIALS])
    body = mime.body_text(msg)
    assert isinstance(strip_quotes(body), str)
    find_dates(body[:5000], NOW), find_times(body[:5000])
    for att in mime.attachments(msg):
        assert isinstance(att.filename, str) and isinstance(att.data, bytes)
    facts = extract_requests(msg, PLACES, NOW)
    assert facts and all(f.missing is not None for f in facts)
    complete_from_reply(facts[0], own_text(msg), PLACES, NOW)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(inputs)
def test_it_survives_random_and_mangled_mail(raw: bytes) -> None:
    _check(raw)


def mutated(seed: int = SEED, variants: int = VARIANTS):
    """(name, bytes) of every mutation of every corpus message, `variants` times each; seeded."""
    rng = random.Random(seed)
    for index, raw in enumerate(RAWS):
        for op in MUTATIONS:
            for v in range(variants):
                junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 48)))
                yield f"{index}:{op.__name__}:{v}", op(raw, rng.randrange(10**6), junk)


def test_mutated_corpus_is_large() -> None:
    assert sum(1 for _ in mutated()) >= 3000


@pytest.mark.timeout(1200)  # thousands of messages through every reader: minutes on a busy machine
def test_it_survives_every_mutation_of_every_corpus_message() -> None:
    failures: Counter[str] = Counter()
    first: dict[str, str] = {}
    for name, raw in mutated():
        try:
            _check(raw)
        except Exception as exc:  # noqa: BLE001 - counted and reported below: the test fails
            key = f"{type(exc).__name__}: {str(exc)[:80]}"
            failures[key] += 1
            first.setdefault(key, name)
    assert not failures, "\n".join(f"{n} x {k} (first: {first[k]})" for k, n in failures.most_common())


def test_strict_mode_makes_a_hidden_failure_visible(monkeypatch) -> None:
    """The check above can fail: a reader that raises inside its wrapper is seen."""
    import daemon.reading.classify as classify_module

    def boom(*_a, **_k):
        raise ValueError("injected")

    monkeypatch.setattr(classify_module, "_classify", boom)
    assert classify(mime.parse(RAWS[0])).kind == "unknown"  # the service goes on, the failure recorded
    try:
        _check(RAWS[0])
    except ValueError as exc:
        assert "injected" in str(exc)
    else:
        raise AssertionError("strict mode hid the failure")
