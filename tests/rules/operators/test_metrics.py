"""qa_engine/rules/operators/metrics.py: metric (thresholds on CallMetrics values) and rings."""

from __future__ import annotations

import pytest

RATE = {"name": "agent.speech_rate_cpm", "label_zh": "语速", "label_en": "speech rate", "unit": " 字/分钟"}
FAST = {"agent": {"speech_rate_cpm": 320.4}}
TURNS = [("agent", 1.0, 3.0, "您好"), ("customer", 4.0, 5.0, "订房"), ("agent", 6.0, 9.0, "好的")]


def test_metric_fail_says_the_value_and_the_requirement(run):
    r = run({"metric": {**RATE, "le": 300, "evidence": "agent_speech"}}, TURNS, metrics=FAST)
    assert r.value is False
    assert r.zh == "语速 320.4 字/分钟（要求 ≤ 300.0）" and r.en == "speech rate 320.4 字/分钟 (required ≤ 300.0)"
    # the evidence spans the agent's speech, first turn to last
    (e,) = r.evidence
    assert (e.speaker, e.start, e.end) == ("agent", 1.0, 9.0)


def test_metric_pass_has_no_requirement_part_and_no_evidence(run):
    r = run({"metric": {**RATE, "between": [180, 330]}}, TURNS, metrics=FAST)
    assert r.value is True and r.zh == "语速 320.4 字/分钟" and r.evidence == [] and r.facts == {"value": "320.4"}


def test_metric_between_is_described_as_a_range_and_evidence_defaults_to_the_call(run):
    r = run({"metric": {"name": "agent.speech_rate_cpm", "between": [180, 300]}}, TURNS, metrics=FAST)
    assert r.zh == "agent.speech_rate_cpm 320.4（要求 180.0–300.0）"
    assert (r.evidence[0].start, r.evidence[0].end) == (0.0, 120.0)


@pytest.mark.parametrize("name", ["agent.speech_rate_cpm", "customer.level_dbfs", "answer_s"])
def test_metric_missing_value_is_na(run, name):
    r = run({"metric": {"name": name, "le": 1}})
    assert r.value is None and r.zh == f"缺少{name}" and r.en == f"{name} is missing"


@pytest.mark.parametrize("measured, recorded, value", [
    (None, "customer", True),      # falls back to the call record
    ("agent", "customer", False),  # the measured value wins
    (None, None, None),            # neither: n/a
])
def test_metric_fallback_record(run, measured, recorded, value):
    r = run({"metric": {"name": "hangup_by", "eq": "customer", "fallback_record": "hangup_by"}},
            metrics={"hangup_by": measured}, record={"hangup_by": recorded})
    assert r.value is value


@pytest.mark.parametrize("metrics, record, value, rings, source", [
    ({"rings": 3}, {}, True, 3, "none"),
    ({"rings": 4, "answer_s": 18.0}, {}, False, 4, "none"),
    ({"rings": 1, "ring_source": "audio"}, {"ring_seconds": 30}, True, 1, "audio"),  # the metrics win
    ({}, {"ring_seconds": 10.0}, True, 2, "call_record"),   # 10 s at 5 s a ring: 2, not 3
    ({}, {"ring_seconds": 15.1}, False, 4, "call_record"),  # a started ring counts
])
def test_rings_from_metrics_else_ring_seconds(run, metrics, record, value, rings, source):
    r = run({"rings": {"max": 3}}, metrics=metrics, record=record)
    assert r.value is value and r.facts == {"rings": rings, "ring_source": source}


def test_rings_fail_points_at_the_wait_before_the_answer(run):
    r = run({"rings": {"max": 3}}, metrics={"rings": 4, "answer_s": 18.0})
    assert r.zh == "响铃 4 声，超过 3 声" and (r.evidence[0].start, r.evidence[0].end) == (0.0, 18.0)


def test_rings_cycle_is_configurable_and_unknown_rings_are_na(run):
    assert run({"rings": {"max": 3, "ring_cycle_s": 4}}, record={"ring_seconds": 13}).facts["rings"] == 4
    # 9.9 / 3.3 is 3.0000000000000004 in floating point: still 3 rings
    assert run({"rings": {"max": 3, "ring_cycle_s": 3.3}}, record={"ring_seconds": 9.9}).value is True
    r = run({"rings": {"max": 3}})
    assert r.value is None and "ring_seconds" in r.zh


@pytest.mark.parametrize("expr, loc, problem", [
    ({"metric": {"name": "agent.speed", "le": 1}}, ("check", "metric", "name"), "unknown metric 'agent.speed'"),
    ({"metric": {"name": "rings", "le": "three"}}, ("check", "metric", "le"), "metric:"),
    ({"metric": {"name": "rings", "evidence": "hold"}}, ("check", "metric", "evidence"), "metric:"),
    ({"rings": {"max": -1}}, ("check", "rings", "max"), "rings:"),
    ({"rings": {"max": 3, "ring_cycle_s": 0}}, ("check", "rings", "ring_cycle_s"), "rings:"),
])
def test_compile_errors_name_the_operator_and_argument(compile_error, expr, loc, problem):
    err = compile_error(expr)
    assert err.loc == loc and problem in err.problem
