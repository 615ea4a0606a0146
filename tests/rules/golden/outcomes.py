"""The golden outcomes: findings of the generated calls and of the rule test cases, in both
languages, as plain JSON data; their comparison and coverage.

A finding is stored as ``[rule id, outcome, message, evidence]`` with each evidence item
``[start, end, speaker, text]`` (plus the audio check as a mapping where a rule test case has one).
Each call also stores a digest of its inputs, so a changed generator or phrase list is told apart
from a changed engine.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path

import yaml

from qa_engine.rules import CallContext, RuleSet, evaluate, load_ruleset
from qa_engine.rules.loader import rule_test_files
from qa_engine.rules.schema import CaseFileSpec
from qa_engine.rules.testing import build_context
from qa_engine.types import Finding

from .calls import N_CALLS, REPO, SEED, make_calls

GOLDEN = Path(__file__).with_name("outcomes.json.gz")
LANGS = ("zh", "en")
FORMAT = 1


def finding_row(f: Finding) -> list:
    evidence = []
    for e in f.evidence:
        item = [e.start, e.end, e.speaker, e.text]
        if e.audio_check is not None:
            item.append(e.audio_check.model_dump())
        evidence.append(item)
    return [f.rule_id, f.outcome, f.message, evidence]


def context_digest(ctx: CallContext) -> str:
    """A short hash of what the rules see of a call (transcript, metrics, record, local start)."""
    data = {"t": [u.model_dump() for u in ctx.transcript], "m": ctx.metrics.model_dump(),
            "r": ctx.record.model_dump(mode="json"), "s": ctx.local_start.isoformat() if ctx.local_start else None}
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def call_outcomes(ruleset: RuleSet, calls: list[CallContext]) -> list[dict]:
    return [{"digest": context_digest(c), **{lang: [finding_row(f) for f in evaluate(ruleset, c, lang=lang)]
                                               for lang in LANGS}} for c in calls]


def case_outcomes(ruleset: RuleSet, rules_dir: Path = REPO / "rules") -> list[dict]:
    """Every case of ``rules/*.test.yaml``: its rule's finding in both languages (as ``qa-engine
    rules test`` evaluates it, audio stand-in included)."""
    out = []
    for path in rule_test_files(rules_dir):
        spec = CaseFileSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for case in spec.cases:
            ctx = build_context(case, spec.defaults)
            row = {"file": path.name, "case": case.name}
            for lang in LANGS:
                row[lang] = [finding_row(f) for f in evaluate(ruleset, ctx, lang=lang, only=[spec.rule])]
            out.append(row)
    return out


def current(n: int = N_CALLS, seed: int = SEED) -> dict:
    """The outcomes of the engine as it is now."""
    ruleset = load_ruleset(REPO / "rules")
    return {"format": FORMAT, "seed": seed, "n_calls": n,
            "calls": call_outcomes(ruleset, make_calls(n, seed)), "cases": case_outcomes(ruleset)}


def save(data: dict, path: Path = GOLDEN) -> None:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    # mtime=0: the same outcomes give the same bytes (no spurious change to commit)
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(raw)


def load(path: Path = GOLDEN) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))


# --- comparison -----------------------------------------------------------------------------
_FIELDS = ("outcome", "message", "evidence")


def differences(recorded: dict, now: dict) -> list[str]:
    """Readable differences between two outcome sets (empty: identical)."""
    out = []
    if recorded.get("n_calls") != now["n_calls"] or recorded.get("seed") != now["seed"]:
        out.append(f"recorded {recorded.get('n_calls')} calls with seed {recorded.get('seed')}, "
                   f"now {now['n_calls']} with seed {now['seed']}")
    for i, (a, b) in enumerate(zip(recorded["calls"], now["calls"])):
        if a["digest"] != b["digest"]:
            out.append(f"call {i}: inputs differ (generator or rules/lists changed): re-record deliberately")
            continue
        out += _finding_diffs(f"call {i}", a, b)
    cases_a = {(c["file"], c["case"]): c for c in recorded["cases"]}
    cases_b = {(c["file"], c["case"]): c for c in now["cases"]}
    for key in sorted(cases_a.keys() ^ cases_b.keys()):
        out.append(f"case {key[0]} / {key[1]}: {'recorded only' if key in cases_a else 'new, not recorded'}")
    for key in sorted(cases_a.keys() & cases_b.keys()):
        out += _finding_diffs(f"case {key[0]} / {key[1]}", cases_a[key], cases_b[key])
    return out


def _finding_diffs(where: str, a: dict, b: dict) -> list[str]:
    out = []
    for lang in LANGS:
        rows_a = {r[0]: r for r in a[lang]}
        rows_b = {r[0]: r for r in b[lang]}
        for rule in sorted(rows_a.keys() ^ rows_b.keys()):
            out.append(f"{where} [{lang}] {rule}: {'missing now' if rule in rows_a else 'not recorded'}")
        for rule in [r for r in rows_a if r in rows_b]:
            for k, name in enumerate(_FIELDS, start=1):
                if rows_a[rule][k] != rows_b[rule][k]:
                    out.append(f"{where} [{lang}] {rule} {name}:\n    recorded {rows_a[rule][k]!r}\n"
                               f"    now      {rows_b[rule][k]!r}")
    return out


# --- coverage -------------------------------------------------------------------------------
def coverage(data: dict) -> dict[str, Counter]:
    """rule id → how many generated calls gave each outcome (Chinese run)."""
    out: dict[str, Counter] = {}
    for call in data["calls"]:
        for rule, outcome, *_ in call["zh"]:
            out.setdefault(rule, Counter())[outcome] += 1
    return out


def coverage_table(data: dict) -> str:
    lines = [f"{'rule':34} {'pass':>5} {'fail':>5} {'n/a':>5}"]
    for rule, c in coverage(data).items():
        missing = [o for o in ("pass", "fail", "n/a") if not c[o]]
        note = f"  (no {', '.join(missing)})" if missing else ""
        lines.append(f"{rule:34} {c['pass']:5} {c['fail']:5} {c['n/a']:5}{note}")
    return "\n".join(lines)
