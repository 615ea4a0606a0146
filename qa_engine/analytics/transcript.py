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
    """Set speech_rate_cpm per speaker: Chinese characters ÷ minutes of that speaker's turns (null
    when the speaker has no VAD speech or no characters).

    A turn's time includes the pauses inside it, as a listener hears the pace: VAD speech leaves
    out every pause between clauses and rated compliant agents about 10 % too fast (335 against
    302 characters per minute on dev06, 355 against 325 on set4_06)."""
    out = metrics.model_copy(deep=True)
    for role in ("agent", "customer"):
        turns = [u for u in transcript if u.speaker == role]
        chars = sum(han_count(u.text) for u in turns)
        minutes = sum(u.end - u.start for u in turns) / 60.0
        speaker = getattr(out, role)
        spoke = total(metrics.speech.get(role, [])) > 0
        speaker.speech_rate_cpm = round(chars / minutes, 1) if spoke and minutes > 0 and chars > 0 else None
    return out
