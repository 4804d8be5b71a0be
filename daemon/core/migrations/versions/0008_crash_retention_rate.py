"""crash safety, retention and rate limits: who sends an outbox row, what was pruned, crashes
survived by a job, and the indexes a year of requests needs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
from alembic import op

from daemon.core.models import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('leased_by', sa.String(length=64), nullable=True))
    op.add_column('outbox', sa.Column('pruned_at', UTCDateTime(), nullable=True))
    op.add_column('inbound', sa.Column('pruned_at', UTCDateTime(), nullable=True))
    op.add_column('job', sa.Column('interrupted', sa.Integer(), nullable=False, server_default='0'))
    op.create_index('ix_outbox_sent_at', 'outbox', ['sent_at'])
    op.create_index('ix_event_request_time', 'event', ['request_id', 'time'])
    op.create_index('ix_request_created_at', 'request', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_request_created_at', 'request')
    op.drop_index('ix_event_request_time', 'event')
    op.drop_index('ix_outbox_sent_at', 'outbox')
    op.execute("ALTER TABLE job DROP COLUMN interrupted")
    op.execute("ALTER TABLE inbound DROP COLUMN pruned_at")
    op.execute("ALTER TABLE outbox DROP COLUMN pruned_at")
    op.execute("ALTER TABLE outbox DROP COLUMN leased_by")
