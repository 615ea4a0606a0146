"""Schema creation and upgrades through Alembic (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

from qa_engine.config import Settings
from qa_engine.storage.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Every module that defines tables; Alembic compares the database with their union.
# (``qa_engine.storage.audit`` adds the audit log's append-only triggers to ``create_all``.)
MODEL_MODULES = ("qa_engine.storage.models", "qa_engine.storage.app_models", "qa_engine.storage.intake_models",
                 "qa_engine.storage.appeal_models", "qa_engine.storage.calibration_models", "crm.models",
                 "qa_engine.storage.audit")


def import_all_models() -> None:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def alembic_config(settings: Settings) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", settings.db_url.replace("%", "%%"))
    return cfg


def init_db(settings: Settings) -> None:
    """Bring the database schema to the newest migration (creates it on first use)."""
    cfg = alembic_config(settings)
    with get_engine(settings).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
