"""Issue 13, linear readers: every reader, on every pathological text (closing lines, deep quotes,
long lines, ...), takes roughly 4x the time on 4x the input, never 16x (quadratic)."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.core.places import load_places
from daemon.mail import mime
from daemon.reading.classify import classify
from daemon.reading.datetimes import find_dates, find_times
from daemon.reading.decisions import read_text
from daemon.reading.extract import extract_requests
from daemon.reading.quotes import own_text, strip_quotes
from daemon.reading.replies import load_lexicon, subject_addition

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "hostile"))
import texts  # noqa: E402

try:
    from . import corpus
except ImportError:
    import corpus  # type: ignore[no-redef]

LEX = load_lexicon(corpus.lexicon_path())
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
PLACES = load_places(corpus.ROOT / "rules" / "places.yaml")
N = 10_000  # characters; the test compares N with 4N
LINEAR_MAX = 9.0  # 4x input: linear ~4x, quadratic ~16x; room for a busy shared machine
NOISE_FLOOR = 0.05  # seconds: below this at 4N, a reader is fast whatever the ratio


def _message(text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Kepala Dinas <kadis@bengkaliskab.go.id>"
    msg["Subject"] = "Re: [LPT-2026-0001] Mohon disposisi: Musrenbang " + text[:2000].replace("\n", " ")
    msg["In-Reply-To"] = "<a@b>"
    msg.set_content(text)
    return msg


READERS = {
    "strip_quotes": strip_quotes,
    "read_text": lambda t: read_text(t, LEX),
    "find_dates": lambda t: find_dates(t, NOW),
    "find_times": find_times,
    "mime+own_text": lambda t: own_text(mime.parse(_message(t).as_bytes())),
    "classify": lambda t: classify(_message(t), corpus.OUR_DOMAIN),
    "subject_addition": lambda t: subject_addition(_message(t)),
    "extract_requests": lambda t: extract_requests(_message(t), PLACES, NOW),
    "html_to_text": lambda t: mime.html_to_text("<p>" + t.replace("\n", "<br>") + "</p>"),
}


def _seconds(reader, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        reader(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_reader_is_linear_on_every_pathological_text(reader):
    slow = []
    for name, build in texts.TEXTS.items():
        small, large = build(N), build(4 * N)
        t1, t4 = _seconds(READERS[reader], small), _seconds(READERS[reader], large)
        if t4 > NOISE_FLOOR and t4 / max(t1, 1e-6) > LINEAR_MAX:
            t1, t4 = _seconds(READERS[reader], small), _seconds(READERS[reader], large)  # once more
            if t4 > NOISE_FLOOR and t4 / max(t1, 1e-6) > LINEAR_MAX:
                slow.append(f"{name}: {t1:.3f} s on {len(small)} chars, {t4:.3f} s on {len(large)}")
    assert not slow, f"{reader} grows faster than linear:\n" + "\n".join(slow)


def test_the_check_can_fail():
    """A quadratic reader is caught by the same measure."""
    def quadratic(text: str) -> int:
        lines = text.split("\n")  # every line compared with every later one, as the old signature check did
        return sum(1 for i in range(len(lines)) for later in lines[i:] if later == lines[i])

    t1 = _seconds(quadratic, texts.closing_lines(N))
    t4 = _seconds(quadratic, texts.closing_lines(4 * N))
    assert t4 / t1 > LINEAR_MAX and t4 > NOISE_FLOOR
