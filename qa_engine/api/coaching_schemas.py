"""Response models of the coaching routes (the OpenAPI schema documents what a session detail holds)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class CoachingSummary(BaseModel):
    id: int
    title: str
    target_rule: str | None = Field(None, description="the rule the session works on; its before/after is compared")
    notes: str = ""
    scheduled_on: date | None = None
    created_by: str
    created_at: datetime
    assigned: int = Field(description="agents assigned")
    completed: int = Field(description="of them, those who completed it")


class MomentPublic(BaseModel):
    id: int
    session_id: int
    call_pk: int
    call_id: str
    start: float | None = Field(None, description="seconds into the call; None: the whole call")
    end: float | None = None
    note: str = ""
    agent_id: str | None = Field(None, description="the call's agent")


class AssignmentPublic(BaseModel):
    id: int
    session_id: int
    agent_id: str
    status: str = Field(description="assigned | completed")
    completed_at: datetime | None = None
    assigned_at: datetime


class RuleStats(BaseModel):
    calls: int = Field(description="the agent's calls where the target rule applied (outcome pass or fail)")
    fails: int
    fail_rate: float | None = Field(None, description="fails / calls; None without calls")


class BeforeAfter(BaseModel):
    agent_id: str
    status: str = Field(description="the agent's assignment status")
    pivot: date = Field(description="the agent's completion day, else the session's date")
    before: RuleStats = Field(description="the 30 days before the pivot")
    after: RuleStats = Field(description="from the pivot on")
    change: float | None = Field(None, description="after − before fail rate; negative is better")


class CoachingDetail(BaseModel):
    id: int
    title: str
    target_rule: str | None = None
    notes: str = ""
    scheduled_on: date | None = None
    created_by: str
    created_at: datetime
    moments: list[MomentPublic] = Field(description="agents: the moments of their own calls only")
    assignments: list[AssignmentPublic] = Field(description="agents: their own only")
    comparison: list[BeforeAfter] = Field(description="per assigned agent; empty without a target rule (agents: their own)")
