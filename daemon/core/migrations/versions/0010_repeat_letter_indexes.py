"""repeat-letter indexes: an open request looked up by its unit's address, its unit's name or
its start, so a new letter is compared with its unit's requests, not with every open one

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_request_state_requester_email', ['state', 'requester_email']),
    ('ix_request_state_event_start', ['state', 'event_start']),
)
# a unit's name is free text as long as a letter's line: a B-tree entry on PostgreSQL holds at
# most 2,704 bytes, so there it is a hash index (any length); on both, of the open requests only
OPEN_REQUESTER = 'ix_request_open_requester'


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, 'request', columns)
    op.create_index(OPEN_REQUESTER, 'request', ['requester'], postgresql_using='hash',
                    postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))


def downgrade() -> None:
    op.drop_index(OPEN_REQUESTER, 'request')
    for name, _ in reversed(INDEXES):
        op.drop_index(name, 'request')
