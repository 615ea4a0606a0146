"""qa_engine/rules/operators/events.py: no_span, for_each, event_duration, has_event."""

from __future__ import annotations

import pytest

DEAD_AIR = {"dead_air": [{"start": 10, "end": 15}, {"start": 30, "end": 42}]}


@pytest.mark.parametrize("filters, found", [
    ({"min_s": 5}, ["静音 5.0 秒", "静音 12.0 秒"]),  # at least min_s
    ({"longer_than": 5}, ["静音 12.0 秒"]),             # strictly longer
    ({"min_s": 13}, []),
])
def test_no_span_filters_by_length(run, filters, found):
    r = run({"no_span": {"source": "dead_air", **filters}}, metrics=DEAD_AIR)
    assert r.value is (not found) and [e.text for e in r.evidence] == found


def test_no_span_fail_lists_every_span(run):
    r = run({"no_span": {"source": "dead_air", "min_s": 5, "label_zh": "长时间沉默"}}, metrics=DEAD_AIR)
    assert r.zh == "2 处长时间沉默：10.0–15.0s（5.0 秒）、30.0–42.0s（12.0 秒）" and r.facts == {"count": 2}


def test_no_span_overlaps_by_interrupter_quote_their_words(run):
    overlaps = {"overlaps": [{"start": 20, "end": 21, "interrupter": "agent"},
                             {"start": 40, "end": 41, "interrupter": "customer"}]}
    turns = [("customer", 18, 22, "我想订房"), ("agent", 20.5, 23, "好的好的"), ("customer", 40.2, 42, "等一下")]
    r = run({"no_span": {"source": "overlaps", "interrupter": "agent"}}, turns, metrics=overlaps)
    assert r.value is False and r.zh == "1 处抢话：20.0–21.0s（1.0 秒）"
    assert [(e.speaker, e.text) for e in r.evidence] == [("agent", "好的好的")]


HOLD = {"holds": [{"start": 46, "end": 65, "kind": "silence"}], "dead_air": [{"start": 50, "end": 62}]}
ANNOUNCED = [("agent", 40, 45, "我帮您查询一下"), ("agent", 66, 70, "让您久等了")]
UNANNOUNCED = [("agent", 40, 45, "好的"), ("agent", 66, 70, "让您久等了")]
EXCUSED = {"source": "dead_air", "longer_than": 10, "excuse_event": "hold",
           "excuse_where": {"phrase": {"list": "hold_reason", "scope": {"before_event": 1}, "on_empty": "fail"}}}


@pytest.mark.parametrize("args, turns, value", [
    (EXCUSED, ANNOUNCED, True),     # silence inside an announced hold is excused
    (EXCUSED, UNANNOUNCED, False),  # an unannounced one is not
    ({k: v for k, v in EXCUSED.items() if k != "excuse_where"}, UNANNOUNCED, True),  # any hold excuses
    ({"source": "dead_air", "longer_than": 10}, ANNOUNCED, False),  # no excuse asked for
])
def test_no_span_excuse_event_with_excuse_where(run, args, turns, value):
    assert run({"no_span": args}, turns, metrics=HOLD).value is value


TWO_HOLDS = {"holds": [{"start": 60, "end": 130, "kind": "silence"}, {"start": 10, "end": 40, "kind": "music"}]}
MAX_60 = {"for_each": {"event": "hold", "check": {"event_duration": {"max_s": 60}}}}


def test_for_each_hold_names_the_failing_hold(run):
    r = run(MAX_60, metrics=TWO_HOLDS)
    assert r.value is False and r.facts == {"count": 1}
    assert r.zh == "第2次保持（60.0–130.0s）：时长 70.0 秒，超过 60 秒"  # holds in time order, not list order
    assert [e.text for e in r.evidence] == ["保持（silence） 60.0–130.0s"]


def test_for_each_all_passing_and_without_events(run):
    r = run(MAX_60, metrics={"holds": TWO_HOLDS["holds"][1:]})
    assert r.value is True and r.zh == "1 次保持均符合要求"
    r = run(MAX_60)
    assert r.value is None and r.zh == "通话中没有保持"


def test_for_each_undecided_for_every_event_is_na_saying_why_per_event(run):
    r = run({"for_each": {"event": "hold", "check": {"record": {"field": "hangup_by", "eq": "agent"}}}},
            metrics=TWO_HOLDS)
    assert r.value is None
    assert r.zh == "第1次保持（10.0–40.0s）：通话记录缺少 hangup_by；第2次保持（60.0–130.0s）：通话记录缺少 hangup_by"


# two transfers: announcements more than merge_within_utterances (3) agent turns apart
TRANSFERS = [("agent", 1, 3, "我帮您转接前台，可以吗"), ("customer", 3.5, 4, "可以"), ("agent", 5, 6, "a"),
             ("customer", 6.5, 7, "b"), ("agent", 8, 9, "c"), ("customer", 9.5, 10, "d"),
             ("agent", 11, 12, "我再帮您转接客房部"), ("customer", 12.5, 13, "嗯")]


def test_for_each_transfer_checks_each_transfer_and_names_the_failing_one(run):
    consent = {"phrase": {"list": "consent", "scope": {"speaker": "customer", "after_event": 1}, "on_empty": "fail"}}
    r = run({"for_each": {"event": "transfer", "check": consent}}, TRANSFERS)
    assert r.value is False and r.zh == "第2次转接（11.0–12.0s）：未找到consent"
    assert [e.text for e in r.evidence] == ["转接 11.0–12.0s", "嗯"]


def test_event_duration_outside_for_each_is_na(run):
    r = run({"event_duration": {"max_s": 60}}, metrics=TWO_HOLDS)
    assert r.value is None and "for_each" in r.zh


@pytest.mark.parametrize("duration, value", [(30, False), (45, True), (60, True), (61, False)])
def test_event_duration_min_and_max_are_inclusive(run, duration, value):
    check = {"event_duration": {"min_s": 45, "max_s": 60}}
    r = run({"for_each": {"event": "hold", "check": check}},
            metrics={"holds": [{"start": 10, "end": 10 + duration, "kind": "music"}]})
    assert r.value is value


@pytest.mark.parametrize("event, kw, value, count", [
    ("hold", {"metrics": TWO_HOLDS}, True, 2),
    ("hold", {}, False, 0),                   # no hold: false, not n/a
    ("transfer", {"transcript": TRANSFERS}, True, 2),
])
def test_has_event(run, event, kw, value, count):
    r = run({"has_event": {"event": event}}, **kw)
    assert r.value is value and len(r.evidence) == count


@pytest.mark.parametrize("expr, loc, problem", [
    ({"for_each": {"event": "call", "check": {"has_event": {"event": "hold"}}}}, ("check", "for_each", "event"),
     "for_each: Input should be 'hold' or 'transfer'"),
    ({"for_each": {"event": "hold", "check": {"phrase": {"list": "nope"}}}},
     ("check", "for_each", "check", "phrase", "list"), "unknown phrase list 'nope'"),
    ({"no_span": {"source": "dead_air", "excuse_where": {"phrase": {"lis": "x"}}}},
     ("check", "no_span", "excuse_where", "phrase", "lis"), "phrase: Extra inputs"),
    ({"no_span": {"source": "silence"}}, ("check", "no_span", "source"), "no_span:"),
    ({"event_duration": {"max_s": 0}}, ("check", "event_duration", "max_s"), "event_duration:"),
])
def test_compile_errors_name_the_operator_and_argument(compile_error, expr, loc, problem):
    err = compile_error(expr)
    assert err.loc == loc and problem in err.problem
