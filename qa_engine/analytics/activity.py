"""Who speaks when: VAD speech with tones and music taken out, and talk time per speaker."""

from __future__ import annotations

from qa_engine.analytics.params import AnalyticsParams
from qa_engine.analytics.spans import merge, subtract, total
from qa_engine.types import SpeakerMetrics, Span


def clean_speech(vad: list[Span], non_speech: list[Span], params: AnalyticsParams) -> list[Span]:
    """VAD spans minus tone bursts and music (Silero can fire on either)."""
    return subtract(merge(vad), non_speech, params.min_speech_s)


def talk_metrics(speech: dict[str, list[Span]]) -> dict[str, SpeakerMetrics]:
    """Talk time per role and each role's share of all talk time (agent + customer)."""
    times = {role: total(spans) for role, spans in speech.items()}
    all_talk = sum(times.values())
    return {
        role: SpeakerMetrics(speech_s=round(t, 3), talk_ratio=round(t / all_talk, 4) if all_talk else 0.0)
        for role, t in times.items()
    }
