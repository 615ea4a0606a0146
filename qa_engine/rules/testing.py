"""Rule unit tests kept beside the rules (``rules/<rule id>.test.yaml``), Semgrep/Prometheus style:
each case gives a small transcript, metrics and call record and the expected finding. The format is
in rules/README.md ("Test files").

``expect`` keys: ``outcome`` (pass | fail | n/a, required), ``message_contains`` / ``message_en_contains``
(text or list), ``evidence_count``, ``evidence`` (each item must match some evidence entry on the
given keys: speaker, start, end (±0.05 s), text_contains, audio_check (the keys given, e.g.
``{part: thanks, verified: true}``)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from qa_engine.callrecord import CallRecord
from qa_engine.config import Settings
from qa_engine.rules.context import CallContext
from qa_engine.rules.engine import evaluate
from qa_engine.rules.errors import RuleError
from qa_engine.rules.files import line_of, validated
from qa_engine.rules.loader import RuleSet, rule_test_files
from qa_engine.rules.schema import CaseFileSpec, CaseSpec
from qa_engine.turns import build_turns
from qa_engine.types import CallMetrics, Finding, Utterance
from qa_engine.verify import SAMPLE_RATE, AudioVerifier

_EXPECT_KEYS = {"outcome", "message_contains", "message_en_contains", "evidence_count", "evidence"}


@dataclass
class CaseResult:
    file: str
    line: int | None
    rule: str
    name: str
    problems: list[str] = field(default_factory=list)
    finding: Finding | None = None
    expected: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        status = "ok" if self.ok else "FAILED"
        text = f"{where}: [{self.rule}] {self.name}: {status}"
        return text + "".join(f"\n    - {p}" for p in self.problems)


def _utterance(row: Any) -> Utterance:
    if isinstance(row, (list, tuple)):
        speaker, start, end, text = row
        return Utterance(speaker=speaker, start=float(start), end=float(end), text=str(text))
    return Utterance.model_validate(row)


def build_context(case: CaseSpec, defaults: dict) -> CallContext:
    """The CallContext of one test case (defaults merged under the case's own values).

    The case's transcript rows become speaker turns as the pipeline's fragments do, so a case
    written as pause fragments is judged like the same words written as whole turns."""
    transcript = build_turns(_utterance(r) for r in case.transcript)
    record = {"call_id": "TEST", "direction": "inbound", "agent_channel": "left",
              **defaults.get("record", {}), **case.record}
    metrics = {**defaults.get("metrics", {}), **case.metrics}
    metrics.setdefault("duration_s", max((u.end for u in transcript), default=0.0) + 1.0)
    start = case.local_start or defaults.get("local_start")
    return CallContext(
        transcript=transcript,
        metrics=CallMetrics.model_validate(metrics),
        record=CallRecord.model_validate(record),
        local_start=datetime.fromisoformat(start) if isinstance(start, str) else start,
        verifier=_fake_verifier(case.audio),
    )


class PhraseScorer:
    """A fake of ``WhisperScorer`` for rule tests, whatever the audio: each text scores the case's
    ``audio`` value of the phrase the verifier built it around ("" = nothing in its place);
    phrases not listed score -50. {"一零八": -0.4, "一次八": -3.1} says the audio supports 一零八
    better than what was heard; {"": -1, "一零八": -9} says the agent said no number."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def score(self, audio, texts, phrases=()):
        return [self.scores.get(p, -50.0) for p in phrases]


def _fake_verifier(scores: dict[str, float] | None) -> AudioVerifier | None:
    if scores is None:
        return None
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    defaults = Settings.model_fields
    return AudioVerifier(PhraseScorer(scores), {"agent": silence, "customer": silence},
                         margin=defaults["verify_margin"].default,
                         alternative_margin=defaults["verify_alternative_margin"].default)


def _as_list(v: Any) -> list[str]:
    return [str(x) for x in (v if isinstance(v, list) else [v])]


def check_finding(finding: Finding, en: Finding | None, expect: dict) -> list[str]:
    """Problems with a finding against an ``expect`` mapping (empty list: as expected)."""
    problems = []
    unknown = set(expect) - _EXPECT_KEYS
    if unknown:
        problems.append(f"unknown expect key(s): {', '.join(sorted(unknown))}")
    if finding.outcome != expect.get("outcome"):
        problems.append(f"outcome {finding.outcome!r}, expected {expect.get('outcome')!r} — message: {finding.message}")
    for text in _as_list(expect.get("message_contains", [])):
        if text not in finding.message:
            problems.append(f"message {finding.message!r} lacks {text!r}")
    for text in _as_list(expect.get("message_en_contains", [])):
        if en is None or text not in en.message:
            problems.append(f"English message {en.message if en else ''!r} lacks {text!r}")
    if "evidence_count" in expect and len(finding.evidence) != expect["evidence_count"]:
        problems.append(f"{len(finding.evidence)} evidence item(s), expected {expect['evidence_count']}")
    if finding.outcome == "fail" and not finding.evidence:
        problems.append("a fail without evidence")
    for want in expect.get("evidence", []) or []:
        if not any(_evidence_matches(e.model_dump(), want) for e in finding.evidence):
            got = [(e.speaker, e.start, e.end, e.text) for e in finding.evidence]
            problems.append(f"no evidence matches {want}; evidence: {got}")
    return problems


def _evidence_matches(e: dict, want: dict) -> bool:
    for key, value in want.items():
        if key == "text_contains":
            if str(value) not in e["text"]:
                return False
        elif key in ("start", "end"):
            if abs(e[key] - float(value)) > 0.05:
                return False
        elif isinstance(value, dict):  # audio_check: the keys given
            if not isinstance(e.get(key), dict) or any(e[key].get(k) != v for k, v in value.items()):
                return False
        elif e.get(key) != value:
            return False
    return True


def run_test_file(ruleset: RuleSet, path: Path) -> list[CaseResult]:
    """Run every case of one test file; a file that cannot be read gives one failed result."""
    try:
        tf, text = validated(path, CaseFileSpec)
    except RuleError as exc:
        return [CaseResult(str(path), exc.line, "?", "(file)", [str(exc)])]
    expected_name = f"{tf.rule}.test.yaml"
    if tf.rule not in ruleset.by_id:
        return [CaseResult(str(path), line_of(text, ("rule",)), tf.rule, "(file)", [f"unknown rule '{tf.rule}'"])]
    results = []
    for n, case in enumerate(tf.cases):
        res = CaseResult(str(path), line_of(text, ("cases", n)), tf.rule, case.name,
                         expected=str(case.expect.get("outcome")))
        if path.name != expected_name:
            res.problems.append(f"test file should be named {expected_name}")
        try:
            ctx = build_context(case, tf.defaults)
        except (ValidationError, ValueError, TypeError) as exc:
            res.problems.append(f"bad case input: {exc}".splitlines()[0])
            results.append(res)
            continue
        finding = evaluate(ruleset, ctx, only=[tf.rule])[0]
        en = evaluate(ruleset, ctx, only=[tf.rule], lang="en")[0] if "message_en_contains" in case.expect else None
        res.finding = finding
        res.problems += check_finding(finding, en, case.expect)
        results.append(res)
    return results


def run_tests(ruleset: RuleSet, rules_dir: Path | None = None) -> list[CaseResult]:
    """All test files of a rules/ directory, plus one failed result per rule without tests."""
    rules_dir = Path(rules_dir or ruleset.directory)
    results: list[CaseResult] = []
    tested = set()
    for path in rule_test_files(rules_dir):
        file_results = run_test_file(ruleset, path)
        tested |= {r.rule for r in file_results}
        results += file_results
    for rule in ruleset.rules:
        if rule.id not in tested:
            results.append(CaseResult(str(rule.path), None, rule.id, "(tests)",
                                      [f"no test file: add {rule.id}.test.yaml beside the rule"]))
    return results
