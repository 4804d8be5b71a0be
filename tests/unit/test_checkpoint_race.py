"""Two mailbox workers making a folder's checkpoint row at the same moment: the later one reads it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from daemon.core.models import Checkpoint
from daemon.mail import inbound_store


def test_a_checkpoint_made_meanwhile_by_another_worker_is_read_not_a_crash(factory, monkeypatch) -> None:
    with factory() as s, s.begin():
        s.add(Checkpoint(folder="INBOX", uidvalidity=7, last_uid=41))
    real_get, missed = Session.get, []

    def get_once_missing(self, entity, ident, **kw):  # noqa: ANN001, ANN202
        if entity is Checkpoint and not missed:
            missed.append(ident)  # as if read just before the other worker committed its row
            return None
        return real_get(self, entity, ident, **kw)

    monkeypatch.setattr(Session, "get", get_once_missing)
    assert inbound_store.checkpoint(factory, "INBOX", 7, "INBOX") == 41
    assert missed == ["INBOX"]
