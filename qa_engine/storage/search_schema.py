"""The transcript search index's tables (how they are filled and read: ``qa_engine.storage.search``).

Not SQLModel models: on SQLite the index is an FTS5 virtual table (with shadow tables of its own), on
PostgreSQL a table of ``tsvector`` columns with GIN indexes. Migration ``d5f2a8c1e0b7`` creates them;
``storage/models.py`` adds them to ``create_all`` (tests, demos); Alembic's comparison skips them
(``migrations/env.py``).
"""

from __future__ import annotations

TABLE = "transcript_search"

# One row per call (rowid = calls.id). Bigrams are letters and digits only, so unicode61 keeps each whole.
SQLITE_DDL = [(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(clean, raw, redacted, "
               "tokenize='unicode61 remove_diacritics 0')")]
# One row per utterance; deleting the utterances deletes their rows.
POSTGRES_DDL = [
    (f"CREATE TABLE IF NOT EXISTS {TABLE} ("
     "utterance_id INTEGER PRIMARY KEY REFERENCES utterances(id) ON DELETE CASCADE, "
     "call_pk INTEGER NOT NULL, clean tsvector, raw tsvector, redacted tsvector)"),
    f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_call ON {TABLE} (call_pk)",
    *(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_{c} ON {TABLE} USING gin ({c})" for c in ("clean", "raw", "redacted")),
]
DDL_BY_DIALECT = {"sqlite": SQLITE_DDL, "postgresql": POSTGRES_DDL}


def is_search_table(name: str | None) -> bool:
    """The index's table or, on SQLite, one of its FTS5 shadow tables (transcript_search_data, ...)."""
    return bool(name) and (name == TABLE or name.startswith(TABLE + "_"))
