"""heartbeat: one row per running daemon instance, for `liputan status` and the metrics

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""
import sqlalchemy as sa
from alembic import op

from daemon.core.models import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'heartbeat',
        sa.Column('instance', sa.String(length=255), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('beat_at', UTCDateTime(), nullable=False),
        sa.Column('interval', sa.Float(), nullable=False),
        sa.Column('stopped_at', UTCDateTime(), nullable=True),
        sa.Column('mailbox', sa.String(length=16), nullable=False),
        sa.Column('mailbox_since', UTCDateTime(), nullable=True),
        sa.Column('mailbox_error', sa.Text(), nullable=True),
        sa.Column('last_message_at', UTCDateTime(), nullable=True),
        sa.Column('checks', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('instance'),
    )
    op.create_index(op.f('ix_heartbeat_beat_at'), 'heartbeat', ['beat_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_heartbeat_beat_at'), table_name='heartbeat')
    op.drop_table('heartbeat')
