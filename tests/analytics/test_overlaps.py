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


def _mono_takeovers(agent_start: float) -> list[Span]:
    """A customer speaking 1.0–7.0 s and the agent from ``agent_start``, mixed on one channel,
    with the diarization's answer (every moment to one speaker, the change where the agent starts)."""
    call = Call(20.0)
    call.say("customer", 1.0, 6.0)
    call.say("agent", agent_start, 4.0)
    diarized = {"customer": [Span(start=1.0, end=min(7.0, agent_start))],
                "agent": [Span(start=agent_start, end=agent_start + 4.0)]}
    m = analyze_audio(call.mono(), record(), speech=diarized)
    assert m.overlaps == []  # one channel: double talk is invisible
    return m.takeovers_without_pause


def test_mono_agent_talking_over_the_customer_is_a_takeover_without_pause():
    found = _mono_takeovers(5.0)  # the customer goes on to 7.0
    assert len(found) == 1 and near(found[0].start, 5.0)


def test_mono_agent_answering_after_a_pause_takes_over_with_one():
    assert _mono_takeovers(7.8) == []


def test_stereo_calls_leave_takeovers_unmeasured():
    call = Call(20.0)
    call.say("customer", 1.0, 6.0)
    call.say("agent", 5.0, 4.0)
    assert analyze_audio(call.roles(), record()).takeovers_without_pause is None


def test_a_backchannel_inside_the_agents_talk_is_no_turn_to_take_over():
    from qa_engine.analytics.overlaps import takeovers_without_pause

    agent = [Span(start=1.0, end=5.0), Span(start=5.4, end=9.0)]
    customer = [Span(start=5.0, end=5.4)]  # 嗯, with no pause around it
    assert takeovers_without_pause(agent, customer, [Span(start=1.0, end=9.0)], AnalyticsParams()) == []
    customer = [Span(start=3.0, end=5.4)]  # a real turn: the agent's 5.4 start took it over
    assert len(takeovers_without_pause(agent, customer, [Span(start=1.0, end=9.0)], AnalyticsParams())) == 1


def test_a_pause_the_agent_makes_after_cutting_in_does_not_clear_the_takeover():
    from qa_engine.analytics.overlaps import takeovers_without_pause

    # The customer speaks 1.0-7.0 s; the agent cuts in at 5.0 (diarized change at 6.0), says 不是,
    # pauses 6.2-6.5 and goes on: the only silence comes after the agent began.
    agent, customer = [Span(start=6.0, end=10.0)], [Span(start=1.0, end=6.0)]
    mix = [Span(start=1.0, end=6.2), Span(start=6.5, end=10.0)]
    assert len(takeovers_without_pause(agent, customer, mix, AnalyticsParams())) == 1
    # the same turn begun out of a silence of 0.6 s passes
    mix = [Span(start=1.0, end=5.4), Span(start=6.0, end=10.0)]
    agent, customer = [Span(start=6.0, end=10.0)], [Span(start=1.0, end=5.4)]
    assert takeovers_without_pause(agent, customer, mix, AnalyticsParams()) == []


def test_an_agents_backchannel_inside_the_customers_talk_is_no_takeover():
    from qa_engine.analytics.overlaps import takeovers_without_pause

    agent, customer = [Span(start=6.0, end=6.3)], [Span(start=1.0, end=6.0), Span(start=6.3, end=9.0)]
    assert takeovers_without_pause(agent, customer, [Span(start=1.0, end=9.0)], AnalyticsParams()) == []
