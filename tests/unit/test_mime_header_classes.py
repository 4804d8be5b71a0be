"""Reading headers makes no new class per header: the stock email registry built one (`type(...)`)
for every header parsed, and the daemon's header cache kept one alive per entry."""

from __future__ import annotations

import gc
from email.headerregistry import BaseHeader

from test_dispatch_batches import distinct_letters

from daemon.core.config_running import ReadingCfg
from daemon.mail import mime
from daemon.reading import budget

NAMES = ("From", "To", "Subject", "Message-ID", "Date", "Content-Type", "In-Reply-To", "Cc")


def header_classes() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, type) and issubclass(o, BaseHeader))


def test_distinct_letters_make_no_class_per_header():
    before = header_classes()
    raws = distinct_letters(200)
    for raw in raws:
        msg = mime.parse(raw)
        for name in NAMES:
            mime.header(msg, name)
        budget.prepare(raw, ReadingCfg(), "bengkaliskab.go.id")
    # one class per kind of header (address, date, message id, content type, ...), not per header:
    # the stock registry leaves one per cached header, hundreds here
    assert header_classes() - before <= 20
    assert mime._fetch_parse.cache_info().currsize > 100  # the headers were parsed and cached


def test_the_headers_read_as_before():
    raw = (b"From: Dinas Kominfo <kominfo@bengkaliskab.go.id>\r\nTo: a@b.id, c@d.id\r\n"
           b"Subject: Permohonan liputan\r\nDate: Mon, 30 Nov 2026 10:00:00 +0700\r\n"
           b"Message-ID: <x.1@bengkaliskab.go.id>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n")
    ours, stock = mime.parse(raw), __import__("email").message_from_bytes(
        raw, policy=__import__("email.policy").policy.default)
    for name in NAMES[:6]:
        assert str(ours[name]) == str(stock[name])
        assert type(ours[name]).__name__ == type(stock[name]).__name__
    assert ours["To"].addresses == stock["To"].addresses
    assert ours["Date"].datetime == stock["Date"].datetime
    assert ours.get_content_charset() == "utf-8"
    # a header of ours set on a new message folds as the stock one does
    out = __import__("email.message").message.EmailMessage()
    out["Subject"] = ours["Subject"]
    assert out.as_bytes().startswith(b"Subject: Permohonan liputan")


def test_a_parsed_message_crosses_processes():
    """The reading process sends what it read, parsed messages included, pickled: the registry
    arrives as the receiving process's own (its classes cannot be pickled)."""
    import pickle
    raw = distinct_letters(1)[0]
    msg = mime.parse(raw)
    for name in NAMES:
        mime.header(msg, name)
    back = pickle.loads(pickle.dumps(msg))
    assert back.policy.header_factory is mime.HEADER_CLASSES
    assert [mime.header(back, n) for n in NAMES] == [mime.header(msg, n) for n in NAMES]
    prepared = budget.prepare(raw, ReadingCfg(), "bengkaliskab.go.id")
    assert pickle.loads(pickle.dumps(prepared)) is not None
