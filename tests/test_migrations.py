"""The Alembic migrations create exactly the schema the models describe."""

from alembic import command

from qa_engine.storage.schema import alembic_config, init_db


def test_migrations_match_the_models(settings):
    init_db(settings)
    command.check(alembic_config(settings))  # raises when a model change has no migration
