"""Typed results passed between pipeline stages.

Every stage takes and returns these models; the engine never sees database rows. All times are
seconds from the start of the recording.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_serializer

Speaker = Literal["agent", "customer"]
Outcome = Literal["pass", "fail", "n/a"]
HoldKind = Literal["music", "silence", "other"]


class Span(BaseModel):
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


class Word(BaseModel):
    start: float
    end: float
    text: str
    probability: float = 1.0


class Utterance(BaseModel):
    speaker: Speaker
    start: float
    end: float
    text: str
    words: list[Word] = Field(default_factory=list)


class DecodedAudio(BaseModel):
    """A recording decoded to float32 in [-1, 1], shape (channels, samples), resampled to 16 kHz."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: str
    sample_rate: int
    samples: np.ndarray
    original_sample_rate: int
    codec: str = ""
    declared_duration_s: float | None = Field(None, description="what the container promises (None: unknown)")

    @property
    def n_channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / self.sample_rate

    @property
    def truncated(self) -> bool:
        """The file holds clearly less audio than its container declares (cut off while written)."""
        declared = self.declared_duration_s
        return declared is not None and declared - self.duration_s > max(1.0, 0.02 * declared)


class RoleAudio(BaseModel):
    """Audio per speaker role; ``mono`` set (and agent/customer None) for one-channel recordings."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    sample_rate: int
    agent: np.ndarray | None = None
    customer: np.ndarray | None = None
    mono: np.ndarray | None = None


class Hold(Span):
    kind: HoldKind


class Overlap(Span):
    interrupter: Speaker


class ToneBurst(Span):
    channel: str
    freq_hz: float


class SpeakerMetrics(BaseModel):
    speech_s: float = 0.0
    talk_ratio: float = 0.0
    speech_rate_cpm: float | None = None
    level_dbfs: float | None = None
    peak_dbfs: float | None = None
    clipping_ratio: float = 0.0
    pitch_median_hz: float | None = None
    pitch_range_semitones: float | None = None


class CallMetrics(BaseModel):
    """Everything measured from the audio (and transcript) of one call; see docs/METRICS.md."""

    duration_s: float
    rings: int | None = None
    ring_source: Literal["call_record", "audio", "none"] = "none"
    answer_s: float | None = None
    ringback: list[ToneBurst] = Field(default_factory=list)
    holds: list[Hold] = Field(default_factory=list)
    dead_air: list[Span] = Field(default_factory=list)
    overlaps: list[Overlap] = Field(default_factory=list)
    takeovers_without_pause: list[Span] | None = Field(
        None, description="mono only: the agent took the floor from the customer with no pause in the mix "
                          "(a possible interruption; double talk cannot be measured on one channel)")
    disconnect_tone: list[ToneBurst] = Field(default_factory=list)
    music: dict[str, list[Span]] = Field(default_factory=dict, description="hold music per channel role")
    hangup_by: Speaker | None = None
    hangup_source: Literal["call_record", "audio", "unknown"] = "unknown"
    truncated: bool = Field(False, description="the file holds less audio than its container declares")
    declared_duration_s: float | None = Field(None, description="the duration the container declares")
    speech: dict[str, list[Span]] = Field(default_factory=dict)
    agent: SpeakerMetrics = Field(default_factory=SpeakerMetrics)
    customer: SpeakerMetrics = Field(default_factory=SpeakerMetrics)
    diarization: dict | None = None

    def to_contract(self) -> dict:
        """The ``metrics`` object of ``qa-engine analyze --json`` (STANDARDS.md contract)."""
        data = self.model_dump(exclude={"speech"})
        data["speech_rate_cpm"] = {"agent": self.agent.speech_rate_cpm, "customer": self.customer.speech_rate_cpm}
        data["level_dbfs"] = {"agent": self.agent.level_dbfs, "customer": self.customer.level_dbfs}
        data["talk_time_s"] = {"agent": self.agent.speech_s, "customer": self.customer.speech_s}
        return data


class AudioCheck(BaseModel):
    """An expected phrase checked against the audio (``qa_engine/verify.py``): the log-likelihood
    of the turn with the expected phrase and with its best rival (what was heard, another
    salutation, a near number, nothing); verified when the expected one is within ``margin``."""

    part: str
    expected: str
    heard: str
    expected_score: float
    rival: str
    rival_score: float
    margin: float
    verified: bool


class Evidence(BaseModel):
    speaker: Speaker | None = None
    start: float
    end: float
    text: str = ""
    audio_check: AudioCheck | None = None

    @model_serializer(mode="wrap")
    def _without_empty_check(self, handler):
        # Only the opening rules' evidence carries an audio check: the others keep the contract's
        # four keys (speaker, start, end, text), as stored before the check existed.
        data = handler(self)
        if isinstance(data, dict) and data.get("audio_check") is None:
            data.pop("audio_check", None)
        return data


class Finding(BaseModel):
    rule_id: str
    outcome: Outcome
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    rule_version: str = ""
    rule_hash: str = ""
    section: str = ""
    weight: float = 0.0
    critical: bool = False


class Score(BaseModel):
    total: float | None = Field(description="0-100; None when the call is not scored (see CallAnalysis.scoring)")
    sections: dict[str, float] = Field(default_factory=dict)
    zeroed_by: list[str] = Field(default_factory=list)
    ruleset_version: str = ""


class CallAnalysis(BaseModel):
    """The result of analysing one call: a pure function of audio, call record, rules and models."""

    call_id: str
    source_path: str
    content_hash: str
    duration_s: float
    started_at: datetime | None = None
    call_record: dict
    transcript: list[Utterance]
    metrics: CallMetrics
    findings: list[Finding] = Field(default_factory=list)
    score: Score | None = None
    asr_model: str = ""
    scoring: Literal["scored", "no_agent_speech", "unanswered", "not_scorable"] = Field(
        "scored", description="whether the call was scored, and if not why (qa_engine/callstatus.py)")
    scoring_reason: str = ""

    def to_contract(self) -> dict:
        """The JSON object printed by ``qa-engine analyze --json``."""
        return {
            "call_id": self.call_id,
            "source_path": self.source_path,
            "duration_s": round(self.duration_s, 2),
            "score": self.score.total if self.score else None,
            "score_detail": self.score.model_dump() if self.score else None,
            "status": self.scoring,
            "status_reason": self.scoring_reason,
            "truncated": self.metrics.truncated,
            "call_record": self.call_record,
            # Speaker turns, each with its words and their times (STANDARDS.md contract).
            "transcript": [u.model_dump() for u in self.transcript],
            "metrics": self.metrics.to_contract(),
            "findings": [f.model_dump() for f in self.findings],
        }
