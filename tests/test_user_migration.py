"""The token-version migration keeps existing accounts working and dates their passwords."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from qa_engine.storage.db import get_engine
from qa_engine.storage.schema import alembic_config, init_db


def test_existing_users_get_version_0_and_their_creation_time_as_password_date(settings):
    cfg = alembic_config(settings)
    with get_engine(settings).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "4750649d4832")  # the schema before token versions
        conn.execute(text("INSERT INTO app_users (username, full_name, role, active, password_hash, created_at) "
                          "VALUES ('old', '', 'admin', 1, 'x', '2026-01-02 03:04:05')"))
    init_db(settings)
    with get_engine(settings).connect() as conn:
        row = conn.execute(text("SELECT token_version, password_changed_at FROM app_users WHERE username = 'old'")).one()
    assert row[0] == 0 and str(row[1]).startswith("2026-01-02 03:04:05")
