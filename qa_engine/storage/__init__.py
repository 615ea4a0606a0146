"""Persistence of analysed calls (SQLModel; SQLite by default, PostgreSQL by URL)."""
