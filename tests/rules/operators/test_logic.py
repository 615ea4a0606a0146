"""qa_engine/rules/operators/logic.py: all, any, not, macro — and the compiler's errors for
expressions that are not operators."""

from __future__ import annotations

import pytest

# leaves with a known value on the default call (inbound, agent 108, no hangup_by / customer_number)
T = {"record": {"field": "direction", "eq": "inbound"}}
F = {"record": {"field": "agent_id", "eq": "999"}}
NA = {"record": {"field": "hangup_by", "eq": "agent"}}
NA2 = {"record": {"field": "customer_number", "eq": "1"}}
THANKS = [("agent", 0.5, 3.0, "谢谢您的来电")]


@pytest.mark.parametrize("op, children, value", [
    ("all", [T, NA], True),      # n/a children are skipped
    ("all", [T, F], False),      # false wins
    ("all", [F, NA], False),
    ("all", [NA, NA2], None),    # all n/a → n/a
    ("any", [F, T], True),       # true wins
    ("any", [F, NA], False),     # n/a skipped, the decided ones are false
    ("any", [NA, NA2], None),
])
def test_three_valued_logic(run, op, children, value):
    assert run({op: children}).value is value


def test_all_failing_joins_the_failing_childrens_messages_and_evidence_without_repeats(run):
    # both phrases are missing from the one agent turn: it is the evidence once, both reasons said
    r = run({"all": [T, {"phrase": {"list": "brand"}}, {"phrase": {"list": "hold_reason"}}]}, THANKS)
    assert r.value is False
    assert r.zh == "未找到酒店名称；未找到保持原因"  # the passing child is not a reason
    assert r.en == "no brand found; no hold_reason found"
    assert [e.text for e in r.evidence] == ["谢谢您的来电"]


def test_undecided_says_why_each_child_did_not_apply(run):
    r = run({"all": [NA, NA2]})
    assert r.zh == "通话记录缺少 hangup_by；通话记录缺少 customer_number"
    assert r.en == "call record has no hangup_by; call record has no customer_number"


def test_any_passing_keeps_only_the_passing_childs_evidence(run):
    r = run({"any": [{"phrase": {"list": "brand"}}, {"phrase": {"list": "thanks"}}]}, THANKS)
    assert r.value is True and r.zh == "致谢：「谢谢」"
    assert [e.text for e in r.evidence] == ["谢谢您的来电"]


def test_not_flips_and_keeps_the_forbidden_phrase_as_evidence(run):
    r = run({"not": {"phrase": {"list": "thanks"}}}, THANKS)
    assert r.value is False and "谢谢" in r.zh
    assert r.evidence[0].text == "谢谢您的来电" and r.facts["phrase"] == "谢谢"


def test_not_of_na_stays_na(run):
    r = run({"not": NA})
    assert r.value is None and "hangup_by" in r.zh


MACROS = {"direction_is": {"params": {"d": "inbound"}, "expr": {"record": {"field": "direction", "eq": "$d"}}}}


def test_macro_uses_its_own_params_unless_the_rule_overrides_them(run):
    assert run({"macro": "direction_is"}, macros=MACROS).value is True
    assert run({"macro": "direction_is"}, macros=MACROS, params={"d": "outbound"}).value is False


def test_macro_cycle_is_a_compile_error_inside_the_macro(compile_error):
    cycle = {"a": {"expr": {"macro": "b"}}, "b": {"expr": {"all": [{"macro": "a"}]}}}
    err = compile_error({"macro": "a"}, macros=cycle)
    assert err.problem == "macro 'a' uses itself"
    assert err.loc == ("macro", "b", "all", 0, "macro")


@pytest.mark.parametrize("expr, loc, problem, hint", [
    ({"macro": "direction_iss"}, ("check", "macro"), "unknown macro 'direction_iss'", "`direction_is`"),
    ({"all": [T, {"phrasse": {}}]}, ("check", "all", 1, "phrasse"), "unknown operator 'phrasse'",
     "did you mean `phrase`?"),
    ({"zzzz": {}}, ("check", "zzzz"), "unknown operator 'zzzz'", "known operators: all, any"),
    ({"all": []}, ("check", "all"), "takes a non-empty list of expressions", "- phrase"),
    ({**T, "not": F}, ("check",), "exactly one operator key", "phrase: {list: brand}"),
    ("record", ("check",), "exactly one operator key", "operators: all, any"),
])
def test_compile_errors_point_at_the_expression_and_say_how_to_fix_it(compile_error, expr, loc, problem, hint):
    err = compile_error(expr, macros=MACROS)
    assert err.loc == loc
    assert problem in err.problem and hint in err.hint
