"""Calibration sessions: several inspectors score the same calls' findings blind, and a report
compares them with each other and with the automatic outcomes.

A session fixes each call's analysis when it is created, so later re-analysis does not change what
was calibrated. Answers are the inspector's own until they submit; then they are frozen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from qa_engine.storage.models import utcnow


class CalibrationSession(SQLModel, table=True):
    __tablename__ = "calibration_sessions"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class CalibrationCall(SQLModel, table=True):
    __tablename__ = "calibration_calls"
    __table_args__ = (UniqueConstraint("session_id", "call_pk", name="uq_calibration_call"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="calibration_sessions.id", index=True, ondelete="CASCADE")
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")
    analysis_id: int = Field(foreign_key="analyses.id", ondelete="CASCADE")


class CalibrationInspector(SQLModel, table=True):
    __tablename__ = "calibration_inspectors"
    __table_args__ = (UniqueConstraint("session_id", "username", name="uq_calibration_inspector"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="calibration_sessions.id", index=True, ondelete="CASCADE")
    username: str = Field(max_length=64, index=True)
    submitted_at: datetime | None = None


class CalibrationAnswer(SQLModel, table=True):
    """One inspector's outcome for one finding of a session's call."""

    __tablename__ = "calibration_answers"
    __table_args__ = (UniqueConstraint("session_id", "finding_id", "username", name="uq_calibration_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="calibration_sessions.id", index=True, ondelete="CASCADE")
    call_pk: int = Field(foreign_key="calls.id", ondelete="CASCADE")
    finding_id: int = Field(foreign_key="findings.id", ondelete="CASCADE")
    rule_id: str = Field(max_length=64)
    auto_outcome: str = Field(max_length=8)
    username: str = Field(max_length=64)
    outcome: str = Field(max_length=8, description="pass | fail | n/a")
    comment: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
