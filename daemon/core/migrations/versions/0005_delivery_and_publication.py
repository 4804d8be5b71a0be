"""after the event: delivered files and publication channels (SOP steps 11-15)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00
"""
import sqlalchemy as sa
from alembic import op

from daemon.core.models import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'delivery_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('relpath', sa.Text(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('mtime', sa.Float(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('sender', sa.String(length=320), nullable=True),
        sa.Column('message_id', sa.String(length=998), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'relpath', 'sha256', name='uq_delivery_file'),
    )
    op.create_index('ix_delivery_file_request_id', 'delivery_file', ['request_id'])
    op.create_index('ix_delivery_file_status', 'delivery_file', ['status'])
    op.create_table(
        'publication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('remote_id', sa.String(length=255), nullable=True),
        sa.Column('url', sa.Text(), nullable=True),
        sa.Column('progress', sa.JSON(), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('request_id', 'channel', name='uq_publication'),
    )
    op.create_index('ix_publication_request_id', 'publication', ['request_id'])


def downgrade() -> None:
    op.drop_table('publication')
    op.drop_table('delivery_file')
