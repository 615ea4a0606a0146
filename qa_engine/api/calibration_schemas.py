"""Request and response models of the calibration routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class CalibrationIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    call_ids: list[str] = Field(min_length=1, max_length=50)
    inspectors: list[str] = Field(min_length=2, max_length=20, description="user names of 2+ active reviewers")


class InspectorState(BaseModel):
    username: str
    submitted_at: datetime | None


class CalibrationSessionPublic(BaseModel):
    id: int
    title: str
    created_by: str
    created_at: datetime
    call_ids: list[str]
    inspectors: list[InspectorState]


class BlindFinding(BaseModel):
    """A finding as a calibrating inspector sees it: the rule only, and their own answer."""

    finding_id: int
    rule_id: str
    rule_title_zh: str = ""
    rule_title_en: str = ""
    section: str
    critical: bool
    outcome: Literal["pass", "fail", "n/a"] | None = Field(description="the inspector's own answer, null: none yet")
    comment: str = ""


class BlindCall(BaseModel):
    call_id: str
    agent_id: str | None
    started_at: datetime | None
    findings: list[BlindFinding]


class Assignment(CalibrationSessionPublic):
    submitted_at: datetime | None
    answered: int
    total: int
    calls: list[BlindCall]


class AnswerIn(BaseModel):
    finding_id: int = Field(ge=1, le=2**31 - 1)
    outcome: Literal["pass", "fail", "n/a"]
    comment: str = Field("", max_length=1000)


class AnswersIn(BaseModel):
    answers: list[AnswerIn] = Field(min_length=1, max_length=500)


class AgreementStats(BaseModel):
    answers: int
    pairs: int = Field(description="pairs of inspectors who answered the same finding")
    auto_agreement: float | None = Field(description="share of answers equal to the automatic outcome")
    peer_agreement: float | None = Field(description="share of inspector pairs giving the same outcome")


class RuleStats(AgreementStats):
    rule_id: str
    rule_title_zh: str = ""
    rule_title_en: str = ""


class InspectorStats(AgreementStats):
    username: str
    drift: bool
    drift_rules: list[str] = Field(description="rules where the inspector agrees with the others clearly less than all do")


class CellStats(RuleStats):
    username: str
    drift: bool


class OverallStats(AgreementStats):
    inspectors: int
    findings: int


class CalibrationReport(CalibrationSessionPublic):
    pending: list[str] = Field(description="inspectors who have not submitted (their drafts are not counted)")
    overall: OverallStats
    rules: list[RuleStats]
    inspector_stats: list[InspectorStats]
    cells: list[CellStats]
    drift_margin: float
