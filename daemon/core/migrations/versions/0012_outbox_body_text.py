"""outbox body text: the plain text of each outgoing mail, to read a reply's quote without parsing the mail

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 11:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rows from before stay NULL: a reply to one of them is read against its parsed raw mail
    op.add_column('outbox', sa.Column('body_text', sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE outbox DROP COLUMN body_text")
