"""The watcher's memory in the database: which recordings it has taken, so each is taken once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from qa_engine.config import Settings
from qa_engine.storage.db import session_scope
from qa_engine.storage.intake_models import IntakeFile
from qa_engine.storage.models import utcnow


def seen_before(settings: Settings, path: str, size: int) -> bool:
    """True when this path at this size was handed on already (spares re-reading every file on restart)."""
    with session_scope(settings) as session:
        rows = session.exec(select(IntakeFile).where(IntakeFile.path == path, IntakeFile.size == size)).all()
        return any(row.state != "taken" for row in rows)


def claim(settings: Settings, *, content_hash: str, path: str, size: int) -> bool:
    """Take a recording: True when it is new, or was taken by a watcher that stopped before finishing it."""
    try:
        with session_scope(settings) as session:
            row = session.exec(select(IntakeFile).where(IntakeFile.content_hash == content_hash)).first()
            if row is not None:
                return row.state == "taken"
            session.add(IntakeFile(content_hash=content_hash, path=path, size=size))
            return True
    except IntegrityError:  # another watcher took it at the same moment
        return False


def settle(settings: Settings, content_hash: str, state: str) -> None:
    """Record that the recording was analysed here (``done``) or handed to the workers (``queued``)."""
    with session_scope(settings) as session:
        row = session.exec(select(IntakeFile).where(IntakeFile.content_hash == content_hash)).one()
        row.state, row.updated_at = state, utcnow()
        session.add(row)
