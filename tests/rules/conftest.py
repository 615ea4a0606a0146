"""Shared fixtures of the rule-engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_engine.rules import RuleSet, load_ruleset

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "rules"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset(RULES_DIR)
