"""Typed results of the diarization stage (mono recordings)."""

from __future__ import annotations

from typing import Protocol, Sequence

from pydantic import BaseModel, Field

from qa_engine.types import Span, Speaker, Utterance


class Turn(BaseModel):
    """One stretch of speech by one (anonymous) speaker label, in seconds."""

    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start


class Diarization(BaseModel):
    """Who spoke when: anonymous speaker labels, turns sorted by start."""

    turns: list[Turn] = Field(default_factory=list)
    backend: str
    # How the embedded backend told the voices apart (ge2e | mfcc) and how far apart they were
    # (0–1, ge2e only; see ``ge2e.ClusterResult.separation``). None for pyannote.
    method: str | None = None
    separation: float | None = None

    @property
    def speakers(self) -> list[str]:
        """Labels in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in sorted(self.turns, key=lambda t: t.start):
            seen.setdefault(turn.speaker, None)
        return list(seen)

    def speech_s(self, speaker: str) -> float:
        return sum(t.duration for t in self.turns if t.speaker == speaker)


class RoleAssignment(BaseModel):
    """Which anonymous label is the agent, how sure we are (0–1) and why."""

    roles: dict[str, Speaker]
    agent_label: str | None
    confidence: float
    reason: str


class MonoResult(BaseModel):
    """Everything the pipeline needs from a mono call: labelled utterances, speech per role, metrics."""

    utterances: list[Utterance]
    speech: dict[str, list[Span]]
    info: dict
    diarization: Diarization
    roles: RoleAssignment


class WordLike(Protocol):
    start: float
    end: float
    text: str


class SegmentLike(Protocol):
    """What diarization needs from an ASR segment (``qa_engine.asr`` AsrSegment fits)."""

    start: float
    end: float
    text: str
    words: Sequence[WordLike]


def speaker_overlap(turns: Sequence[Turn], start: float, end: float) -> dict[str, float]:
    """Seconds of [start, end] covered by each speaker's turns."""
    share: dict[str, float] = {}
    for t in turns:
        ov = min(t.end, end) - max(t.start, start)
        if ov > 0:
            share[t.speaker] = share.get(t.speaker, 0.0) + ov
    return share


# A pause this long between two words ends a sentence (a stretch one person said).
SENTENCE_PAUSE_S = 0.3


def sentences(seg: SegmentLike, pause_s: float) -> list[tuple[float, float, list]]:
    """The segment's words split at pauses longer than ``pause_s`` (start, end, words); a segment
    without words is one sentence."""
    if not seg.words:
        return [(seg.start, seg.end, [])]
    groups: list[list] = [[seg.words[0]]]
    for word in seg.words[1:]:
        if word.start - groups[-1][-1].end > pause_s:
            groups.append([])
        groups[-1].append(word)
    return [(g[0].start, g[-1].end, g) for g in groups]
