"""Loading, validating and compiling a rules/ directory.

Layout (see rules/README.md):
  rules/ruleset.yaml          version of the rule set, enabled maturities, event settings
  rules/scorecard.yaml        sections, weights, critical rules
  rules/macros.yaml           named expressions shared by rules (optional)
  rules/lists/<id>.yaml       named phrase lists
  rules/<rule id>.yaml        one rule per file, ``id`` equal to the file name without .yaml
  rules/<rule id>.test.yaml   the rule's test cases
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from qa_engine.rules.errors import CompileError, RuleError, RuleSetError
from qa_engine.rules.operators import Compiler, Evaluator
from qa_engine.rules.params import substitute_params
from qa_engine.rules.phrases import PhraseIndex, PhraseList
from qa_engine.rules.schema import (ListFile, MacrosFile, MessageSet, RuleFile, RulesetFile,
                                    ScorecardFile)

RESERVED = {"ruleset.yaml", "scorecard.yaml", "macros.yaml"}
TEST_SUFFIX = ".test.yaml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    transfer: dict
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

    def asks_to_wait(self, text: str) -> bool:
        """The text asks the customer to wait (a phrase of the ``events.hold.request_lists``)."""
        found = self.index.match_text(text)
        return any(found.get(list_id) for list_id in self.hold_request_lists)

    def hotword_lists(self) -> list[list[str]]:
        """The phrase lists marked ``hotword: true``, each in its own order (the pipeline passes
        them to the ASR, which knows nothing of rules)."""
        return [list(pl.phrases) for pl in self.lists.values() if pl.hotword]


# --------------------------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------------------------
def read_yaml(path: Path) -> tuple[Any, str]:
    """(data, text); a syntax error becomes a RuleError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, f"cannot read file ({exc})", hint="save it as UTF-8 text") from exc
    try:
        return yaml.load(text, Loader=_Loader), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(path, f"YAML syntax error: {problem}", line=mark.line + 1 if mark else None,
                        hint="check indentation, a missing ':' or an unclosed quote or bracket") from exc


def line_of(text: str, loc: tuple) -> int | None:
    """Line (1-based) of the YAML node at ``loc`` (keys and list indices); the deepest found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    nxt, line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def _schema_error(path: Path, text: str, exc: ValidationError, model: type[BaseModel]) -> RuleError:
    errors = exc.errors()
    # a misspelt field shows as "unknown X" plus "missing Y": report the misspelling, it explains both
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    name = ".".join(str(p) for p in loc) or "file"
    kind = err["type"]
    if kind == "missing":
        problem, hint = f"missing field '{name}'", f"add `{loc[-1]}:` to the file"
    elif kind == "extra_forbidden":
        problem = f"unknown field '{name}'"
        fields = [f.alias or n for n, f in model.model_fields.items()] if len(loc) == 1 else []
        close = get_close_matches(str(loc[-1]), fields, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "remove it or check the spelling"
    else:
        problem, hint = f"field '{name}': {err['msg']}", "see rules/README.md for the file format"
    return RuleError(path, problem, line=line_of(text, loc), hint=hint, loc=loc)


def _validated(path: Path, model: type[BaseModel]) -> tuple[Any, str]:
    data, text = read_yaml(path)
    if not isinstance(data, dict):
        raise RuleError(path, "the file must be a YAML mapping (key: value lines)", line=1,
                        hint="start with `id: ...`")
    try:
        return model.model_validate(data), text
    except ValidationError as exc:
        raise _schema_error(path, text, exc, model) from exc


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------
def rule_files(rules_dir: Path) -> list[Path]:
    return sorted(p for p in rules_dir.glob("*.yaml") if p.name not in RESERVED and not p.name.endswith(TEST_SUFFIX))


def rule_test_files(rules_dir: Path) -> list[Path]:
    return sorted(rules_dir.glob(f"*{TEST_SUFFIX}"))


def _resolve_lists(files: dict[str, tuple[ListFile, Path, str]], errors: list[RuleError]) -> dict[str, PhraseList]:
    resolved: dict[str, PhraseList] = {}

    def resolve(list_id: str, stack: tuple[str, ...]) -> PhraseList | None:
        if list_id in resolved:
            return resolved[list_id]
        lf, path, text = files[list_id]
        phrases = list(lf.phrases)
        for n, inc in enumerate(lf.include):
            if inc not in files:
                errors.append(RuleError(path, f"include: unknown list '{inc}'", line=line_of(text, ("include", n)),
                                        hint="lists are rules/lists/<id>.yaml"))
                continue
            if inc in stack:
                errors.append(RuleError(path, f"include cycle: {' → '.join(stack + (inc,))}",
                                        line=line_of(text, ("include", n)), hint="remove the cycle"))
                continue
            sub = resolve(inc, stack + (inc,))
            if sub:
                phrases += [p for p in sub.phrases if p not in phrases]
        if not phrases and not lf.patterns:
            errors.append(RuleError(path, "list has no phrases", line=1, hint="add `phrases:` with at least one entry"))
        resolved[list_id] = PhraseList(lf.id, tuple(phrases), lf.tolerance, tuple(lf.patterns), tuple(lf.exceptions),
                                       lf.hotword, lf.title_zh)
        return resolved[list_id]

    for list_id in files:
        resolve(list_id, (list_id,))
    return resolved


def _load_lists(rules_dir: Path, errors: list[RuleError]) -> dict[str, PhraseList]:
    files: dict[str, tuple[ListFile, Path, str]] = {}
    for path in sorted((rules_dir / "lists").glob("*.yaml")):
        try:
            lf, text = _validated(path, ListFile)
        except RuleError as exc:
            errors.append(exc)
            continue
        if lf.id != path.stem:
            errors.append(RuleError(path, f"list id '{lf.id}' differs from the file name '{path.stem}'",
                                    line=line_of(text, ("id",)), hint=f"set `id: {path.stem}` or rename the file"))
            continue
        for n, pattern in enumerate(lf.patterns):
            try:
                import re

                re.compile(pattern)
            except re.error as exc:
                errors.append(RuleError(path, f"invalid regular expression: {exc}",
                                        line=line_of(text, ("patterns", n)), hint="escape special characters with \\"))
        files[lf.id] = (lf, path, text)
    return _resolve_lists(files, errors)


def _load_macros(rules_dir: Path, errors: list[RuleError]) -> dict[str, dict]:
    path = rules_dir / "macros.yaml"
    if not path.exists():
        return {}
    try:
        mf, text = _validated(path, MacrosFile)
    except RuleError as exc:
        errors.append(exc)
        return {}
    return {name: {"params": m.params, "expr": m.expr, "path": path, "text": text} for name, m in mf.macros.items()}


def _compile_rule(path: Path, lists: dict, macros: dict, scorecard: ScorecardFile | None,
                  errors: list[RuleError], usage: dict[str, set[tuple[bool, str]]],
                  scopes: dict | None = None) -> CompiledRule | None:
    try:
        rf, text = _validated(path, RuleFile)
    except RuleError as exc:
        errors.append(exc)
        return None
    if rf.id != path.name[: -len(".yaml")]:
        errors.append(RuleError(path, f"rule id '{rf.id}' differs from the file name '{path.name}'",
                                line=line_of(text, ("id",)),
                                hint=f"set `id: {path.name[:-5]}` or rename the file to {rf.id}.yaml"))
        return None
    compiler = Compiler(lists, macros, rf.id, rf.params, usage)
    if scopes is not None:
        compiler.scopes = scopes  # shared by the rules of the set (PhraseIndex.group_scopes)
    try:
        check = compiler.compile(substitute_params(rf.check, rf.params, ("check",)), ("check",))
        when = compiler.compile(substitute_params(rf.when, rf.params, ("when",)), ("when",)) if rf.when is not None else None
    except CompileError as exc:
        in_macro = exc.loc[:1] == ("macro",)
        where = macros[exc.loc[1]]["path"] if in_macro else path
        line = (line_of(macros[exc.loc[1]]["text"], ("macros", exc.loc[1], "expr") + exc.loc[2:]) if in_macro
                else line_of(text, exc.loc))
        errors.append(RuleError(where, exc.problem + (f" (in macro used by {rf.id})" if in_macro else ""),
                                line=line, hint=exc.hint, loc=exc.loc))
        return None
    weight, critical = 0.0, False
    if scorecard is not None:
        section = next((name for name, s in scorecard.sections.items() if rf.id in s.rules), None)
        if section is None:
            errors.append(RuleError(path, f"rule '{rf.id}' is not in rules/scorecard.yaml",
                                    line=line_of(text, ("section",)), hint=f"add it with a weight under section {rf.section}"))
        elif section != rf.section:
            errors.append(RuleError(path, f"section '{rf.section}' differs from the scorecard's '{section}'",
                                    line=line_of(text, ("section",)), hint=f"set `section: {section}`"))
        else:
            weight = scorecard.sections[section].rules[rf.id]
        critical = rf.id in scorecard.critical
    return CompiledRule(
        id=rf.id, version=rf.version, hash=hashlib.sha256(path.read_bytes()).hexdigest(), title_zh=rf.title_zh,
        title_en=rf.title_en, section=rf.section, weight=weight, critical=critical, severity=rf.severity,
        maturity=rf.maturity, standard=rf.standard, params=rf.params, messages=dict(rf.message), when=when,
        check=check, path=path,
    )


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


def compile_dir(rules_dir: Path) -> tuple[RuleSet | None, list[RuleError]]:
    """Load and compile every file; returns the rule set (None when there are errors) and all errors."""
    rules_dir = Path(rules_dir)
    errors: list[RuleError] = []
    if not rules_dir.is_dir():
        return None, [RuleError(rules_dir, "not a directory", hint="pass the rules/ folder")]
    ruleset = scorecard = None
    sc_text = ""
    try:
        ruleset, _ = _validated(rules_dir / "ruleset.yaml", RulesetFile)
    except RuleError as exc:
        errors.append(exc)
    try:
        scorecard, sc_text = _validated(rules_dir / "scorecard.yaml", ScorecardFile)
    except RuleError as exc:
        errors.append(exc)
    lists = _load_lists(rules_dir, errors)
    macros = _load_macros(rules_dir, errors)
    enabled = set(ruleset.enabled_maturity) if ruleset else {"stable", "incubating"}
    usage: dict[str, set[tuple[bool, str]]] = {}
    scopes: dict = {}
    rules = [r for p in rule_files(rules_dir) if (r := _compile_rule(p, lists, macros, scorecard, errors, usage, scopes))]
    if scorecard is not None:
        _check_scorecard(rules_dir / "scorecard.yaml", sc_text, scorecard, {p.name[:-5] for p in rule_files(rules_dir)}, errors)
    if ruleset is not None and ruleset.events.transfer.list not in lists:
        errors.append(RuleError(rules_dir / "ruleset.yaml", f"events.transfer.list: unknown list '{ruleset.events.transfer.list}'",
                                hint="name a list in rules/lists/"))
    for list_id in ruleset.events.hold.request_lists if ruleset is not None else []:
        if list_id not in lists:
            errors.append(RuleError(rules_dir / "ruleset.yaml", f"events.hold.request_lists: unknown list '{list_id}'",
                                    hint="name a list in rules/lists/"))
    if errors or ruleset is None or scorecard is None:
        return None, errors
    order = [rid for s in scorecard.sections.values() for rid in s.rules]
    rules.sort(key=lambda r: order.index(r.id) if r.id in order else len(order))
    rules = [r for r in rules if r.maturity in enabled]
    digest = hashlib.sha256()
    for p in sorted(rules_dir.rglob("*.yaml")):
        if not p.name.endswith(TEST_SUFFIX):
            digest.update(p.relative_to(rules_dir).as_posix().encode() + b"\0" + p.read_bytes())
    return RuleSet(
        version=ruleset.version, name=ruleset.name, directory=rules_dir, rules=rules, lists=lists,
        index=PhraseIndex(lists, _list_groups(usage, ruleset.events.transfer.list), scopes),
        scorecard=scorecard, transfer=ruleset.events.transfer.model_dump(),
        hold_request_lists=list(ruleset.events.hold.request_lists),
        fingerprint=digest.hexdigest(),
    ), []


def _list_groups(usage: dict[str, set[tuple[bool, str]]], transfer_list: str) -> dict[str, int]:
    """Index group per list: 0 searched in every agent utterance (no first/last/event limit in some
    scope), 2 only in customer utterances, 1 the rest (agent lines of narrow scopes)."""
    groups = {transfer_list: 0}
    for list_id, uses in usage.items():
        if any(not narrow for narrow, _ in uses):
            groups[list_id] = 0
        elif all(speaker == "customer" for _, speaker in uses):
            groups.setdefault(list_id, 2)
        else:
            groups.setdefault(list_id, 1)
    return groups


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
