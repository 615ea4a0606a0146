"""crm race-safe balances: stored account balance, balance after each ledger entry, a card sold once

Revision ID: c402b0e3efa1
Revises: b3d1e7a90c42
Create Date: 2026-12-04 18:46:16.652375
"""
from alembic import op
import sqlalchemy as sa


revision = 'c402b0e3efa1'
down_revision = 'b3d1e7a90c42'
branch_labels = None
depends_on = None

# Existing entries get the running balance in posting (id) order; accounts the sum of their entries.
_BACKFILL_ENTRIES = """
UPDATE crm_ledger_entry SET balance_after_fen = (
    SELECT SUM(e.amount_fen) FROM crm_ledger_entry e
    WHERE e.account_id = crm_ledger_entry.account_id AND e.id <= crm_ledger_entry.id)
"""
_BACKFILL_ACCOUNTS = """
UPDATE crm_card_account SET balance_fen = COALESCE(
    (SELECT SUM(e.amount_fen) FROM crm_ledger_entry e WHERE e.account_id = crm_card_account.id), 0)
"""


def upgrade() -> None:
    with op.batch_alter_table('crm_card_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance_fen', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('crm_ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance_after_fen', sa.Integer(), nullable=False, server_default='0'))
    op.execute(_BACKFILL_ENTRIES)
    op.execute(_BACKFILL_ACCOUNTS)
    with op.batch_alter_table('crm_card_account', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_crm_card_account_balance', 'balance_fen >= 0')
    with op.batch_alter_table('crm_ledger_entry', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_crm_ledger_entry_balance_after', 'balance_after_fen >= 0')
        batch_op.create_index('uq_crm_ledger_entry_one_purchase_per_card', ['card_id'], unique=True,
                              sqlite_where=sa.text("kind = 'purchase'"), postgresql_where=sa.text("kind = 'purchase'"))


def downgrade() -> None:
    with op.batch_alter_table('crm_ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('uq_crm_ledger_entry_one_purchase_per_card')
        batch_op.drop_constraint('ck_crm_ledger_entry_balance_after', type_='check')
        batch_op.drop_column('balance_after_fen')
    with op.batch_alter_table('crm_card_account', schema=None) as batch_op:
        batch_op.drop_constraint('ck_crm_card_account_balance', type_='check')
        batch_op.drop_column('balance_fen')
