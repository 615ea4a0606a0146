"""End-to-end analytics of a generated call whose truth is known."""

from __future__ import annotations

from qa_engine.analytics import asr_exclusions
from tests.analytics.conftest import near


def test_speech_turns_match_placement(demo_call, demo_metrics):
    for role in ("agent", "customer"):
        found = demo_metrics.speech[role]
        assert len(found) == len(demo_call.truth[role])
        for span, (start, end) in zip(found, demo_call.truth[role]):
            assert near(span.start, start) and near(span.end, end), (role, span, start, end)


def test_rings_and_answer_time(demo_metrics):
    assert demo_metrics.rings == 3 and demo_metrics.ring_source == "audio"
    assert near(demo_metrics.answer_s, 12.0)
    assert len(demo_metrics.ringback) == 3


def test_music_hold_found_with_its_boundaries(demo_metrics):
    assert len(demo_metrics.holds) == 1
    hold = demo_metrics.holds[0]
    assert hold.kind == "music" and near(hold.start, 28.5) and near(hold.end, 48.5)


def test_dead_air_only_between_answer_and_last_speech(demo_metrics):
    assert len(demo_metrics.dead_air) == 1
    gap = demo_metrics.dead_air[0]
    assert near(gap.start, 56.0) and near(gap.end, 63.0)


def test_customer_interruption(demo_metrics):
    assert len(demo_metrics.overlaps) == 1
    o = demo_metrics.overlaps[0]
    assert o.interrupter == "customer" and near(o.start, 52.0) and near(o.end, 53.0)


def test_customer_hung_up_by_disconnect_tone(demo_metrics):
    assert demo_metrics.hangup_by == "customer" and demo_metrics.hangup_source == "audio"
    assert near(demo_metrics.disconnect_tone[0].start, 71.5, 0.05)


def test_talk_time_and_level(demo_metrics):
    assert near(demo_metrics.agent.speech_s, 18.0, 0.6) and near(demo_metrics.customer.speech_s, 12.0, 0.6)
    assert near(demo_metrics.agent.talk_ratio + demo_metrics.customer.talk_ratio, 1.0, 0.001)
    assert near(demo_metrics.agent.level_dbfs, -20.0, 1.0)


def test_contract_keys(demo_metrics):
    data = demo_metrics.to_contract()
    for key in ("rings", "answer_s", "holds", "dead_air", "overlaps", "speech_rate_cpm", "level_dbfs"):
        assert key in data
    assert set(data["holds"][0]) == {"start", "end", "kind"}
    assert set(data["overlaps"][0]) == {"start", "end", "interrupter"}


def test_asr_exclusions_cover_tones_and_hold_music(demo_metrics):
    spans = asr_exclusions(demo_metrics)
    covered = lambda t: any(s.start <= t <= s.end for s in spans)  # noqa: E731
    assert covered(1.0) and covered(30.0) and covered(47.0) and covered(72.0)
    assert not covered(14.0) and not covered(20.0)
    customer_only = asr_exclusions(demo_metrics, "customer")
    assert not any(s.start <= 30.0 <= s.end for s in customer_only)  # the customer may talk over hold music
