"""Double talk and who started it."""

from __future__ import annotations

from qa_engine.analytics import analyze_audio
from qa_engine.analytics.overlaps import find_overlaps
from qa_engine.analytics.params import AnalyticsParams
from qa_engine.types import Span
from tests.analytics.conftest import near, record
from tests.analytics.synth import Call


def test_agent_interrupting_the_customer_is_found():
    call = Call(20.0)
    call.say("customer", 1.0, 6.0)
    call.say("agent", 5.0, 4.0)  # agent cuts in at 5.0, customer goes on to 7.0
    m = analyze_audio(call.roles(), record())
    assert len(m.overlaps) == 1
    o = m.overlaps[0]
    assert o.interrupter == "agent" and near(o.start, 5.0) and near(o.end, 7.0)


def test_overlap_interrupter_and_minimum_length():
    agent = [Span(start=0, end=5), Span(start=10, end=12)]
    customer = [Span(start=4.9, end=8), Span(start=11, end=15)]
    found = find_overlaps(agent, customer, AnalyticsParams(overlap_min_s=0.2))
    assert [(o.start, o.end, o.interrupter) for o in found] == [(11, 12, "customer")]
    found = find_overlaps(agent, customer, AnalyticsParams(overlap_min_s=0.05))
    assert [o.interrupter for o in found] == ["customer", "customer"]
    assert find_overlaps([Span(start=2, end=6)], [Span(start=0, end=9)], AnalyticsParams())[0].interrupter == "agent"
