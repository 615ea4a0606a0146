"""Response model of the call detail (``GET /api/calls/{call_id}``), so the OpenAPI schema documents
what the review page reads. Free-form parts (the call record, metrics, evidence) stay dicts: their
keys are the engine's and grow with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from qa_engine.api.schemas import CallListItem
from qa_engine.storage.app_models import ManualDeductionPublic


class CallHeader(CallListItem):
    source_path: str | None = None
    record: dict[str, Any] | None = Field(None, description="the call record as ingested (caller number masked without pii.read)")
    error: str | None = Field(None, description="why the analysis failed, for failed calls")
    hangup_by: str | None = None
    legal_hold: bool = False
    purged_at: datetime | None = Field(None, description="when retention deleted the recording")


class SectionScore(BaseModel):
    section: str
    title_en: str
    score: float


class AnalysisPublic(BaseModel):
    id: int
    ruleset_version: str
    revision: int
    score: float | None
    sections: dict[str, float] = Field(description="section → score")
    section_scores: list[SectionScore] = Field(description="the sections in the scorecard's order, with English titles")
    zeroed_by: list[str] = Field(default_factory=list, description="critical rules that failed (score 0)")
    created_at: datetime


class TranscriptLine(BaseModel):
    speaker: str
    start: float
    end: float
    text: str = Field(description="PII masked without pii.read")


class VerdictInline(BaseModel):
    verdict: str = Field(description="confirmed | overturned")
    human_outcome: str | None = None
    comment: str = ""
    reviewer: str
    at: datetime


class FindingPublic(BaseModel):
    id: int
    rule_id: str
    rule_title_zh: str
    rule_title_en: str
    outcome: str = Field(description="pass | fail | n/a")
    message: str
    evidence: list[dict[str, Any]] = Field(description="start, end, speaker, text (masked without pii.read)")
    section: str
    weight: float
    critical: bool
    rule_version: str
    rule_hash: str
    verdict: VerdictInline | None = Field(None, description="the inspector's verdict, if any")


class DeductionRow(ManualDeductionPublic):
    call_pk: int


class ReviewState(BaseModel):
    status: str = Field(description="pending | in_review | final")
    analysis_id: int | None = Field(None, description="the analysis the review was finalised on")
    rereview: bool
    rereview_reasons: list[Any] = Field(default_factory=list)
    auto_score: float | None
    final_score: float | None
    suggested_score: float | None = Field(None, description="rescored after the verdicts, minus deductions")
    suggested_sections: dict[str, float] = Field(default_factory=dict, description="section scores after the verdicts")
    reviewer: str | None = None
    finalised_at: datetime | None = None
    comment: str = ""
    deductions: list[DeductionRow] = Field(default_factory=list)


class CallDetail(BaseModel):
    call: CallHeader
    analysis: AnalysisPublic | None = Field(description="the analysis shown (current unless asked otherwise)")
    analyses: list[AnalysisPublic] = Field(description="every analysis of the call, oldest first")
    transcript: list[TranscriptLine]
    metrics: dict[str, Any] = Field(description="the engine's call metrics (holds, dead air, talk ratio, …)")
    findings: list[FindingPublic]
    review: ReviewState
    crm_panel: str | None = Field(None, description="the CRM panel's URL (by call id), when the caller's number is known")
