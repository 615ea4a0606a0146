"""Tables of the service: users, human review, audit history, coaching and upload jobs.

They live on the shared ``SQLModel.metadata`` next to ``qa_engine.storage.models`` and ``crm.models``;
Alembic builds its migrations from the union. Families follow the full-stack-fastapi-template style:
``XBase`` (shared fields), ``XCreate`` (input), ``X(table=True)`` (row), ``XPublic`` (output).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from qa_engine.storage.models import utcnow

ROLES = ("admin", "supervisor", "inspector", "trainer", "agent")
MIN_PASSWORD_LENGTH = 10


# --- users -----------------------------------------------------------------------------------
class UserBase(SQLModel):
    username: str = Field(index=True, unique=True, max_length=64)
    full_name: str = Field(default="", max_length=64)
    role: str = Field(default="inspector", max_length=16)
    agent_id: str | None = Field(default=None, index=True, max_length=32, description="set for role 'agent'")
    active: bool = True


class UserCreate(UserBase):
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=128)


class User(UserBase, table=True):
    __tablename__ = "app_users"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)
    # Signed into every token; raised by a password, role or active change, so older tokens and
    # dashboard sessions stop working at once.
    token_version: int = Field(default=0)


class UserPublic(UserBase):
    """A user as the API shows it: never the password hash or the token version."""

    id: int
    created_at: datetime
    password_changed_at: datetime


# --- review ----------------------------------------------------------------------------------
class Review(SQLModel, table=True):
    """The human side of one call's scoring; the automatic score stays on the analysis row."""

    __tablename__ = "reviews"

    call_pk: int = Field(foreign_key="calls.id", primary_key=True, ondelete="CASCADE")
    analysis_id: int | None = Field(default=None, foreign_key="analyses.id", ondelete="SET NULL")
    status: str = Field(default="in_review", index=True, max_length=16, description="in_review | final")
    auto_score: float | None = None
    final_score: float | None = Field(default=None, index=True)
    comment: str = ""
    reviewer: str | None = Field(default=None, max_length=64)
    finalised_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class FindingVerdict(SQLModel, table=True):
    """An inspector's verdict on one automatic finding: confirmed or overturned, with a comment."""

    __tablename__ = "finding_verdicts"
    __table_args__ = (
        UniqueConstraint("finding_id", name="uq_verdict_finding"),
        Index("ix_verdict_rule_verdict", "rule_id", "verdict"),
    )

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="findings.id", ondelete="CASCADE")
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")
    rule_id: str = Field(max_length=64)
    auto_outcome: str = Field(max_length=8)
    human_outcome: str = Field(max_length=8)
    verdict: str = Field(max_length=16, description="confirmed | overturned")
    comment: str = ""
    reviewer: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ManualDeductionBase(SQLModel):
    points: float = Field(gt=0, le=100)
    reason: str = Field(min_length=1, max_length=500)
    rule_id: str | None = Field(default=None, max_length=64)
    start: float | None = Field(default=None, ge=0, description="moment in the recording, seconds")
    end: float | None = Field(default=None, ge=0)


class ManualDeductionCreate(ManualDeductionBase):
    pass


class ManualDeduction(ManualDeductionBase, table=True):
    __tablename__ = "manual_deductions"

    id: int | None = Field(default=None, primary_key=True)
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ManualDeductionPublic(ManualDeductionBase):
    id: int
    created_by: str
    created_at: datetime


class AuditLog(SQLModel, table=True):
    """Who changed what, when. Rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    username: str = Field(max_length=64, index=True)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    call_pk: int | None = Field(default=None, index=True)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# --- coaching --------------------------------------------------------------------------------
class CoachingSessionBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    target_rule: str | None = Field(default=None, max_length=64, index=True)
    notes: str = ""
    scheduled_on: date | None = None


class CoachingSession(CoachingSessionBase, table=True):
    __tablename__ = "coaching_sessions"

    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class CoachingMomentBase(SQLModel):
    call_id: str = Field(max_length=128)
    start: float | None = Field(default=None, ge=0, description="None: the whole call")
    end: float | None = Field(default=None, ge=0)
    note: str = ""


class CoachingMoment(CoachingMomentBase, table=True):
    __tablename__ = "coaching_moments"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="coaching_sessions.id", index=True, ondelete="CASCADE")
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")


class CoachingAssignment(SQLModel, table=True):
    __tablename__ = "coaching_assignments"
    __table_args__ = (UniqueConstraint("session_id", "agent_id", name="uq_assignment_session_agent"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="coaching_sessions.id", index=True, ondelete="CASCADE")
    agent_id: str = Field(max_length=32, index=True)
    status: str = Field(default="assigned", max_length=16, description="assigned | completed")
    completed_at: datetime | None = None
    assigned_at: datetime = Field(default_factory=utcnow)


# --- uploads ---------------------------------------------------------------------------------
class UploadJob(SQLModel, table=True):
    """A recording uploaded (or a call re-analysed) and analysed in the background."""

    __tablename__ = "upload_jobs"

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(default="upload", max_length=16, description="upload | reanalyse")
    status: str = Field(default="queued", index=True, max_length=16, description="queued | running | done | failed")
    path: str = Field(max_length=1024)
    call_id: str | None = Field(default=None, max_length=128)
    error: str | None = None
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
