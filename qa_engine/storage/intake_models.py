"""What ``qa-engine watch`` has taken (qa_engine/intake/watch.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from qa_engine.storage.models import utcnow


class IntakeFile(SQLModel, table=True):
    """A recording the watcher has taken, so that it is taken once, across restarts.

    ``state``: ``taken`` (being analysed by the watcher itself), ``queued`` (sent to the workers) or
    ``done``. The outcome (analysed or failed, and why) is the call row with the same content hash."""

    __tablename__ = "intake_files"

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(index=True, unique=True, max_length=64)
    path: str = Field(index=True, max_length=1024)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    state: str = Field(default="taken", max_length=16)
    taken_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
