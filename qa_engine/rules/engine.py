"""Evaluating a compiled rule set on one call, and the scorecard."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from qa_engine.rules.compiler import Env, Result
from qa_engine.rules.context import CallContext, CallView
from qa_engine.rules.loader import CompiledRule, RuleSet
from qa_engine.types import Evidence, Finding, Score

log = logging.getLogger(__name__)

_TEMPLATE_FIELD = {"pass": "pass_", "fail": "fail", "n/a": "na"}


class _Fields(dict):
    """Template values; an unknown ``{name}`` is left as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(rule: CompiledRule, outcome: str, r: Result, lang: str) -> str:
    """The rule's message template for the outcome, filled with what the evaluator found
    (``{detail}``), the rule's title, its params and the result's facts."""
    texts = rule.messages.get(lang) or rule.messages["zh"]
    template = getattr(texts, _TEMPLATE_FIELD[outcome])
    detail = (r.en if lang == "en" else r.zh) or r.zh or r.en
    values = _Fields(rule.params)
    values.update(r.facts)
    values["detail"] = detail
    values["title"] = rule.title_en if lang == "en" else rule.title_zh
    try:
        return template.format_map(values).strip()
    except (ValueError, IndexError, AttributeError):
        return detail


def _verdict(rule: CompiledRule, env: Env) -> Result:
    """The rule's result on the call: n/a when ``when`` does not hold, never an exception (one
    broken rule must not lose the other findings: it is n/a naming the error)."""
    try:
        if rule.when is not None:
            applies = rule.when(env)
            if not applies.value:
                return Result(None, [], applies.zh, applies.en, applies.facts)
        return rule.check(env)
    except Exception as exc:
        log.exception("rule %s failed", rule.id)
        return Result(None, [], f"规则执行出错：{exc!r}", f"rule error: {exc!r}")


def finding(rule: CompiledRule, view: CallView, lang: str) -> Finding:
    r = _verdict(rule, Env(view))
    outcome = "n/a" if r.value is None else ("pass" if r.value else "fail")
    evidence = list(r.evidence)
    if outcome == "fail" and not evidence:  # every fail carries evidence: the whole call
        evidence = [Evidence(start=0.0, end=view.duration, text=r.zh or rule.title_zh)]
    return Finding(rule_id=rule.id, outcome=outcome, message=message(rule, outcome, r, lang), evidence=evidence,
                   rule_version=rule.version, rule_hash=rule.hash, section=rule.section, weight=rule.weight,
                   critical=rule.critical)


def evaluate(ruleset: RuleSet, ctx: CallContext, *, lang: str = "zh", only: Iterable[str] | None = None) -> list[Finding]:
    """Exactly one Finding per rule of the set (in scorecard order); ``lang`` 'zh' or 'en'."""
    view = CallView(ctx, ruleset.index, ruleset.transfer)
    wanted = set(only) if only is not None else None
    return [finding(rule, view, lang) for rule in ruleset.rules if wanted is None or rule.id in wanted]


def score_call(ruleset: RuleSet, findings: list[Finding]) -> Score:
    """Weighted 0–100 score per section and in total over the applicable rules (n/a left out of the
    denominator). A failed critical rule zeroes the total. With no applicable rule the total is 100."""
    earned: dict[str, float] = {}
    possible: dict[str, float] = {}
    zeroed = []
    for f in findings:
        if f.outcome == "n/a":
            continue
        rule = ruleset.by_id.get(f.rule_id)
        # a finding of a rule the set does not know is scored by its own section and weight
        section, weight, critical = (rule.section, rule.weight, rule.critical) if rule else (f.section, f.weight, f.critical)
        possible[section] = possible.get(section, 0.0) + weight
        earned[section] = earned.get(section, 0.0) + (weight if f.outcome == "pass" else 0.0)
        if f.outcome == "fail" and critical:
            zeroed.append(f.rule_id)
    sections = {name: round(100.0 * earned[name] / possible[name], 1)
                for name in ruleset.scorecard.sections if possible.get(name)}
    total_possible = sum(possible.values())
    total = round(100.0 * sum(earned.values()) / total_possible, 1) if total_possible else 100.0
    return Score(total=0.0 if zeroed else total, sections=sections, zeroed_by=zeroed, ruleset_version=ruleset.version)
