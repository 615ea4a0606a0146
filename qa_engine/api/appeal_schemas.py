"""Request and response models of the appeal routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AppealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="why the agent thinks the finding is wrong")


class DecisionIn(BaseModel):
    decision: Literal["upheld", "overturned"] = Field(description="upheld: the finding stands; overturned: it passes")
    comment: str = Field("", max_length=2000)


class AppealPublic(BaseModel):
    id: int
    call_id: str
    finding_id: int
    rule_id: str
    rule_title_zh: str = ""
    rule_title_en: str = ""
    finding_message: str = ""
    auto_outcome: str
    agent_id: str
    reason: str
    status: Literal["pending", "upheld", "overturned"]
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str
    score_before: float | None = Field(description="final score (else suggested) before the decision")
    score_after: float | None = Field(description="final score (else suggested) after the decision")
