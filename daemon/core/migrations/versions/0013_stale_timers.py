"""stale timers: reminders of tasks already closed, and timers of requests that ended, cancelled

Offices that ran a version before reminders were cancelled with their task kept those timers
queued: they would fire as no-ops, but `liputan status` counts them as scheduled work. This
cancels exactly what the engine cancels today (sop/timing.forget and forget_all): every queued
step timer of a request that is no longer open, and each queued reminder ("step_timer:CODE:
remind:TASK:N") of a task that is no longer open. Other timers are left as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:20:00
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from daemon.core.models import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TIMER, REMIND = "step_timer", "remind"
CHUNK = 500  # ids per UPDATE: SQLite's bound-parameter limit is far above it

job = sa.table("job", sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("key", sa.String),
               sa.column("state", sa.String), sa.column("request_id", sa.Integer),
               sa.column("finished_at", UTCDateTime()))
request = sa.table("request", sa.column("id", sa.Integer), sa.column("state", sa.String))
task = sa.table("task", sa.column("id", sa.Integer), sa.column("status", sa.String))


def stale(key: str | None, request_state: str | None, open_tasks: set[int]) -> bool:
    """Whether a queued step timer has nothing left to do (what the engine would have cancelled)."""
    if request_state != "open":  # the request ended (or is gone): forget_all
        return True
    parts = (key or "").split(":")
    if len(parts) >= 4 and parts[0] == TIMER and parts[2] == REMIND and parts[3].isdigit():
        return int(parts[3]) not in open_tasks  # an answered or closed task's reminder: forget
    return False


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(job.c.id, job.c.key, request.c.state)
                        .select_from(job.outerjoin(request, request.c.id == job.c.request_id))
                        .where(job.c.kind == TIMER, job.c.state == "queued")).all()
    if not rows:
        return
    open_tasks = set(conn.execute(sa.select(task.c.id).where(task.c.status == "open")).scalars())
    ids = [row.id for row in rows if stale(row.key, row.state, open_tasks)]
    now = datetime.now(timezone.utc)
    for at in range(0, len(ids), CHUNK):
        conn.execute(sa.update(job).where(job.c.id.in_(ids[at:at + CHUNK]), job.c.state == "queued")
                     .values(state="cancelled", finished_at=now))


def downgrade() -> None:
    # nothing to undo: the cancelled timers would only have fired as no-ops
    pass
