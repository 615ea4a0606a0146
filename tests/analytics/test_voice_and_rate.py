"""Voice level, clipping, pitch and speech rate."""

from __future__ import annotations

import numpy as np
import pytest

from qa_engine.analytics import add_transcript_metrics
from qa_engine.analytics.params import AnalyticsParams
from qa_engine.analytics.transcript import han_count
from qa_engine.analytics.voice import voice_metrics
from qa_engine.types import CallMetrics, Span, Utterance
from tests.analytics.synth import SR, speech


def test_level_is_measured_over_speech_only():
    x = np.zeros(SR * 20, np.float32)
    x[SR * 2 : SR * 8] = speech(6.0, dbfs=-26.0)
    m = voice_metrics(x, [Span(start=2.0, end=8.0)], AnalyticsParams())
    assert m["level_dbfs"] == pytest.approx(-26.0, abs=0.3)
    assert m["clipping_ratio"] == 0.0 and m["peak_dbfs"] < -3


def test_clipping_ratio_counts_full_scale_samples():
    x = np.clip(speech(4.0, dbfs=-3.0) * 4, -1, 1)
    m = voice_metrics(x, [Span(start=0, end=4)], AnalyticsParams())
    assert m["clipping_ratio"] > 0.05 and m["peak_dbfs"] == pytest.approx(0.0, abs=0.01)


def test_pitch_of_a_synthetic_voice():
    t = np.arange(SR * 3) / SR
    f0 = 150 * 2 ** (2 * np.sin(2 * np.pi * 0.5 * t) / 12)  # ±2 semitones around 150 Hz
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = (sum(np.sin(k * phase) / k for k in range(1, 8)) * 0.1).astype(np.float32)
    m = voice_metrics(x, [Span(start=0, end=3)], AnalyticsParams())
    assert m["pitch_median_hz"] == pytest.approx(150, rel=0.05)
    assert 3.0 <= m["pitch_range_semitones"] <= 4.5


def test_han_count_ignores_punctuation_digits_and_latin():
    assert han_count("您好，夜郎印象酒店！我是108号, OK？") == 11


def test_speech_rate_is_characters_per_minute_of_speech():
    metrics = CallMetrics(duration_s=60, speech={"agent": [Span(start=0, end=20), Span(start=30, end=40)], "customer": []})
    transcript = [
        Utterance(speaker="agent", start=0, end=20, text="早上好，" * 25),  # 75 characters
        Utterance(speaker="agent", start=30, end=40, text="请问有什么可以帮您？" * 5),  # 45 characters
        Utterance(speaker="customer", start=21, end=25, text="喂"),
    ]
    out = add_transcript_metrics(metrics, transcript)
    assert out.agent.speech_rate_cpm == pytest.approx(240.0)  # 120 characters / 0.5 min
    assert out.customer.speech_rate_cpm is None  # no speech time measured
    assert metrics.agent.speech_rate_cpm is None  # input left untouched


def test_the_pauses_inside_a_turn_count_as_speaking_time():
    # One 20 s turn of 80 characters with a 4 s pause between its clauses: 240 per minute, not
    # 300 over the 16 s of VAD speech.
    metrics = CallMetrics(duration_s=60, speech={"agent": [Span(start=0, end=8), Span(start=12, end=20)], "customer": []})
    transcript = [Utterance(speaker="agent", start=0, end=20, text="您好请问有什么可以帮" * 8)]
    out = add_transcript_metrics(metrics, transcript)
    assert out.agent.speech_rate_cpm == pytest.approx(240.0)
