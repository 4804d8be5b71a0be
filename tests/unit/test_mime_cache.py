"""The parsed-header cache of mail/mime.py is small (a parsed header keeps its parse tree) and
still hits as often as a cache eight times its size on a stream of distinct letters and replies."""

from __future__ import annotations

import functools
import glob
from pathlib import Path

from test_dispatch_batches import distinct_letters

from daemon.core.config_running import ReadingCfg
from daemon.mail import mime
from daemon.reading import budget

CORPUS = sorted(glob.glob(str(Path(__file__).parents[1] / "data" / "*" / "*.eml")))


def hits_with(monkeypatch, size: int, raws: list[bytes]) -> tuple[int, int]:
    cache = functools.lru_cache(maxsize=size)(mime._fetch_parse.__wrapped__)
    monkeypatch.setattr(mime, "_fetch_parse", cache)
    for raw in raws:
        budget.prepare(raw, ReadingCfg(), "bengkaliskab.go.id")
    info = cache.cache_info()
    return info.hits, info.currsize


def test_the_small_header_cache_hits_as_often_as_a_large_one(monkeypatch):
    raws = [Path(p).read_bytes() for p in CORPUS[:150]] + distinct_letters(150)
    small, held_small = hits_with(monkeypatch, mime.HEADER_CACHE, raws)
    large, held_large = hits_with(monkeypatch, 8 * mime.HEADER_CACHE, raws)
    assert held_small == mime.HEADER_CACHE < held_large  # the stream overflows the small one
    assert small >= 0.995 * large  # ... at no cost in hits


def test_the_header_cache_is_bounded():
    assert mime._fetch_parse.cache_info().maxsize == mime.HEADER_CACHE <= 1024
    msg = mime.parse(b"From: a@b.id\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nhi\r\n")
    before = mime._fetch_parse.cache_info().hits
    assert mime.header(msg, "Content-Type") == mime.header(msg, "Content-Type") == "text/plain"
    assert mime._fetch_parse.cache_info().hits > before  # read again: from the cache
