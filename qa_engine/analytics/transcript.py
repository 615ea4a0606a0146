"""Metrics that need the transcript: speech rate in Chinese characters per minute."""

from __future__ import annotations

import re

from qa_engine.analytics.spans import total
from qa_engine.types import CallMetrics, Utterance

# CJK Unified Ideographs (+ Extension A and compatibility ideographs); punctuation, digits and Latin
# letters are not counted.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


def add_transcript_metrics(metrics: CallMetrics, transcript: list[Utterance]) -> CallMetrics:
    """Set speech_rate_cpm per speaker: Chinese characters ÷ minutes of that speaker's VAD speech."""
    out = metrics.model_copy(deep=True)
    for role in ("agent", "customer"):
        chars = sum(han_count(u.text) for u in transcript if u.speaker == role)
        minutes = total(metrics.speech.get(role, [])) / 60.0
        speaker = getattr(out, role)
        speaker.speech_rate_cpm = round(chars / minutes, 1) if minutes > 0 and chars > 0 else None
    return out
