"""imap uids are unsigned 32 bit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:11:28.834827
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite integers are 64-bit already; a batch table rebuild would only risk the foreign keys
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.alter_column('uidvalidity',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)
        batch_op.alter_column('last_uid',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)

    with op.batch_alter_table('inbound', schema=None) as batch_op:
        batch_op.alter_column('uidvalidity',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)
        batch_op.alter_column('uid',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)



def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table('inbound', schema=None) as batch_op:
        batch_op.alter_column('uid',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)
        batch_op.alter_column('uidvalidity',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)

    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.alter_column('last_uid',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)
        batch_op.alter_column('uidvalidity',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)

