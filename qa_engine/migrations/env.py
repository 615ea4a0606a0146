"""Alembic environment: the target metadata is every SQLModel table of the project."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

from qa_engine.storage.schema import import_all_models
from qa_engine.storage.search_schema import is_search_table

import_all_models()
config = context.config
target_metadata = SQLModel.metadata


def include_name(name, type_, _parent_names) -> bool:
    # The transcript search index (qa_engine/storage/search.py) is made by hand: an FTS5 virtual table
    # and its shadow tables on SQLite, tsvector columns on PostgreSQL; no model describes it.
    return not (type_ == "table" and is_search_table(name))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True,
                      include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                         prefix="sqlalchemy.", poolclass=pool.NullPool)
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    # Batch mode lets SQLite (which cannot ALTER most things) follow the same migrations.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
