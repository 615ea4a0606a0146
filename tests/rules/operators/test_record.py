"""qa_engine/rules/operators/record.py: record (with the bounds `metric` shares), switch, local_time."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("record, bounds, value", [
    ({"direction": "outbound"}, {"eq": "inbound"}, False),
    ({"direction": "outbound"}, {"ne": "inbound"}, True),
    ({"direction": "inbound"}, {"in": ["inbound", "transfer"]}, True),
    ({"direction": "outbound"}, {"in": ["inbound"]}, False),
    ({"ring_seconds": 10}, {"between": [0, 10]}, True),    # both ends included
    ({"ring_seconds": 10.5}, {"between": [0, 10]}, False),
    ({"ring_seconds": 4}, {"ge": 2, "lt": 5}, True),       # every bound must hold
    ({"ring_seconds": 5}, {"ge": 2, "lt": 5}, False),
    ({"agent_id": 108}, {"eq": "108"}, True),              # ids are text whatever the sidecar wrote
])
def test_record_bounds(run, record, bounds, value):
    (field,) = record
    r = run({"record": {"field": field, **bounds}}, record=record)
    assert r.value is value and r.zh.startswith(f"通话记录 {field} = ")


def test_record_missing_field_is_na(run):
    r = run({"record": {"field": "ring_seconds", "lt": 5}})
    assert r.value is None and (r.zh, r.en) == ("通话记录缺少 ring_seconds", "call record has no ring_seconds")


SWITCH = {"field": "direction", "cases": {"inbound": {"phrase": {"list": "thanks"}}}}
DEFAULT = {"phrase": {"list": "brand"}}


@pytest.mark.parametrize("direction, said, value", [
    ("inbound", "谢谢", True),       # the case
    ("inbound", "夜郎印象", False),  # the case, not the default
    ("outbound", "夜郎印象", True),  # the default
    ("outbound", "谢谢", False),
])
def test_switch_picks_the_case_else_the_default(run, direction, said, value):
    r = run({"switch": {**SWITCH, "default": DEFAULT}}, [("agent", 0.5, 3.0, said)], record={"direction": direction})
    assert r.value is value


def test_switch_without_a_case_or_default_is_na(run):
    r = run({"switch": SWITCH}, [("agent", 0.5, 3.0, "谢谢")], record={"direction": "outbound"})
    assert r.value is None and r.zh == "通话记录 direction = outbound，无对应检查"


def test_switch_on_a_missing_field_takes_the_default(run):
    r = run({"switch": {"field": "hangup_by", "cases": {"agent": {"not": DEFAULT}}, "default": DEFAULT}},
            [("agent", 0.5, 3.0, "夜郎印象")])
    assert r.value is True


@pytest.mark.parametrize("at, value", [("22:00", True), ("23:59", True), ("05:59", True), ("06:00", False),
                                       ("21:59", False), ("12:00", False)])
def test_local_time_window_wraps_midnight(run, at, value):
    r = run({"local_time": {"from": "22:00", "to": "06:00"}}, local_start=at)
    assert r.value is value and r.zh == f"开始时间 {at}"


def test_local_time_falls_back_to_the_record_start_and_is_na_without_one(run):
    night = {"local_time": {"from": "22:00", "to": "06:00"}}
    assert run(night, record={"started_at": "2026-11-20T23:10:00+08:00"}).value is True
    assert run(night, record={"started_at": "2026-11-20T23:10:00+08:00"}, local_start="12:00").value is False
    r = run(night)
    assert r.value is None and r.zh == "缺少通话开始时间"


@pytest.mark.parametrize("expr, loc, problem", [
    ({"record": {"field": "dirction", "eq": "inbound"}}, ("check", "record", "field"), "unknown call-record field"),
    ({"record": {"field": "direction", "eqq": "inbound"}}, ("check", "record", "eqq"), "record: Extra inputs"),
    ({"record": {"field": "ring_seconds", "between": [1]}}, ("check", "record", "between", 1), "record:"),
    ({"switch": {"field": "dir", "cases": {}}}, ("check", "switch", "field"), "unknown call-record field 'dir'"),
    ({"switch": {"field": "direction", "cases": {"inbound": {"phrase": {"list": "nope"}}}}},
     ("check", "switch", "cases", "inbound", "phrase", "list"), "unknown phrase list 'nope'"),
    ({"local_time": {"from": "9", "to": "10:00"}}, ("check", "local_time", "from"), "local_time:"),
])
def test_compile_errors_name_the_operator_and_argument(compile_error, expr, loc, problem):
    err = compile_error(expr)
    assert err.loc == loc and problem in err.problem


@pytest.mark.parametrize("expr", [{"record": {"field": "direction", "inn": []}}, {"local_time": {"frm": "1:00"}}])
def test_argument_hint_lists_the_keys_to_write(compile_error, expr):
    hint = compile_error(expr).hint
    assert "in_" not in hint and "from_" not in hint
