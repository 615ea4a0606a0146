"""Rule engine for the script standards in rules/ (see rules/README.md).

    ruleset = load_ruleset(Path("rules"))
    findings = evaluate(ruleset, CallContext(transcript, metrics, record, local_start))
    score = score_call(ruleset, findings)
"""

from qa_engine.rules.context import CallContext
from qa_engine.rules.engine import evaluate, score_call
from qa_engine.rules.errors import RuleError, RuleSetError
from qa_engine.rules.loader import CompiledRule, RuleSet, load_ruleset, validate_dir
from qa_engine.rules.operators import OPERATORS

__all__ = [
    "OPERATORS",
    "CallContext",
    "CompiledRule",
    "RuleError",
    "RuleSet",
    "RuleSetError",
    "evaluate",
    "load_ruleset",
    "score_call",
    "validate_dir",
]
