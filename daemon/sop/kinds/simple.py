"""Kinds that only write their letters: the nota dinas (memo) and the drafted SPT (draft)."""

from __future__ import annotations

from daemon.sop.kinds.base import Kind


class Memo(Kind):
    name = "memo"


class Draft(Kind):
    name = "draft"
