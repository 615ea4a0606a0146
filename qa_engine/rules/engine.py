"""Evaluating a compiled rule set on one call, and the scorecard."""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable
from typing import NamedTuple

from qa_engine.rules.context import (CallContext, CallView, _new, _set_dict, _set_extra, _set_fields_set, _set_private,
                                     trusted_evidence, trusted_model)
from qa_engine.rules.loader import CompiledRule, RuleSet
from qa_engine.rules.operators import Env, Evaluator, Result
from qa_engine.rules.text import BoundedMemo
from qa_engine.types import Finding, Score

log = logging.getLogger(__name__)


class _Template(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_OUTCOME_FIELD = {"pass": "pass_", "fail": "fail", "n/a": "na"}
_FORMATTER = string.Formatter()


def _plain_fields(template: str) -> list[tuple[str, str | None]] | None:
    """The template as (literal, field) parts when every field is a bare name (``{detail}``), else
    None (format specs, conversions, indexing: left to ``format_map``)."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError:
        return None
    if any(f is not None and (spec or conv or not f.isidentifier()) for _, f, spec, conv in parts):
        return None
    return [(lit, f) for lit, f, _, _ in parts]


def _compile_message(rule: CompiledRule, template: str, lang: str) -> tuple:
    """(kind, data) for one message template, worked out once: 0 static text, 1 "{detail}",
    4 (prefix, suffix) around one "{detail}", 3 literal parts and field names (rule params and the
    title filled in already), 2 a template for ``format_map``. Kinds 1, 3 and 4 give exactly what
    ``format_map`` would."""
    if "{" not in template and "}" not in template:
        return 0, template.strip()  # nothing to fill in (format_map would return it unchanged)
    if template == "{detail}":
        return 1, template
    parts = _plain_fields(template)
    if parts is None:
        return 2, template
    fields = [f for _, f in parts if f is not None]
    if fields == ["detail"]:  # "prefix{detail}suffix": the commonest shape of a fail message
        (prefix, _), *rest = parts
        return 4, (prefix, "".join(lit for lit, _ in rest))
    title = rule.title_en if lang == "en" else rule.title_zh
    out = []
    for lit, field in parts:
        if field in (None, "detail") or field != "title" and field not in rule.params:
            out.append((lit, field))  # filled per call: detail, facts, or left as "{name}"
        else:  # constant for the rule (a fact of the same name would win: checked per call)
            value = title if field == "title" else rule.params[field]
            out.append((lit, (field, str(value))))
    return 3, out


def _message(rule: CompiledRule, kind: int, template, r: Result, lang: str) -> str:
    """A message of kind 2 or 3 (see ``_compile_message``); ``_run`` fills the others itself."""
    detail = (r.en if lang == "en" else r.zh) or (r.zh or r.en)
    facts = r.facts or {}
    if kind == 3:
        out = []
        for lit, field in template:
            out.append(lit)
            if field is None:
                continue
            if field == "detail":
                out.append(detail)
            elif type(field) is tuple:  # a rule param or the title
                name, value = field
                out.append(str(facts[name]) if name in facts and name != "title" else value)
            elif field in facts:
                out.append(str(facts[field]))
            else:
                out.append("{" + field + "}")
        return "".join(out).strip()
    values = _Template(rule.params)
    values.update(facts)
    values["detail"] = detail
    values["title"] = rule.title_en if lang == "en" else rule.title_zh
    try:
        return template.format_map(values).strip()
    except (ValueError, IndexError, AttributeError):
        return values["detail"]


_ALL_FINDING_FIELDS = set(Finding.model_fields)  # shared: every field is set (see _ALL_EV_FIELDS)


class _Plan(NamedTuple):
    """One rule ready to run in one language: what its findings share, worked out once."""

    rule: CompiledRule
    when: Evaluator | None
    check: Evaluator
    fields: dict  # the Finding fields that only depend on the rule (outcome, message, evidence: placeholders)
    messages: dict[str, tuple]  # outcome → _compile_message's (kind, data)


def _plans(ruleset: RuleSet, lang: str) -> list[_Plan]:
    plans = ruleset.__dict__.setdefault("_plans", {})
    out = plans.get(lang)
    if out is None:
        out = plans[lang] = [_plan(rule, lang) for rule in ruleset.rules]
    return out


def _plan(rule: CompiledRule, lang: str) -> _Plan:
    texts = rule.messages.get(lang) or rule.messages["zh"]
    messages = {o: _compile_message(rule, getattr(texts, name), lang) for o, name in _OUTCOME_FIELD.items()}
    fields = {"rule_id": rule.id, "outcome": "", "message": "", "evidence": [], "rule_version": rule.version,
              "rule_hash": rule.hash, "section": rule.section, "weight": rule.weight, "critical": rule.critical}
    return _Plan(rule, rule.when, rule.check, fields, messages)


def _run(plans: list[_Plan], view: CallView, lang: str) -> list[Finding]:
    """One finding per plan (a rule that raises yields n/a naming the error, never a crash). One loop
    for all rules with the finding built inline: three Python calls per rule less, 3 % of a call."""
    env, en, findings = Env(view), lang == "en", []
    for rule, when, check, fields, messages in plans:
        try:
            if when is not None and not (r := when(env)).value:
                r = Result(None, [], r.zh, r.en, r.facts)
            else:
                r = check(env)
        except Exception as exc:  # noqa: BLE001 - one broken rule must not lose the other findings
            log.exception("rule %s failed", rule.id)
            r = Result(None, [], f"规则执行出错：{exc!r}", f"rule error: {exc!r}")
        v = r.value
        outcome = "n/a" if v is None else ("pass" if v else "fail")
        kind, template = messages[outcome]
        if kind == 0:
            message = template
        elif kind == 4 or kind == 1:
            detail = (r.en if en else r.zh) or (r.zh or r.en)
            message = (template[0] + detail + template[1]).strip() if kind == 4 else detail.strip()
        else:
            message = _message(rule, kind, template, r, lang)
        evidence = list(r.evidence)
        if outcome == "fail" and not evidence:
            # every fail carries evidence: fall back to the whole call
            end = view.ctx.metrics.duration_s or (view.utts[-1].end if view.utts else 0.0)
            evidence = [trusted_evidence(0.0, end, r.zh or rule.title_zh)]
        d = fields.copy()  # (in Finding's field order)
        d["outcome"], d["message"], d["evidence"] = outcome, message, evidence
        f = _new(Finding)  # Finding(...) without re-validating what the engine built (see trusted_model)
        _set_dict(f, d)
        _set_fields_set(f, _ALL_FINDING_FIELDS)
        _set_extra(f, None)
        _set_private(f, None)
        findings.append(f)
    return findings


def evaluate(ruleset: RuleSet, ctx: CallContext, *, lang: str = "zh", only: Iterable[str] | None = None) -> list[Finding]:
    """Exactly one Finding per rule of the set (in scorecard order); ``lang`` 'zh' or 'en'."""
    view = CallView(ctx, ruleset.index, ruleset.transfer)
    view.en = lang != "zh"
    plans = _plans(ruleset, lang)
    if only is not None:
        wanted = set(only)
        plans = [p for p in plans if p.rule.id in wanted]
    return _run(plans, view, lang)


def _score_table(ruleset: RuleSet) -> tuple[dict[str, tuple[int, float, bool]], list[str], int]:
    """(rule id → (section number, weight, critical), the section names, how many of them the
    scorecard lists), worked out once per rule set."""
    table = ruleset.__dict__.get("_score_table")
    if table is None:
        names = list(ruleset.scorecard.sections)
        for r in ruleset.by_id.values():
            if r.section not in names:
                names.append(r.section)
        rules = {r.id: (names.index(r.section), r.weight, r.critical) for r in ruleset.by_id.values()}
        table = ruleset.__dict__["_score_table"] = (rules, names, len(ruleset.scorecard.sections))
    return table


_SCORE_FIELDS = frozenset(Score.model_fields)
# round(x, 1) of the percentages (it formats the float, a third of score_call): the weights are few,
# so the percentages a stream of calls brings repeat
_ROUNDED = BoundedMemo(lambda x: round(x, 1))


def score_call(ruleset: RuleSet, findings: list[Finding]) -> Score:
    """Weighted 0–100 score per section and in total over the applicable rules (n/a left out of the
    denominator). A failed critical rule zeroes the total. With no applicable rule the total is 100."""
    table, names, in_card = _score_table(ruleset)
    names = list(names)  # (a finding of a rule the set does not know may add its section)
    earned = [0.0] * len(names)
    possible = [0.0] * len(names)
    zeroed = []
    for f in findings:
        d = f.__dict__
        outcome = d["outcome"]
        if outcome == "n/a":
            continue
        rid = d["rule_id"]
        entry = table.get(rid)
        if entry is None:
            entry = _unknown_rule(names, earned, possible, d)
        n, weight, critical = entry
        possible[n] += weight
        if outcome == "pass":
            earned[n] += weight
        elif critical:
            zeroed.append(rid)
    sections = {names[n]: _ROUNDED[100.0 * earned[n] / possible[n]] for n in range(in_card) if possible[n]}
    total_possible = sum(possible)
    total = _ROUNDED[100.0 * sum(earned) / total_possible] if total_possible else 100.0
    if zeroed:
        total = 0.0
    return trusted_model(Score, {"total": float(total), "sections": sections, "zeroed_by": zeroed,
                                 "ruleset_version": ruleset.version}, _SCORE_FIELDS)


def _unknown_rule(names: list[str], earned: list[float], possible: list[float], d: dict) -> tuple[int, float, bool]:
    """(section number, weight, critical) of a finding whose rule the set does not know, from the
    finding itself (its section added when new)."""
    if d["section"] not in names:
        names.append(d["section"])
        earned.append(0.0)
        possible.append(0.0)
    return names.index(d["section"]), d["weight"], d["critical"]
