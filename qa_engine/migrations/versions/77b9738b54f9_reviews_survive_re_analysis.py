"""reviews survive re-analysis: analysis revisions, the re-review flag, an append-only audit log

Revision ID: 77b9738b54f9
Revises: b3e1c9d2f4a7
Create Date: 2026-12-04 18:56:12.076811
"""
from alembic import op
import sqlalchemy as sa

from qa_engine.storage.audit import GUARDS


revision = '77b9738b54f9'
down_revision = 'b3e1c9d2f4a7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A judged analysis is kept when the same ruleset analyses the call again: the new one is revision 2.
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_analysis_call_ruleset'), type_='unique')
        batch_op.create_unique_constraint('uq_analysis_call_ruleset_revision', ['call_pk', 'ruleset_version', 'revision'])

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rereview', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('rereview_reasons', sa.JSON(), server_default='[]', nullable=False))
        batch_op.create_index(batch_op.f('ix_calls_rereview'), ['rereview'], unique=False)

    for statement in GUARDS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    # The audit log stays append-only: its triggers are not removed.
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_rereview'))
        batch_op.drop_column('rereview_reasons')
        batch_op.drop_column('rereview')

    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.drop_constraint('uq_analysis_call_ruleset_revision', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_analysis_call_ruleset'), ['call_pk', 'ruleset_version'])
        batch_op.drop_column('revision')
