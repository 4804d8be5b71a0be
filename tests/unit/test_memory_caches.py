"""The main process's bounded caches, full, hold little of its steady heap (issue 13: RSS <= 120 MB):
the parsed-header cache of mail/mime.py and the title profiles of the repeat-letter check held
4.0 + 3.2 MB once full (512 and 2,048 entries); now ~1 + ~1.6 MB."""

from __future__ import annotations

import gc
import tracemalloc

from test_dispatch_batches import distinct_letters

from daemon.core.config_running import ReadingCfg
from daemon.mail import mime
from daemon.reading import budget
from daemon.sop import requests


def held_when_full(fill) -> int:  # noqa: ANN001 - a function that fills the cache
    """Bytes a cache keeps after `fill` filled it (what clearing it frees)."""
    gc.collect()
    tracemalloc.start()
    try:
        fill()
        gc.collect()
        full = tracemalloc.get_traced_memory()[0]
        mime._fetch_parse.cache_clear()
        requests._profile.cache_clear()
        gc.collect()
        return full - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_the_parsed_header_cache_full_holds_about_a_megabyte():
    raws = distinct_letters(300)  # ~8 distinct header values a letter: the cache overflows
    mime._fetch_parse.cache_clear()
    held = held_when_full(lambda: [budget.prepare(raw, ReadingCfg(), "bengkaliskab.go.id") for raw in raws])
    assert 0 < held < 1_500_000, held


def test_the_title_profiles_full_hold_under_two_megabytes():
    requests._profile.cache_clear()
    titles = [f"Musrenbang Desa Nomor {i} Kecamatan Bantan Kabupaten Bengkalis Tahun 2027" for i in range(4000)]
    held = held_when_full(lambda: [requests.similar(t, "Musrenbang Kecamatan Bantan") for t in titles])
    assert requests._profile.cache_info().maxsize <= 1024
    assert 0 < held < 2_000_000, held
