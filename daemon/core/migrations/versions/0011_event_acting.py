"""event acting: the office an acting official (Plt./Plh.) decided in, named as the letters name it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('event', sa.Column('acting', sa.String(length=400), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE event DROP COLUMN acting")
