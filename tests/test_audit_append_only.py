"""The audit log refuses UPDATE and DELETE in the database itself, on SQLite and PostgreSQL, whether
the schema came from the migrations or from the models (``create_all``)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel, select

from qa_engine.config import Settings
from qa_engine.storage.app_models import AuditLog
from qa_engine.storage.audit import audit
from qa_engine.storage.db import get_engine, session_scope
from qa_engine.storage.schema import import_all_models, init_db
from tests.pg_private import postgres_url  # noqa: F401 - the fixture


def _migrated(url: str) -> Settings:
    settings = Settings(database_url=url)
    init_db(settings)
    return settings


def _created(url: str) -> Settings:
    settings = Settings(database_url=url)
    import_all_models()
    SQLModel.metadata.create_all(get_engine(settings))
    return settings


@pytest.mark.parametrize("build", [_migrated, _created], ids=["migrations", "create_all"])
@pytest.mark.parametrize("database", ["sqlite", "postgres_url"])
def test_audit_rows_cannot_be_changed_or_deleted(request, tmp_path, database, build):
    url = Settings(data_dir=tmp_path).db_url if database == "sqlite" else request.getfixturevalue(database)
    settings = build(url)
    with session_scope(settings) as s:
        audit(s, username="inspector", action="review.finalise", entity="call", entity_id="C1", detail={"final_score": 88})
    for statement in ("UPDATE audit_log SET detail = '{}', username = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"):
            with session_scope(settings) as s:
                s.exec(text(statement))
    with session_scope(settings) as s:
        rows = s.exec(select(AuditLog)).all()
        assert [(r.username, r.detail) for r in rows] == [("inspector", {"final_score": 88})]
        audit(s, username="inspector", action="review.reopen", entity="call", entity_id="C1")  # adding still works
