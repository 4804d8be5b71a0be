"""The job queue as rows: slow or outside work written in the caller's transaction, run later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.core.models import Job, utcnow


def enqueue(s: Session, kind: str, payload: dict[str, Any], *, key: str | None = None,
            request_id: int | None = None, run_at: datetime | None = None,
            max_attempts: int = 8) -> Job:
    """Queue a job in the caller's transaction; a job with the same `key` is queued only once."""
    if key is not None:
        existing = s.scalars(select(Job).where(Job.key == key)).first()
        if existing is not None:
            return existing
    job = Job(kind=kind, key=key, payload=payload, request_id=request_id, state="queued",
              attempts=0, max_attempts=max_attempts, next_run_at=run_at or utcnow(),
              created_at=utcnow())
    s.add(job)
    s.flush()
    return job
