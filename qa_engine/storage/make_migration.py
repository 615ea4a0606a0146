"""Developer helper: autogenerate an Alembic revision from the models.

Usage: python -m qa_engine.storage.make_migration "message"
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from qa_engine.config import Settings
from qa_engine.storage.schema import alembic_config, init_db


def main(message: str) -> None:
    # Compare the models against a fresh database brought to the current head.
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        init_db(settings)
        command.revision(alembic_config(settings), message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "schema change")
