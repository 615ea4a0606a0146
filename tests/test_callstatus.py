"""When a call is scored, and what its rules say when nobody answered (qa_engine/callstatus.py)."""

from qa_engine.callstatus import conversation_status, scorable, without_conversation
from qa_engine.types import CallMetrics, Finding, Span, ToneBurst, Utterance


def finding(rule_id, outcome="pass", weight=10.0):
    return Finding(rule_id=rule_id, outcome=outcome, message="m", weight=weight)


def rings(n):
    return [ToneBurst(start=0.4 + 5 * i, end=1.4 + 5 * i, channel="left", freq_hz=450.0) for i in range(n)]


def test_an_agent_who_said_something_makes_a_conversation():
    said = [Utterance(speaker="agent", start=1.0, end=2.0, text="您好，夜郎印象")]
    assert conversation_status(said, CallMetrics(duration_s=10.0)).scoring == "scored"


def test_no_agent_words_is_no_agent_speech_or_unanswered_after_ringback():
    customer_only = [Utterance(speaker="customer", start=1.0, end=2.0, text="喂？喂？")]
    assert conversation_status(customer_only, CallMetrics(duration_s=10.0)).scoring == "no_agent_speech"
    status = conversation_status([], CallMetrics(duration_s=40.0, ringback=rings(8)))
    assert status.scoring == "unanswered" and "8 声" in status.reason
    assert "8 rings" in conversation_status([], CallMetrics(duration_s=40.0, ringback=rings(8)), "en").reason


def test_a_missed_inbound_call_fails_the_ring_rule_and_everything_else_is_na():
    metrics = CallMetrics(duration_s=40.0, ringback=rings(8))
    status = conversation_status([], metrics)
    out = without_conversation([finding("open.answer_within_3_rings"), finding("talk.dead_air")], status, metrics, "inbound")
    assert [(f.rule_id, f.outcome) for f in out] == [("open.answer_within_3_rings", "fail"), ("talk.dead_air", "n/a")]
    assert "8 声" in out[0].message and len(out[0].evidence) == 8
    assert out[1].message.startswith("不适用：无人接听")
    # Outbound: the customer did not answer; the agent's ring rule does not apply.
    outbound = without_conversation([finding("open.answer_within_3_rings")], status, metrics, "outbound")
    assert outbound[0].outcome == "n/a"


def test_a_call_is_scored_only_when_enough_of_the_weight_was_decided():
    decided = [finding("a", "pass", 30), finding("b", "fail", 30), finding("c", "n/a", 40)]
    assert scorable(decided, 0.5).scoring == "scored"
    mostly_na = [finding("a", "pass", 20), finding("c", "n/a", 80)]
    status = scorable(mostly_na, 0.5)
    assert status.scoring == "not_scorable" and "20%" in status.reason
    assert scorable([], 0.5).scoring == "not_scorable"


def test_an_agent_who_speaks_but_is_not_transcribed_is_not_an_unanswered_call():
    # A recording where the VAD hears the agent for 5.5 s after one ring but the ASR gets no
    # words (found on a synthetic voice plain faster-whisper could not understand either): the
    # call was answered, so it goes to an inspector instead of failing as a missed call.
    metrics = CallMetrics(duration_s=20.0, ringback=rings(1),
                          speech={"agent": [Span(start=2.7, end=6.0), Span(start=6.6, end=8.4)], "customer": []})
    status = conversation_status([], metrics)
    assert status.scoring == "not_scorable" and "无法转写" in status.reason and "5 秒" in status.reason
    findings = without_conversation([Finding(rule_id="open.answer_within_3_rings", outcome="pass", message="")],
                                    status, metrics, "inbound")
    assert findings[0].outcome == "n/a"
    assert conversation_status([], metrics, "en").reason.startswith("the agent speaks for 5 s")
