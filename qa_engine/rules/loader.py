"""Loading, validating and compiling a rules/ directory.

Layout (see rules/README.md):
  rules/ruleset.yaml          version of the rule set, enabled maturities, event settings
  rules/scorecard.yaml        sections, weights, critical rules
  rules/macros.yaml           named expressions shared by rules (optional)
  rules/lists/<id>.yaml       named phrase lists
  rules/<rule id>.yaml        one rule per file, ``id`` equal to the file name without .yaml
  rules/<rule id>.test.yaml   the rule's test cases

Every error is collected (not only the first), each naming its file and line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path

import qa_engine.rules.operators  # noqa: F401 - registers the operators the compiler looks up
from qa_engine.rules.compiler import Compiler, Evaluator
from qa_engine.rules.errors import CompileError, RuleError, RuleSetError
from qa_engine.rules.files import line_of, validated
from qa_engine.rules.phrases import PhraseIndex, PhraseList
from qa_engine.rules.schema import (
    ListFile,
    MacrosFile,
    MessageSet,
    RuleFile,
    RulesetFile,
    ScorecardFile,
    TransferEvents,
)

RESERVED = {"ruleset.yaml", "scorecard.yaml", "macros.yaml"}
TEST_SUFFIX = ".test.yaml"


@dataclass(eq=False)
class CompiledRule:
    id: str
    version: str
    hash: str
    title_zh: str
    title_en: str
    section: str
    weight: float
    critical: bool
    severity: str
    maturity: str
    standard: str
    params: dict
    messages: dict[str, MessageSet]
    when: Evaluator | None
    check: Evaluator
    path: Path


@dataclass(eq=False)
class RuleSet:
    """A compiled rule set: rules in scorecard order, phrase index, scorecard."""

    version: str
    name: str
    directory: Path
    rules: list[CompiledRule]
    lists: dict[str, PhraseList]
    index: PhraseIndex
    scorecard: ScorecardFile
    transfer: TransferEvents
    hold_request_lists: list[str]
    fingerprint: str
    by_id: dict[str, CompiledRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {r.id: r for r in self.rules}

    def rule(self, rule_id: str) -> CompiledRule:
        return self.by_id[rule_id]

    def hotwords(self) -> list[str]:
        """Phrases of the lists marked ``hotword: true`` (brand, greetings, help offer, …)."""
        return self.index.hotwords()

    def hotword_lists(self) -> list[list[str]]:
        """The phrase lists marked ``hotword: true``, each in its own order (the pipeline passes
        them to the ASR, which knows nothing of rules)."""
        return [list(pl.phrases) for pl in self.lists.values() if pl.hotword]

    def asks_to_wait(self, text: str) -> bool:
        """The text asks the customer to wait (a phrase of the ``events.hold.request_lists``)."""
        found = self.index.match_text(text)
        return any(found.get(list_id) for list_id in self.hold_request_lists)


def rule_files(rules_dir: Path) -> list[Path]:
    return sorted(p for p in rules_dir.glob("*.yaml") if p.name not in RESERVED and not p.name.endswith(TEST_SUFFIX))


def rule_test_files(rules_dir: Path) -> list[Path]:
    return sorted(rules_dir.glob(f"*{TEST_SUFFIX}"))


# --- phrase lists and macros ---------------------------------------------------------------
def _load_lists(rules_dir: Path, errors: list[RuleError]) -> dict[str, PhraseList]:
    files: dict[str, tuple[ListFile, Path, str]] = {}
    for path in sorted((rules_dir / "lists").glob("*.yaml")):
        try:
            lf, text = validated(path, ListFile)
        except RuleError as exc:
            errors.append(exc)
            continue
        if lf.id != path.stem:
            errors.append(RuleError(path, f"list id '{lf.id}' differs from the file name '{path.stem}'",
                                    line=line_of(text, ("id",)), hint=f"set `id: {path.stem}` or rename the file"))
            continue
        for n, pattern in enumerate(lf.patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                errors.append(RuleError(path, f"invalid regular expression: {exc}",
                                        line=line_of(text, ("patterns", n)), hint="escape special characters with \\"))
        files[lf.id] = (lf, path, text)
    resolved: dict[str, PhraseList] = {}
    for list_id in files:
        _resolve_list(list_id, (list_id,), files, resolved, errors)
    return resolved


def _resolve_list(list_id: str, stack: tuple[str, ...], files: dict, resolved: dict[str, PhraseList],
                  errors: list[RuleError]) -> PhraseList:
    """A list with the phrases of the lists it includes (after its own, without repeats)."""
    if list_id in resolved:
        return resolved[list_id]
    lf, path, text = files[list_id]
    phrases = list(lf.phrases)
    for n, inc in enumerate(lf.include):
        problem = (f"include: unknown list '{inc}'" if inc not in files else
                   f"include cycle: {' → '.join(stack + (inc,))}" if inc in stack else None)
        if problem:
            errors.append(RuleError(path, problem, line=line_of(text, ("include", n)),
                                    hint="lists are rules/lists/<id>.yaml" if inc not in files else "remove the cycle"))
            continue
        sub = _resolve_list(inc, stack + (inc,), files, resolved, errors)
        phrases += [p for p in sub.phrases if p not in phrases]
    if not phrases and not lf.patterns:
        errors.append(RuleError(path, "list has no phrases", line=1, hint="add `phrases:` with at least one entry"))
    resolved[list_id] = PhraseList(lf.id, tuple(phrases), lf.tolerance, tuple(lf.patterns), tuple(lf.exceptions),
                                   lf.hotword, lf.title_zh)
    return resolved[list_id]


def _load_macros(rules_dir: Path, errors: list[RuleError]) -> dict[str, dict]:
    path = rules_dir / "macros.yaml"
    if not path.exists():
        return {}
    try:
        mf, text = validated(path, MacrosFile)
    except RuleError as exc:
        errors.append(exc)
        return {}
    return {name: {"params": m.params, "expr": m.expr, "path": path, "text": text} for name, m in mf.macros.items()}


# --- rules ---------------------------------------------------------------------------------
def _compile_rule(path: Path, lists: dict, macros: dict, scorecard: ScorecardFile | None,
                  errors: list[RuleError]) -> CompiledRule | None:
    try:
        rf, text = validated(path, RuleFile)
    except RuleError as exc:
        errors.append(exc)
        return None
    if rf.id != path.name[: -len(".yaml")]:
        errors.append(RuleError(path, f"rule id '{rf.id}' differs from the file name '{path.name}'",
                                line=line_of(text, ("id",)),
                                hint=f"set `id: {path.name[:-5]}` or rename the file to {rf.id}.yaml"))
        return None
    compiler = Compiler(lists, macros, rf.id, rf.params)
    try:
        check = compiler.compile_rule_part(rf.check, "check")
        when = compiler.compile_rule_part(rf.when, "when") if rf.when is not None else None
    except CompileError as exc:
        errors.append(_located(exc, path, text, macros, rf.id))
        return None
    weight, critical = _weight(rf, path, text, scorecard, errors)
    return CompiledRule(
        id=rf.id, version=rf.version, hash=hashlib.sha256(path.read_bytes()).hexdigest(), title_zh=rf.title_zh,
        title_en=rf.title_en, section=rf.section, weight=weight, critical=critical, severity=rf.severity,
        maturity=rf.maturity, standard=rf.standard, params=rf.params, messages=dict(rf.message), when=when,
        check=check, path=path,
    )


def _located(exc: CompileError, path: Path, text: str, macros: dict, rule_id: str) -> RuleError:
    """A compile error as a RuleError pointing at the rule's line, or the macro's when it is in one."""
    if exc.loc[:1] == ("macro",):
        macro = macros[exc.loc[1]]
        line = line_of(macro["text"], ("macros", exc.loc[1], "expr") + exc.loc[2:])
        return RuleError(macro["path"], f"{exc.problem} (in macro used by {rule_id})", line=line, hint=exc.hint,
                         loc=exc.loc)
    return RuleError(path, exc.problem, line=line_of(text, exc.loc), hint=exc.hint, loc=exc.loc)


def _weight(rf: RuleFile, path: Path, text: str, scorecard: ScorecardFile | None,
            errors: list[RuleError]) -> tuple[float, bool]:
    """(weight, critical) of a rule from the scorecard, which must list it in the rule's section."""
    if scorecard is None:
        return 0.0, False
    section = next((name for name, s in scorecard.sections.items() if rf.id in s.rules), None)
    if section is None:
        errors.append(RuleError(path, f"rule '{rf.id}' is not in rules/scorecard.yaml", line=line_of(text, ("section",)),
                                hint=f"add it with a weight under section {rf.section}"))
    elif section != rf.section:
        errors.append(RuleError(path, f"section '{rf.section}' differs from the scorecard's '{section}'",
                                line=line_of(text, ("section",)), hint=f"set `section: {section}`"))
    weight = scorecard.sections[section].rules[rf.id] if section == rf.section else 0.0
    return weight, rf.id in scorecard.critical


# --- the rule set --------------------------------------------------------------------------
def _check_scorecard(path: Path, text: str, scorecard: ScorecardFile, rule_ids: set[str], errors: list[RuleError]) -> None:
    for name, section in scorecard.sections.items():
        for rule_id in section.rules:
            if rule_id not in rule_ids:
                close = get_close_matches(rule_id, rule_ids, n=1)
                errors.append(RuleError(path, f"section {name}: unknown rule '{rule_id}'",
                                        line=line_of(text, ("sections", name, "rules", rule_id)),
                                        hint=f"did you mean `{close[0]}`?" if close else f"add rules/{rule_id}.yaml"))
    for n, rule_id in enumerate(scorecard.critical):
        if rule_id not in rule_ids:
            errors.append(RuleError(path, f"critical: unknown rule '{rule_id}'", line=line_of(text, ("critical", n)),
                                    hint="list rule ids that exist in rules/"))


def _check_events(rules_dir: Path, ruleset: RulesetFile, lists: dict, errors: list[RuleError]) -> None:
    named = [("events.transfer.list", ruleset.events.transfer.list)]
    if ruleset.events.transfer.confirm_list:
        named.append(("events.transfer.confirm_list", ruleset.events.transfer.confirm_list))
    named += [("events.hold.request_lists", list_id) for list_id in ruleset.events.hold.request_lists]
    for where, list_id in named:
        if list_id not in lists:
            errors.append(RuleError(rules_dir / "ruleset.yaml", f"{where}: unknown list '{list_id}'",
                                    hint="name a list in rules/lists/"))


def _fingerprint(rules_dir: Path) -> str:
    """A digest of every rule, list, macro and scorecard file (not the tests)."""
    digest = hashlib.sha256()
    for p in sorted(rules_dir.rglob("*.yaml")):
        if not p.name.endswith(TEST_SUFFIX):
            digest.update(p.relative_to(rules_dir).as_posix().encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()


def _try(path: Path, model, errors: list[RuleError]):
    try:
        return validated(path, model)
    except RuleError as exc:
        errors.append(exc)
        return None, ""


def compile_dir(rules_dir: Path) -> tuple[RuleSet | None, list[RuleError]]:
    """Load and compile every file; returns the rule set (None when there are errors) and all errors."""
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        return None, [RuleError(rules_dir, "not a directory", hint="pass the rules/ folder")]
    errors: list[RuleError] = []
    ruleset, _ = _try(rules_dir / "ruleset.yaml", RulesetFile, errors)
    scorecard, sc_text = _try(rules_dir / "scorecard.yaml", ScorecardFile, errors)
    lists = _load_lists(rules_dir, errors)
    macros = _load_macros(rules_dir, errors)
    rules = [r for p in rule_files(rules_dir) if (r := _compile_rule(p, lists, macros, scorecard, errors))]
    if scorecard is not None:
        rule_ids = {p.name[:-5] for p in rule_files(rules_dir)}
        _check_scorecard(rules_dir / "scorecard.yaml", sc_text, scorecard, rule_ids, errors)
    if ruleset is not None:
        _check_events(rules_dir, ruleset, lists, errors)
    if errors or ruleset is None or scorecard is None:
        return None, errors
    order = [rid for s in scorecard.sections.values() for rid in s.rules]
    rules.sort(key=lambda r: order.index(r.id) if r.id in order else len(order))
    return RuleSet(
        version=ruleset.version, name=ruleset.name, directory=rules_dir,
        rules=[r for r in rules if r.maturity in ruleset.enabled_maturity], lists=lists, index=PhraseIndex(lists),
        scorecard=scorecard, transfer=ruleset.events.transfer, hold_request_lists=list(ruleset.events.hold.request_lists),
        fingerprint=_fingerprint(rules_dir),
    ), []


def _signature(rules_dir: Path) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(rules_dir.rglob("*.yaml")))


@lru_cache(maxsize=8)
def _load_cached(rules_dir: Path, signature: tuple) -> RuleSet:
    ruleset, errors = compile_dir(rules_dir)
    if errors:
        raise RuleSetError(errors)
    assert ruleset is not None
    return ruleset


def load_ruleset(rules_dir: Path) -> RuleSet:
    """Load, validate and compile a rules/ directory; cached until a file in it changes.

    Raises RuleError (a RuleSetError listing every error) naming the file and line.
    """
    rules_dir = Path(rules_dir).resolve()
    if not rules_dir.is_dir():
        raise RuleError(rules_dir, "rules directory not found", hint="set QA_RULES_DIR or pass the rules/ folder")
    return _load_cached(rules_dir, _signature(rules_dir))


def validate_dir(rules_dir: Path) -> list[RuleError]:
    """Every error in a rules/ directory (empty when it is valid)."""
    return compile_dir(Path(rules_dir))[1]
