"""A private PostgreSQL database per test: other tests reset the shared one's schema at any time."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from qa_engine.config import Settings
from qa_engine.storage.db import get_engine


@pytest.fixture
def postgres_url(request):
    """The URL of a fresh database, dropped after the test; skips without QA_TEST_POSTGRES_URL."""
    base = os.environ.get("QA_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("QA_TEST_POSTGRES_URL is not set (scripts/test.sh starts PostgreSQL and sets it)")
    name = f"qa_private_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    get_engine(Settings(database_url=url)).dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()
