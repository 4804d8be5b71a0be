"""notice summaries: when a rate-limited notice was first held, and the summary mail that carried it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00
"""
import sqlalchemy as sa
from alembic import op

from daemon.core.models import UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('held_at', UTCDateTime(), nullable=True))
    op.add_column('outbox', sa.Column('summary_id', sa.Integer(), nullable=True))
    op.create_index('ix_outbox_summary_id', 'outbox', ['summary_id'])


def downgrade() -> None:
    op.drop_index('ix_outbox_summary_id', 'outbox')
    op.execute("ALTER TABLE outbox DROP COLUMN summary_id")
    op.execute("ALTER TABLE outbox DROP COLUMN held_at")
