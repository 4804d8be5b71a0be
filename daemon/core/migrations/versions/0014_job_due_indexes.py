"""job due indexes: a claim reads the due jobs through (state, next_run_at) and a lane's through
(kind, state, next_run_at), not every queued timer or every job of its kind ever run

The single-column index on kind is dropped: it is the new index's prefix.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:15:00
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_job_due', 'job', ['state', 'next_run_at'])
    op.create_index('ix_job_kind_due', 'job', ['kind', 'state', 'next_run_at'])
    op.drop_index('ix_job_kind', 'job')


def downgrade() -> None:
    op.create_index('ix_job_kind', 'job', ['kind'])
    op.drop_index('ix_job_kind_due', 'job')
    op.drop_index('ix_job_due', 'job')
