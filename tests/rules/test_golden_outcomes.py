"""The rule engine's findings on 1,200 generated calls and on every rule test case, in Chinese and
English, equal the recorded golden outcomes (tests/rules/golden/outcomes.json.gz).

A difference means the engine's behaviour changed. If that is intended, re-record with
``python -m tests.rules.golden.generate --record`` and explain every change in the commit
(rules/README.md, "Golden outcomes").
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.rules.golden.calls import N_CALLS
from tests.rules.golden.outcomes import GOLDEN, coverage, current, differences, load

SHOWN = 8


@pytest.fixture(scope="module")
def now() -> dict:
    return current()


def test_findings_equal_the_recorded_ones(now):
    diffs = differences(load(GOLDEN), now)
    shown = "\n".join(diffs[:SHOWN])
    more = f"\n… and {len(diffs) - SHOWN} more" if len(diffs) > SHOWN else ""
    assert not diffs, (f"{len(diffs)} difference(s) from the golden outcomes (call index, rule, field, "
                       f"recorded vs now):\n{shown}{more}\nIntended? Re-record: "
                       "python -m tests.rules.golden.generate --record, and explain it in the commit.")


def test_the_calls_exercise_every_rule(now):
    assert now["n_calls"] == N_CALLS >= 1000
    per_rule = coverage(now)
    # talk.dead_air has no n/a: no_span is decidable on any call
    never_na = {"talk.dead_air"}
    for rule, counts in per_rule.items():
        want = {"pass", "fail"} | (set() if rule in never_na else {"n/a"})
        assert want <= set(+counts), f"{rule}: {dict(counts)}"


def test_every_rule_test_case_is_recorded(now):
    recorded = Counter((c["file"], c["case"]) for c in load(GOLDEN)["cases"])
    assert recorded == Counter((c["file"], c["case"]) for c in now["cases"])
