"""Response and request models of the API that are not tables (the XPublic side of services)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from qa_engine.storage.app_models import MIN_PASSWORD_LENGTH


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str
    username: str


class PasswordIn(BaseModel):
    """An administrator sets a user's password."""

    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=128)


class OwnPasswordIn(BaseModel):
    """A user changes their own password, proving the current one."""

    old_password: str = Field(max_length=128)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=128)


class RoleIn(BaseModel):
    role: str = Field(description="admin, supervisor, inspector, trainer or agent")
    agent_id: str | None = Field(None, max_length=32, description="needed for role agent unless the user has one")


class SearchHit(BaseModel):
    speaker: str
    start: float = Field(description="seconds from the start of the recording: where the player jumps")
    end: float
    snippet: str = Field(description="the utterance as the user may see it (PII masked for roles without pii.read), "
                                     "cut with … around the first hit when long")
    marks: list[tuple[int, int]] = Field(description="[start, end) character offsets of each hit in the snippet")


class CallListItem(BaseModel):
    call_id: str
    started_at: datetime | None
    local_date: date | None
    agent_id: str | None
    agent_name: str = Field("", description="from the agents table; empty when the agent is not listed")
    team: str = ""
    direction: str | None
    customer_number: str | None
    duration_s: float | None
    status: str
    score: float | None = Field(description="automatic score of the current analysis")
    final_score: float | None = Field(description="the inspector's score once the review is final")
    critical_failed: bool
    review_status: str
    rereview: bool = Field(False, description="a new analysis differs on a finding an inspector judged: review again")
    scoring: Literal["scored", "no_agent_speech", "unanswered", "not_scorable"] = Field(
        "scored", description="scored, or why the call has no automatic score (score is then null)")
    scoring_reason: str | None = Field(None, description="why the call is not scored, in the engine's language")
    truncated: bool = Field(False, description="the file holds less audio than its header declares (cut off)")
    declared_duration_s: float | None = Field(None, description="the duration the file header declares")
    roles_uncertain: bool = Field(False, description="mono call: who is agent and who is customer is uncertain; "
                                                     "a human should check before trusting the verdicts")
    role_confidence: float | None = Field(None, description="mono call: confidence (0–1) in the agent/customer roles")
    hits: list[SearchHit] | None = Field(None, description="with q: the first utterances that contain it")
    hit_count: int | None = Field(None, description="with q: how many utterances contain it")


class CallPage(BaseModel):
    items: list[CallListItem]
    total: int
    page: int
    page_size: int


class JobPublic(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    call_id: str | None
    error: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class VerdictIn(BaseModel):
    verdict: Literal["confirmed", "overturned"]
    comment: str = ""
    human_outcome: Literal["pass", "fail", "n/a"] | None = Field(
        default=None, description="default: the automatic outcome when confirmed, its opposite when overturned")


class VerdictPublic(BaseModel):
    id: int
    finding_id: int
    rule_id: str
    auto_outcome: str
    human_outcome: str
    verdict: str
    comment: str
    reviewer: str
    updated_at: datetime


class FinaliseIn(BaseModel):
    final_score: float | None = Field(default=None, ge=0, le=100, description="default: the suggested score")
    comment: str = ""


class ReviewPublic(BaseModel):
    call_id: str
    status: str
    auto_score: float | None
    final_score: float | None
    reviewer: str | None
    finalised_at: datetime | None
    comment: str


class AuditPublic(BaseModel):
    id: int
    at: datetime
    username: str
    action: str
    entity: str
    entity_id: str
    call_pk: int | None
    detail: dict


class AgreementRow(BaseModel):
    rule_id: str
    rule_title_zh: str = ""
    rule_title_en: str = ""
    reviewed: int
    confirmed: int
    overturned: int
    false_fail: int = Field(description="automatic fail overturned to pass")
    missed_fail: int = Field(description="automatic pass or n/a overturned")
    agreement: float | None
    trusted: bool


class ScorecardRow(BaseModel):
    agent_id: str
    agent_name: str = ""
    team: str = ""
    calls: int
    avg_score: float | None
    min_score: float | None
    critical_failed: int
    fails: dict[str, int]
    hold_total_s: float | None
    dead_air_total_s: float | None
    avg_handle_s: float | None
    rank: int | None = Field(None, description="by average score; null for an agent without a scored call")
    scored_calls: int = Field(description="calls with a score (automatic, or the human final one); averages are over these")
    no_conversation: int = Field(description="calls without a score in which the agent never spoke (no_agent_speech, unanswered)")
    not_scorable: int = Field(description="calls without a score: too few rules could be decided")


class TeamTotals(BaseModel):
    team: str | None = Field(None, description="the team's name; null for the totals over everybody")
    agents: int
    calls: int
    avg_score: float | None
    min_score: float | None
    critical_failed: int
    fails: dict[str, int]
    hold_total_s: float | None
    dead_air_total_s: float | None
    avg_handle_s: float | None
    scored_calls: int = Field(description="calls with a score (automatic, or the human final one); averages are over these")
    no_conversation: int = Field(description="calls without a score in which the agent never spoke (no_agent_speech, unanswered)")
    not_scorable: int = Field(description="calls without a score: too few rules could be decided")


class Scorecard(BaseModel):
    date_from: date
    date_to: date
    agents: list[ScorecardRow]
    teams: list[TeamTotals] = Field(default_factory=list, description="totals per team (agents table)")
    team: TeamTotals = Field(description="totals over all agents")


class TrendPoint(BaseModel):
    week: date
    agent_id: str = Field(description="'*' is the whole team")
    calls: int
    avg_score: float | None


class RuleFails(BaseModel):
    rule_id: str
    rule_title_zh: str = ""
    rule_title_en: str = ""
    fails: int


class AssignIn(BaseModel):
    agent_ids: list[str]


class CompleteIn(BaseModel):
    agent_id: str | None = Field(default=None, description="agents complete their own; staff name the agent")
