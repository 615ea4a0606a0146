"""transcript search index (FTS5 on SQLite, bigram tsvectors on PostgreSQL), filled from stored transcripts

Revision ID: d5f2a8c1e0b7
Revises: 4fa954b445de
Create Date: 2026-12-04 19:30:00
"""
from alembic import op

from qa_engine.storage import search
from qa_engine.storage.search_schema import DDL_BY_DIALECT, TABLE

revision = 'd5f2a8c1e0b7'
down_revision = '4fa954b445de'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for statement in DDL_BY_DIALECT[bind.dialect.name]:
        op.execute(statement)
    search.rebuild(bind)  # the calls stored before this revision become searchable at once


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
