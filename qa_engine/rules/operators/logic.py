"""Logic operators: ``all``, ``any``, ``not``, ``macro``."""

from __future__ import annotations

from typing import Any

from qa_engine.rules.compiler import Compiler, Env, Evaluator, Result, operator
from qa_engine.rules.errors import CompileError
from qa_engine.types import Evidence


def join(parts: list[str], sep: str) -> str:
    """The non-empty parts, each once (two children that miss the same phrase say so once)."""
    return sep.join(dict.fromkeys(p for p in parts if p))


def dedup(evidence: list[Evidence]) -> list[Evidence]:
    """The evidence without repeats (equal speaker, span and text), first ones first."""
    seen, out = set(), []
    for e in evidence:
        key = (e.speaker, e.start, e.end, e.text)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def combine(value: bool | None, results: list[Result]) -> Result:
    """One Result standing for several that share a value: their evidence (without repeats),
    messages joined, facts merged."""
    facts: dict = {}
    for r in results:
        facts.update(r.facts)
    return Result(value, dedup([e for r in results for e in r.evidence]), join([r.zh for r in results], "；"),
                  join([r.en for r in results], "; "), facts)


def undecided(results: list[Result]) -> Result:
    """n/a, saying why each child did not apply."""
    return Result(None, [], join([r.zh for r in results], "；"), join([r.en for r in results], "; "))


def _children(value: Any, compiler: Compiler, loc: tuple) -> list[Evaluator]:
    if not isinstance(value, list) or not value:
        raise CompileError(loc, "takes a non-empty list of expressions", "write `- phrase: {...}` items")
    return [compiler.compile(v, loc + (i,)) for i, v in enumerate(value)]


@operator("all")
def build_all(value, compiler: Compiler, loc) -> Evaluator:
    """True when every child is True; False as soon as one is False; n/a children are skipped
    (all n/a → n/a)."""
    children = _children(value, compiler, loc)

    def run(env: Env) -> Result:
        results = [child(env) for child in children]
        failed = [r for r in results if r.value is False]
        passed = [r for r in results if r.value]
        if failed:
            return combine(False, failed)
        return combine(True, passed) if passed else undecided(results)

    return run


@operator("any")
def build_any(value, compiler: Compiler, loc) -> Evaluator:
    """True when a child is True; False when all decided children are False; else n/a."""
    children = _children(value, compiler, loc)

    def run(env: Env) -> Result:
        results = [child(env) for child in children]
        passed = next((r for r in results if r.value), None)
        if passed is not None:
            return passed
        failed = [r for r in results if r.value is False]
        return combine(False, failed) if failed else undecided(results)

    return run


@operator("not")
def build_not(value, compiler: Compiler, loc) -> Evaluator:
    """Flips True/False and keeps the evidence (a forbidden phrase found is the evidence)."""
    child = compiler.compile(value, loc)

    def run(env: Env) -> Result:
        r = child(env)
        return r if r.value is None else Result(not r.value, r.evidence, r.zh, r.en, r.facts)

    return run


@operator("macro")
def build_macro(value, compiler: Compiler, loc) -> Evaluator:
    """Inlines a named expression from rules/macros.yaml (its params default, the rule's override)."""
    return compiler.compile_macro(value, loc)
