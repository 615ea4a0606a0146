"""Runs every case of every rules/<rule id>.test.yaml (the same cases as `qa-engine rules test`)."""

from __future__ import annotations

from functools import cache

import pytest
import yaml

from qa_engine.config import REPO_ROOT
from qa_engine.rules.loader import rule_test_files
from qa_engine.rules.testing import run_test_file

RULES_DIR = REPO_ROOT / "rules"


def _cases():
    for path in rule_test_files(RULES_DIR):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n, case in enumerate(data.get("cases", [])):
            yield pytest.param(path, n, id=f"{data.get('rule')}::{case.get('name')}")


@cache
def _results(ruleset, path):
    return run_test_file(ruleset, path)


@pytest.mark.parametrize(("path", "n"), list(_cases()))
def test_rule_case(ruleset, path, n):
    result = _results(ruleset, path)[n]
    assert result.ok, str(result)


def test_every_rule_has_cases_that_fire_and_cases_that_do_not(ruleset):
    expected: dict[str, set[str]] = {}
    for path in rule_test_files(RULES_DIR):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        expected.setdefault(data["rule"], set()).update(c["expect"]["outcome"] for c in data["cases"])
    for rule in ruleset.rules:
        assert {"pass", "fail"} <= expected.get(rule.id, set()), f"{rule.id} needs pass and fail cases"


def test_test_files_are_named_after_their_rule():
    for path in rule_test_files(RULES_DIR):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.name == f"{data['rule']}.test.yaml"
