"""Property test: the readers survive random and mangled mail without raising."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.core.types import Classification, Reading
from daemon.mail import mime
from daemon.reading.classify import classify
from daemon.reading.quotes import own_text
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
    return name + b": " + (b"=?utf-8?B?" + junk + b"?= <a@b> ;") * (50 + at % 150) + b"\n" + raw


def _insert(raw: bytes, at: int, junk: bytes) -> bytes:
    at %= len(raw) + 1
    return raw[:at] + junk + raw[at:]


MUTATIONS = [_truncate, _flip, _drop_boundaries, _random_charset, _break_base64, _huge_header, _insert]

mangled = st.builds(
    lambda index, op, at, junk: op(RAWS[index], at, junk),
    st.integers(min_value=0, max_value=len(RAWS) - 1),
    st.sampled_from(MUTATIONS),
    st.integers(min_value=0, max_value=10**6),
    st.binary(min_size=0, max_size=64),
)
inputs = st.one_of(st.binary(max_size=3000), mangled)


def _check(raw: bytes) -> None:
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(inputs)
def test_it_survives_random_and_mangled_mail(raw: bytes) -> None:
    _check(raw)


def test_it_survives_every_mutation_of_every_corpus_message() -> None:
    for index, raw in enumerate(RAWS):
        for op in MUTATIONS if index % 5 == 0 else MUTATIONS[:-2] + MUTATIONS[-1:]:  # huge headers are slow
            _check(op(raw, index * 37, b"\xff\xfe=?x?Q?\x00<>"))
