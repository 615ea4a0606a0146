"""The same schema and storage guarantees on PostgreSQL, the production database.

Needs a server: scripts/test.sh starts one (scripts/start_postgres.sh) and sets QA_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select

from crm import services as crm
from crm.errors import CrmError
from crm.models import LedgerEntry
from crm.demo import load_demo
from qa_engine.storage.db import get_engine, session_scope
from qa_engine.storage.models import Call, FindingRow
from qa_engine.storage.repository import store_analysis
from qa_engine.storage.schema import alembic_config, init_db
from tests.test_storage import make_analysis

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(settings):
    url = os.environ.get("QA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("QA_TEST_POSTGRES_URL is not set (scripts/test.sh starts PostgreSQL and sets it)")
    pg_settings = settings.model_copy(update={"database_url": url})
    with get_engine(pg_settings).begin() as conn:  # a clean database for every test
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    init_db(pg_settings)
    return pg_settings


def test_migrations_build_the_model_schema_on_postgres(pg):
    command.check(alembic_config(pg))


def test_storing_twice_keeps_one_copy_on_postgres(pg):
    for _ in range(2):
        with session_scope(pg) as s:
            store_analysis(s, analysis=make_analysis(), local_date=None)
    with session_scope(pg) as s:
        assert len(s.exec(select(Call)).all()) == 1
        assert len(s.exec(select(FindingRow)).all()) == 1


def test_refused_overdraft_writes_nothing_on_postgres(pg):
    with session_scope(pg) as s:
        load_demo(s)
    with session_scope(pg) as s:
        panel = crm.customer_panel(s, phone="+86 139-0000-1234")
        card_no = next(c.card_no for c in panel.cards if c.kind == "main")
        before = len(s.exec(select(LedgerEntry)).all())
    with pytest.raises(CrmError):
        with session_scope(pg) as s:
            crm.spend(s, card_no=card_no, amount_fen=10**10, category="rooms")
    with session_scope(pg) as s:
        assert len(s.exec(select(LedgerEntry)).all()) == before
