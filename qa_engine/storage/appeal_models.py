"""Appeals: an agent disputes a failed finding of their own call; an inspector or supervisor decides.

An overturned appeal becomes the finding's ``FindingVerdict`` (overturned), so the suggested and final
scores and the agreement statistics follow it like any inspector's verdict; the appeal row keeps the
agent's reason, the decision and the scores before and after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from qa_engine.storage.models import utcnow

APPEAL_STATUSES = ("pending", "upheld", "overturned")


class Appeal(SQLModel, table=True):
    __tablename__ = "appeals"
    # One appeal per finding: a decided appeal is not argued again.
    __table_args__ = (UniqueConstraint("finding_id", name="uq_appeal_finding"),)

    id: int | None = Field(default=None, primary_key=True)
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")
    finding_id: int = Field(foreign_key="findings.id", ondelete="CASCADE")
    analysis_id: int = Field(foreign_key="analyses.id", ondelete="CASCADE")
    rule_id: str = Field(max_length=64)
    agent_id: str = Field(max_length=32, index=True)
    reason: str
    status: str = Field(default="pending", max_length=16, index=True, description="pending | upheld | overturned")
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = None
    decision_comment: str = ""
    score_before: float | None = Field(default=None, description="final (else suggested) score before the decision")
    score_after: float | None = None
