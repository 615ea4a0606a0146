"""Tables for analysed calls. JSON columns hold nested evidence; the columns that lists and
scorecards filter on are plain, indexed columns."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import DDL, JSON, Column, Index, UniqueConstraint, event, false
from sqlmodel import Field, SQLModel

from qa_engine.storage.search_schema import DDL_BY_DIALECT


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Agent(SQLModel, table=True):
    __tablename__ = "agents"

    agent_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=64)
    team: str = Field(default="", max_length=64, index=True)
    active: bool = True


class Call(SQLModel, table=True):
    """One recording. ``status`` is ``analysed`` or ``failed`` (then ``error`` says why)."""

    __tablename__ = "calls"
    # The call list filters by agent and day and joins the current analysis's findings.
    __table_args__ = (Index("ix_calls_agent_date", "agent_id", "local_date"),
                      Index("ix_calls_current_analysis", "current_analysis_id"))

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(index=True, unique=True, max_length=128)
    content_hash: str = Field(index=True, unique=True, max_length=64)
    source_path: str = Field(max_length=1024)
    status: str = Field(default="analysed", index=True, max_length=16)
    error: str | None = None
    direction: str | None = Field(default=None, index=True, max_length=16)
    agent_id: str | None = Field(default=None, index=True, max_length=32)
    agent_channel: str | None = Field(default=None, max_length=8)
    customer_number: str | None = Field(default=None, index=True, max_length=32)
    started_at: datetime | None = None
    local_date: date | None = Field(default=None, index=True)
    ring_seconds: float | None = None
    hangup_by: str | None = Field(default=None, max_length=16)
    duration_s: float | None = None
    asr_model: str | None = Field(default=None, max_length=256)
    score: float | None = Field(default=None, index=True)
    # scored | no_agent_speech | unanswered | not_scorable (qa_engine/callstatus.py): an unscored
    # call has score None, stays out of averages and is counted apart.
    scoring: str = Field(default="scored", index=True, max_length=16)
    scoring_reason: str | None = None
    critical_failed: bool = Field(default=False, index=True)
    review_status: str = Field(default="pending", index=True, max_length=16)
    # Set when a new analysis differs on a finding an inspector judged (qa_engine/storage/rereview.py);
    # cleared when the review is finalised again. The reasons list the findings that changed.
    rereview: bool = Field(default=False, index=True, sa_column_kwargs={"server_default": false()})
    rereview_reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    current_analysis_id: int | None = None
    # Retention (qa_engine/retention.py): a call on legal hold is never purged; a purged call keeps
    # its row, scores and verdicts but has lost its recording and transcript.
    legal_hold: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    purged_at: datetime | None = None
    record: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class UtteranceRow(SQLModel, table=True):
    __tablename__ = "utterances"

    id: int | None = Field(default=None, primary_key=True)
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")
    idx: int
    speaker: str = Field(max_length=16)
    start: float
    end: float
    text: str
    words: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class MetricsRow(SQLModel, table=True):
    """Headline metrics as columns (for scorecards) plus the full metrics object as JSON."""

    __tablename__ = "metrics"

    call_pk: int = Field(foreign_key="calls.id", primary_key=True, ondelete="CASCADE")
    rings: int | None = None
    answer_s: float | None = None
    hold_count: int = 0
    hold_total_s: float = 0.0
    hold_max_s: float = 0.0
    dead_air_total_s: float = 0.0
    agent_interruptions: int = 0
    agent_talk_s: float = 0.0
    customer_talk_s: float = 0.0
    agent_speech_rate_cpm: float | None = None
    agent_level_dbfs: float | None = None
    hangup_by: str | None = Field(default=None, max_length=16)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Analysis(SQLModel, table=True):
    """One scoring of a call with one ruleset version; re-analysis adds a row, old ones stay.

    Re-analysis with the same ruleset replaces that version's row only while no inspector has judged
    it; a judged analysis is kept with its verdicts and the new one gets the next ``revision``.
    """

    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("call_pk", "ruleset_version", "revision", name="uq_analysis_call_ruleset_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")
    ruleset_version: str = Field(max_length=64)
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    score: float | None = None
    sections: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    zeroed_by: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class FindingRow(SQLModel, table=True):
    __tablename__ = "findings"
    # "calls where rule X failed" is answered from this index alone.
    __table_args__ = (Index("ix_findings_rule_outcome_analysis", "rule_id", "outcome", "analysis_id"),)

    id: int | None = Field(default=None, primary_key=True)
    analysis_id: int = Field(foreign_key="analyses.id", index=True, ondelete="CASCADE")
    call_pk: int = Field(foreign_key="calls.id", index=True, ondelete="CASCADE")
    rule_id: str = Field(index=True, max_length=64)
    outcome: str = Field(index=True, max_length=8)
    message: str = ""
    evidence: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rule_version: str = Field(default="", max_length=32)
    rule_hash: str = Field(default="", max_length=64)
    section: str = Field(default="", max_length=32)
    weight: float = 0.0
    critical: bool = False


# The transcript search index (storage/search_schema.py) comes with the utterances it indexes.
for _dialect, _statements in DDL_BY_DIALECT.items():
    for _sql in _statements:
        event.listen(UtteranceRow.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))
