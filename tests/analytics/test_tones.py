"""Ringback and disconnect tones by frequency and cadence; ring counts."""

from __future__ import annotations

import numpy as np
import pytest

from qa_engine.analytics.frames import compute_frames
from qa_engine.analytics.params import AnalyticsParams
from qa_engine.analytics.tones import count_rings, detect_tones, rings_from_call_record
from tests.analytics.conftest import near
from tests.analytics.synth import Call

P = AnalyticsParams()


def _tones(call: Call, role: str = "agent"):
    x = call.channels[role]
    return detect_tones(x, compute_frames(x), role, P)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 6])
def test_china_ringback_bursts_are_counted_exactly(count):
    call = Call(35.0, noise_dbfs=-50)
    call.ringback("agent", 0.8, count)
    ringback, disconnect = _tones(call)
    assert len(ringback) == count and disconnect == []
    for i, burst in enumerate(ringback):
        assert near(burst.start, 0.8 + 5 * i, 0.05) and near(burst.end, 1.8 + 5 * i, 0.05)
        assert burst.freq_hz == pytest.approx(450, abs=2)


def test_rings_before_the_answer_only():
    call = Call(30.0)
    call.ringback("agent", 0.0, 5)  # 0, 5, 10, 15, 20
    ringback, _ = _tones(call)
    assert count_rings(ringback, answer_s=11.6) == 3
    assert count_rings(ringback, answer_s=None) == 5


def test_ring_cut_short_by_the_answer_still_counts():
    call = Call(12.0)
    call.ringback("agent", 0.5, 1)
    from tests.analytics.synth import tone

    call.put("agent", 5.5, tone((450.0,), 0.45))  # second ring interrupted after 0.45 s
    ringback, _ = _tones(call)
    assert count_rings(ringback, answer_s=6.2) == 2


def test_north_american_ringback_is_recognised_by_its_two_frequencies():
    call = Call(20.0)
    call.ringback("agent", 1.0, 3, on=2.0, off=4.0, freqs=(440.0, 480.0))
    ringback, disconnect = _tones(call)
    assert len(ringback) == 3 and disconnect == []
    assert all(near(b.end - b.start, 2.0, 0.1) for b in ringback)


def test_busy_tone_is_disconnect_not_ringback():
    call = Call(12.0)
    call.busy("customer", 2.0, 8)
    ringback, disconnect = _tones(call, "customer")
    assert ringback == [] and len(disconnect) == 8
    assert near(disconnect[0].start, 2.0, 0.05) and all(b.channel == "customer" for b in disconnect)


def test_north_american_busy_tone_is_disconnect():
    call = Call(12.0)
    call.busy("customer", 1.0, 6, on=0.5, off=0.5, freqs=(480.0, 620.0))
    ringback, disconnect = _tones(call, "customer")
    assert ringback == [] and len(disconnect) == 6


def test_other_tones_are_ignored():
    call = Call(12.0)
    call.ringback("agent", 1.0, 2, freqs=(1000.0,))  # a 1 kHz beep with ring cadence
    assert _tones(call) == ([], [])


def test_speech_and_music_are_not_tones():
    call = Call(30.0)
    call.say("agent", 1.0, 12.0)
    call.music("agent", 14.0, 15.0)
    assert _tones(call) == ([], [])


@pytest.mark.parametrize(("ring_seconds", "rings"), [(0.0, 0), (3.0, 1), (5.0, 1), (7.5, 2), (15.0, 3), (15.1, 4)])
def test_rings_from_call_record_count_started_ring_cycles(ring_seconds, rings):
    assert rings_from_call_record(ring_seconds, P) == rings
