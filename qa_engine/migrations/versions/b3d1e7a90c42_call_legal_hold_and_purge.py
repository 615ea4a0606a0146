"""call legal hold and purge marker (retention)

Revision ID: b3d1e7a90c42
Revises: 7a44c4e9a265
Create Date: 2026-12-04 19:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'b3d1e7a90c42'
down_revision = '7a44c4e9a265'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        # No call was on hold or purged before this revision.
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('purged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('legal_hold')
