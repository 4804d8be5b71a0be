"""`liputan requests` reads a year of requests in a fixed number of queries, not one per request."""

from __future__ import annotations

import contextlib
import io
from argparse import Namespace

from harness import Office, letter
from sqlalchemy import event
from test_workflow_bodies import BANTAN

from daemon.app import cli


def statements(office: Office) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        seen.append(statement)
    event.listen(office.engine, "before_cursor_execute", count)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.list_requests(office.ctx, office.factory, Namespace(json=True)) == 0
    finally:
        event.remove(office.engine, "before_cursor_execute", count)
    return len(seen)


DAYS = ["Senin, 7", "Selasa, 8", "Rabu, 9", "Kamis, 10", "Jumat, 11", "Senin, 14", "Selasa, 15",
        "Rabu, 16"]


def request(office: Office, n: int) -> None:
    body = BANTAN.replace("Senin, 7", DAYS[n]).replace("Musrenbang Kecamatan", f"Rapat {n + 1}")
    office.deliver(letter(f"unit{n}@bengkaliskab.go.id", f"Permohonan peliputan {n}", body))


def test_listing_does_not_query_once_per_request(tmp_path):
    office = Office(tmp_path)
    for n in range(2):
        request(office, n)
    few = statements(office)
    for n in range(2, 8):
        request(office, n)
    with office.factory() as s:
        from daemon.core.models import Request
        assert s.query(Request).count() == 8
    assert statements(office) == few
