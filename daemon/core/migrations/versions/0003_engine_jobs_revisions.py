"""the engine: jobs, SOP revisions, mail waiting for letters, inbound claims

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 08:00:00
"""
import sqlalchemy as sa
from alembic import op

from daemon.core.models import UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sop_revision',
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('hash'),
    )
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('next_run_at', UTCDateTime(), nullable=False),
        sa.Column('lease_until', UTCDateTime(), nullable=True),
        sa.Column('leased_by', sa.String(length=64), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_job_kind', 'job', ['kind'])
    op.create_index('ix_job_request_id', 'job', ['request_id'])
    op.create_index('ix_job_state', 'job', ['state'])
    op.create_index('ix_job_next_run_at', 'job', ['next_run_at'])
    op.add_column('inbound', sa.Column('lease_until', UTCDateTime(), nullable=True))
    op.add_column('inbound', sa.Column('leased_by', sa.String(length=64), nullable=True))
    op.add_column('request', sa.Column('sop_revision', sa.String(length=64), nullable=True))
    op.add_column('document', sa.Column('status', sa.String(length=16), nullable=False,
                                        server_default='ready'))
    op.add_column('document', sa.Column('pdf_path', sa.Text(), nullable=True))
    op.add_column('outbox', sa.Column('waits_on', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))
    op.add_column('outbox', sa.Column('parts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_column('parts')
        batch_op.drop_column('waits_on')
    with op.batch_alter_table('document') as batch_op:
        batch_op.drop_column('pdf_path')
        batch_op.drop_column('status')
    with op.batch_alter_table('request') as batch_op:
        batch_op.drop_column('sop_revision')
    with op.batch_alter_table('inbound') as batch_op:
        batch_op.drop_column('leased_by')
        batch_op.drop_column('lease_until')
    op.drop_table('job')
    op.drop_table('sop_revision')
