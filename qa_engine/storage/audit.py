"""The audit log is append-only: one function adds rows, and database triggers refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL), whatever code or console tries them.

The triggers are installed by the migration ``77b9738b54f9`` and, for databases built from the models
(``create_all``, as tests and demos do), when the table is created.
"""

from __future__ import annotations

from sqlalchemy import DDL, event
from sqlmodel import Session

from qa_engine.storage.app_models import AuditLog

REFUSAL = "audit_log is append-only"

SQLITE_GUARD = [
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{op.lower()} BEFORE {op} ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {op} refused'); END"
    for op in ("UPDATE", "DELETE")
]
POSTGRES_GUARD = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    # Statement level, so TRUNCATE is refused too and an UPDATE matching no row is still an error.
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]
GUARDS = {"sqlite": SQLITE_GUARD, "postgresql": POSTGRES_GUARD}


def audit(session: Session, *, username: str, action: str, entity: str, entity_id: object,
          call_pk: int | None = None, detail: dict | None = None) -> AuditLog:
    """Append one row to the audit history (the only way rows get there)."""
    row = AuditLog(username=username, action=action, entity=entity, entity_id=str(entity_id), call_pk=call_pk,
                   detail=detail or {})
    session.add(row)
    return row


for _dialect, _statements in GUARDS.items():
    for _sql in _statements:
        # DDL formats its text with %: the PL/pgSQL placeholder must be escaped.
        event.listen(AuditLog.__table__, "after_create", DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect))
