"""intake files: recordings taken by qa-engine watch

Revision ID: b3e1c9d2f4a7
Revises: c402b0e3efa1
Create Date: 2026-12-05 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'b3e1c9d2f4a7'
down_revision = 'c402b0e3efa1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'intake_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('taken_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('intake_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_files_content_hash'), ['content_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_intake_files_path'), ['path'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('intake_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_files_path'))
        batch_op.drop_index(batch_op.f('ix_intake_files_content_hash'))
    op.drop_table('intake_files')
