"""the request letter's date as a date, and its own perihal

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 11:00:00
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

REQUEST = sa.table('request', sa.column('id', sa.Integer()), sa.column('letter_date', sa.Text()),
                   sa.column('letter_day', sa.Date()))


def as_date(value):
    """The ISO text written before 0006 ('2026-11-24'); anything else is dropped (None)."""
    try:
        return date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def upgrade() -> None:
    op.add_column('request', sa.Column('letter_day', sa.Date(), nullable=True))
    conn = op.get_bind()
    for row_id, old in conn.execute(sa.select(REQUEST.c.id, REQUEST.c.letter_date)
                                    .where(REQUEST.c.letter_date.isnot(None))).all():
        conn.execute(REQUEST.update().where(REQUEST.c.id == row_id).values(letter_day=as_date(old)))
    # plain ALTER TABLE (SQLite >= 3.35 and PostgreSQL): a batch copy of `request` would break the
    # foreign keys of the rows that point at it
    op.execute("ALTER TABLE request DROP COLUMN letter_date")
    op.execute("ALTER TABLE request RENAME COLUMN letter_day TO letter_date")
    op.add_column('request', sa.Column('letter_subject', sa.Text(), nullable=True))


def downgrade() -> None:
    old = sa.table('request', sa.column('id', sa.Integer()), sa.column('letter_date', sa.Date()),
                   sa.column('letter_text', sa.Text()))
    op.add_column('request', sa.Column('letter_text', sa.Text(), nullable=True))
    conn = op.get_bind()
    for row_id, day in conn.execute(sa.select(old.c.id, old.c.letter_date)
                                    .where(old.c.letter_date.isnot(None))).all():
        conn.execute(old.update().where(old.c.id == row_id).values(letter_text=day.isoformat()))
    op.execute("ALTER TABLE request DROP COLUMN letter_subject")
    op.execute("ALTER TABLE request DROP COLUMN letter_date")
    op.execute("ALTER TABLE request RENAME COLUMN letter_text TO letter_date")
