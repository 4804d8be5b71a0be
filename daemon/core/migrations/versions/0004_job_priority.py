"""job priority: what a reply waits for runs before a backlog's letters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('job', sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('job') as batch_op:
        batch_op.drop_column('priority')
