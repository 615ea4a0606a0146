"""Table creation for the CRM until the lead's Alembic migrations take over."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from crm import models


def crm_tables() -> list:
    """The ``crm_`` tables of the shared metadata."""
    return [t for name, t in SQLModel.metadata.tables.items() if name.startswith(models.CRM_TABLE_PREFIX)]


def init_crm(engine: Engine) -> None:
    """Create the CRM tables that do not exist yet (leaves every other table alone)."""
    SQLModel.metadata.create_all(engine, tables=crm_tables())
