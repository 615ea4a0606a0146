"""Pydantic schemas of the files in rules/."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
LIST_ID = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class MessageSet(Strict):
    """Message templates; ``{detail}`` is what the operators found, ``{title}`` the rule title,
    any param or fact (``{expected}``, ``{stated}``…) may be used too."""

    pass_: str = Field(alias="pass")
    fail: str
    na: str = "{detail}"


class RuleFile(Strict):
    id: str = Field(pattern=RULE_ID)
    version: str
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    standard: str = Field("", description="seed reference, e.g. 第26条1")
    description: str = ""
    section: str = Field(min_length=1, description="scorecard section (must match rules/scorecard.yaml)")
    severity: Literal["critical", "major", "minor", "info"]
    maturity: Literal["stable", "incubating", "sandbox"] = "stable"
    tags: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    when: Any = Field(None, description="applicability: n/a when it is false or undecidable")
    check: Any = Field(description="expression tree; true = pass")
    message: dict[Literal["zh", "en"], MessageSet]

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v):
        return str(v) if isinstance(v, (int, float)) else v

    @field_validator("message")
    @classmethod
    def _needs_zh(cls, v):
        if "zh" not in v:
            raise ValueError("message needs a `zh` entry (Chinese is the default language)")
        return v


class ListFile(Strict):
    id: str = Field(pattern=LIST_ID)
    title_zh: str = ""
    title_en: str = ""
    description: str = ""
    hotword: bool = Field(False, description="bias the ASR towards these phrases")
    tolerance: Literal["exact", "pinyin", "fuzzy"] = "pinyin"
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list, description="regular expressions over normalised text")
    exceptions: list[str] = Field(default_factory=list, description="a match inside one of these does not count")
    include: list[str] = Field(default_factory=list, description="other lists whose phrases this one includes")

    @field_validator("phrases", "exceptions")
    @classmethod
    def _non_empty(cls, v):
        for p in v:
            if not isinstance(p, str) or not p.strip():
                raise ValueError("phrases must be non-empty strings")
        return v


class SectionDef(Strict):
    title_en: str = ""
    rules: dict[str, float] = Field(description="rule id → weight (points)")

    @field_validator("rules")
    @classmethod
    def _weights(cls, v):
        for rule_id, w in v.items():
            if w < 0:
                raise ValueError(f"weight of {rule_id} must be ≥ 0")
        return v


class ScorecardFile(Strict):
    version: str = ""
    sections: dict[str, SectionDef]
    critical: list[str] = Field(default_factory=list, description="a fail of one of these zeroes the call")


class TransferEvents(Strict):
    list: str = "transfer_cue"
    # A customer turn with one of these phrases (你转吧) answers a transfer offer: the agent turn
    # before it announces a transfer even when the recogniser lost the agent's words. None: off.
    confirm_list: str | None = None
    merge_within_utterances: int = Field(3, ge=0)


class HoldEvents(Strict):
    # An agent turn matching one of these lists asks the customer to wait: the silence after it is
    # a hold (kind silence), not dead air.
    request_lists: list[str] = ["hold_request", "hold_lookup", "hold_time_estimate"]


class EventsDef(Strict):
    transfer: TransferEvents = TransferEvents()
    hold: HoldEvents = HoldEvents()


class RulesetFile(Strict):
    version: str
    name: str = ""
    description: str = ""
    enabled_maturity: list[Literal["stable", "incubating", "sandbox"]] = ["stable", "incubating"]
    events: EventsDef = EventsDef()

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v):
        return str(v) if isinstance(v, (int, float)) else v


class MacroDef(Strict):
    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    expr: Any


class MacrosFile(Strict):
    macros: dict[str, MacroDef]


class CaseSpec(Strict):
    name: str
    transcript: list[Any] = Field(default_factory=list, description="[speaker, start, end, text] or mappings")
    metrics: dict[str, Any] = Field(default_factory=dict)
    record: dict[str, Any] = Field(default_factory=dict)
    local_start: str | None = Field(None, description="ISO time with offset; default: record.started_at")
    audio: dict[str, float] | None = Field(
        None, description="a stand-in for the audio check (qa_engine/verify.py): a phrase tried in the checked "
        "stretch of the turn (\"\": nothing) → log-likelihood of the turn with it; phrases not listed: -50; "
        "without it the rule sees the transcript only")
    expect: dict[str, Any]


class CaseFileSpec(Strict):
    rule: str
    defaults: dict[str, Any] = Field(default_factory=dict, description="record/metrics/local_start for all cases")
    cases: list[CaseSpec] = Field(min_length=1)

