"""Holds by kind, dead air and their absence in continuous conversation."""

from __future__ import annotations

import numpy as np

from qa_engine.analytics import analyze_audio
from tests.analytics.conftest import near, record
from tests.analytics.synth import Call


def _metrics(call: Call, **extra):
    return analyze_audio(call.roles(), record(**extra))


def test_silent_hold_is_a_silence_hold_not_dead_air():
    call = Call(40.0)
    call.say("agent", 1.0, 4.0)
    call.say("customer", 5.5, 2.0)
    call.say("agent", 8.0, 3.0)  # 请稍等
    call.say("customer", 11.5, 1.0)  # 好的
    call.say("agent", 26.0, 4.0)  # hold 12.5-26.0
    call.say("customer", 30.5, 3.0)
    m = _metrics(call)
    assert len(m.holds) == 1
    hold = m.holds[0]
    assert hold.kind == "silence" and near(hold.start, 12.5) and near(hold.end, 26.0)
    assert m.dead_air == []


def test_noisy_absence_is_an_other_hold():
    call = Call(40.0)
    call.say("agent", 1.0, 4.0)
    rng = np.random.default_rng(3)
    call.put("agent", 6.0, (rng.standard_normal(16000 * 14) * 0.03).astype(np.float32))  # office noise, no speech
    call.say("agent", 21.0, 4.0)
    m = _metrics(call)
    assert [h.kind for h in m.holds] == ["other"]
    assert near(m.holds[0].start, 5.0) and near(m.holds[0].end, 21.0)


def test_long_customer_turn_is_not_a_hold():
    call = Call(40.0)
    call.say("agent", 1.0, 3.0)
    call.say("customer", 4.5, 16.0)
    call.say("agent", 21.0, 3.0)
    m = _metrics(call)
    assert m.holds == [] and m.dead_air == []


def test_no_hold_or_dead_air_in_continuous_speech():
    call = Call(62.0)
    t = 0.5
    for i in range(12):
        role = "agent" if i % 2 == 0 else "customer"
        call.say(role, t, 4.0)
        t += 4.6
    m = _metrics(call)
    assert m.holds == [] and m.dead_air == [] and m.overlaps == []


def test_short_absence_is_not_a_hold():
    call = Call(30.0)
    call.say("agent", 1.0, 3.0)
    call.say("agent", 12.0, 3.0)  # 8 s absence < 10 s
    m = _metrics(call)
    assert m.holds == []
    assert len(m.dead_air) == 1 and near(m.dead_air[0].duration, 8.0)


def test_ringing_and_hangup_tail_are_not_dead_air():
    call = Call(45.0)
    call.ringback("agent", 0.0, 4)  # 20 s of ringing
    call.say("agent", 20.0, 4.0)
    call.say("customer", 24.5, 3.0)
    call.busy("agent", 28.5, 10)  # agent hung up, silence after
    m = _metrics(call)
    assert m.dead_air == [] and m.rings == 4
    assert m.hangup_by == "agent" and m.hangup_source == "audio"


def test_silence_after_the_agent_asked_to_wait_is_a_hold_and_unannounced_silence_dead_air():
    from qa_engine.analytics import settle_silences
    from qa_engine.analytics.params import DEFAULT_PARAMS
    from qa_engine.types import Hold, Span

    asked = (Span(start=20.0, end=25.0), True)     # 请您稍等，我帮您查询一下，大约一分钟，可以吗？
    answered = (Span(start=60.0, end=64.0), False)  # 好的，已经帮您预订好了。
    # The customer's long acknowledgement made the audio call the first silence dead air; the
    # audio took the second silence (after "嗯" only) for a silent hold.
    holds = [Hold(start=64.5, end=80.0, kind="silence"), Hold(start=90.0, end=110.0, kind="music")]
    dead_air = [Span(start=28.0, end=52.0)]
    kept, quiet = settle_silences(holds, dead_air, [asked, answered], DEFAULT_PARAMS)
    assert [(h.start, h.end, h.kind) for h in kept] == [(28.0, 52.0, "silence"), (90.0, 110.0, "music")]
    assert [(s.start, s.end) for s in quiet] == [(64.5, 80.0)]


def test_a_short_silence_after_a_request_to_wait_stays_below_the_hold_minimum():
    from qa_engine.analytics import settle_silences
    from qa_engine.analytics.params import DEFAULT_PARAMS
    from qa_engine.types import Span

    kept, quiet = settle_silences([], [Span(start=26.0, end=32.0)], [(Span(start=20.0, end=25.0), True)], DEFAULT_PARAMS)
    assert kept == [] and [(s.start, s.end) for s in quiet] == [(26.0, 32.0)]
