"""The registered operators a rule's ``when``/``check`` tree is built from.

An expression is a mapping with exactly one key, the operator name: ``{phrase: {list: brand}}``,
``{all: [..]}``, ``{not: {..}}``. Each operator has a pydantic model for its arguments and a
``build`` function that turns validated arguments into a closure ``Env -> Result``; the tree is
compiled once per rule set and nothing is ever ``eval``-ed.

Results use three-valued logic: True (pass), False (fail), None (n/a: does not apply or an input
is missing). ``evidence`` always supports the value: for a phrase found, the utterances that
contain it; for a phrase not found, the utterances searched; ``not`` keeps it, so a forbidden
phrase that was found is its own evidence.
"""

from __future__ import annotations

import builtins
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from difflib import get_close_matches
from operator import itemgetter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from qa_engine.rules import text as T
from qa_engine.rules.context import CallView, Event, Scope, intern_key, trusted_evidence
from qa_engine.rules.errors import CompileError
from qa_engine.rules.numbers import near_numbers, numbers_in, same_number, spoken_forms, syllable_codes
from qa_engine.rules.params import substitute_params
from qa_engine.rules.phrases import PhraseList
from qa_engine.types import AudioCheck, CallMetrics, Evidence, Overlap, SpeakerMetrics


@dataclass(slots=True)
class Result:
    value: bool | None
    evidence: list[Evidence] = field(default_factory=list)
    zh: str = ""
    en: str = ""
    facts: dict | None = None


@dataclass(slots=True)
class Env:
    view: CallView
    event: Event | None = None


Evaluator = Callable[[Env], Result]


@dataclass(frozen=True)
class Operator:
    name: str
    args: type[BaseModel] | None
    build: Callable[..., Evaluator]
    doc: str


OPERATORS: dict[str, Operator] = {}


def operator(name: str, args: type[BaseModel] | None = None):
    """Register ``build(args, compiler, loc) -> Evaluator`` under ``name``."""

    def register(build):
        OPERATORS[name] = Operator(name, args, build, (build.__doc__ or "").strip())
        return build

    return register


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------
# Compiler
# --------------------------------------------------------------------------------------------
class Compiler:
    """Compiles expression trees of one rule (params already substituted)."""

    def __init__(self, lists: dict[str, PhraseList], macros: dict[str, dict], rule_id: str, params: dict,
                 usage: dict[str, set[tuple[bool, str]]] | None = None):
        self.lists = lists
        self.usage = usage if usage is not None else {}  # list id → {(narrow scope?, speaker)} (index groups)
        # list id → {scope key: (Scope, event kind)}: the scopes each list is searched in, so that a
        # call can match a group over every utterance some scope will look at in one batched pass
        self.scopes: dict[str, dict[tuple, tuple[Scope, str | None]]] = {}
        self.event_kind: str | None = None  # the event of the enclosing for_each (scopes around it)
        self.macros = macros
        self.rule_id = rule_id
        self.params = params
        self._anon = 0
        self._macro_stack: list[str] = []

    def compile(self, node: Any, loc: tuple) -> Evaluator:
        if not isinstance(node, dict) or len(node) != 1:
            raise CompileError(loc, "an expression must be a mapping with exactly one operator key",
                               f"write e.g. `phrase: {{list: brand}}`; operators: {', '.join(sorted(OPERATORS))}")
        (name, value), = node.items()
        op = OPERATORS.get(name)
        if op is None:
            close = get_close_matches(str(name), OPERATORS, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known operators: {', '.join(sorted(OPERATORS))}"
            raise CompileError(loc + (name,), f"unknown operator '{name}'", hint)
        if op.args is None:
            return op.build(value, self, loc + (name,))
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise CompileError(loc + (name,), f"'{name}' takes a mapping of arguments",
                               f"arguments of {name}: {', '.join(op.args.model_fields)}")
        try:
            args = op.args.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            sub = tuple(p for p in err["loc"] if not isinstance(p, str) or p not in ("function-after",))
            raise CompileError(loc + (name,) + sub, f"{name}: {err['msg']}",
                               f"arguments of {name}: {', '.join(op.args.model_fields)}") from exc
        return op.build(args, self, loc + (name,))

    def need_list(self, list_id: str, loc: tuple) -> PhraseList:
        pl = self.lists.get(list_id)
        if pl is None:
            close = get_close_matches(list_id, self.lists, n=1)
            raise CompileError(loc, f"unknown phrase list '{list_id}'",
                               f"did you mean `{close[0]}`?" if close else "add rules/lists/<id>.yaml")
        return pl

    def use(self, list_ids: list[str], scope: Scope, *, searched: bool = True) -> None:
        """Record that the lists are searched in ``scope`` (``searched``: through ``CallView.found``)."""
        for list_id in list_ids:
            self.usage.setdefault(list_id, set()).add((scope.narrow(), scope.speaker))
            if searched:
                self.scopes.setdefault(list_id, {})[(scope.key(), self.event_kind)] = (scope, self.event_kind)

    def anonymous_list(self, phrases: list[str], tolerance: str) -> str:
        self._anon += 1
        list_id = f"{self.rule_id}#{self._anon}"
        self.lists[list_id] = PhraseList(list_id, tuple(phrases), tolerance)  # type: ignore[arg-type]
        return list_id


def _join(parts: list[str], sep: str) -> str:
    return sep.join(filter(None, parts))  # the non-empty parts


# --------------------------------------------------------------------------------------------
# Logic
# --------------------------------------------------------------------------------------------
def _children(value: Any, compiler: Compiler, loc: tuple) -> list[Evaluator]:
    if not isinstance(value, list) or not value:
        raise CompileError(loc, "takes a non-empty list of expressions", "write `- phrase: {...}` items")
    return [compiler.compile(v, loc + (i,)) for i, v in enumerate(value)]


def _combine(value: bool | None, results: list[Result]) -> Result:
    """One Result standing for several that share a value: their evidence (without repeats),
    messages joined, facts merged."""
    if len(results) == 1:
        r = results[0]
        evidence = _dedup(r.evidence) if len(r.evidence) > 1 else list(r.evidence)
        return Result(value, evidence, r.zh, r.en, dict(r.facts) if r.facts else {})
    evidence = [e for r in results for e in r.evidence]
    return Result(value, _dedup(evidence) if len(evidence) > 1 else evidence, _join([r.zh for r in results], "；"),
                  _join([r.en for r in results], "; "), _merge_facts(results))


def _split(results: list[Result]) -> tuple[list[Result], list[Result]]:
    """(the True results, the False results)."""
    passed, failed = [], []
    for r in results:
        if r.value:
            passed.append(r)
        elif r.value is False:
            failed.append(r)
    return passed, failed


@operator("all")
def build_all(value, compiler, loc):
    """True when every child is True; False as soon as one is False; n/a children are skipped
    (all n/a → n/a)."""
    children = _children(value, compiler, loc)

    def run(env: Env) -> Result:
        results = [c(env) for c in children]
        passed, failed = _split(results)
        if failed:
            return _combine(False, failed)
        if not passed:
            return Result(None, [], _join([r.zh for r in results], "；"), _join([r.en for r in results], "; "))
        return _combine(True, passed)

    return run


@operator("any")
def build_any(value, compiler, loc):
    """True when a child is True; False when all decided children are False; else n/a."""
    children = _children(value, compiler, loc)

    def run(env: Env) -> Result:
        results = [c(env) for c in children]
        for r in results:
            if r.value:
                return r
        failed = [r for r in results if r.value is False]
        if not failed:
            return Result(None, [], _join([r.zh for r in results], "；"), _join([r.en for r in results], "; "))
        return _combine(False, failed)

    return run


@operator("not")
def build_not(value, compiler, loc):
    """Flips True/False and keeps the evidence (a forbidden phrase found is the evidence)."""
    child = compiler.compile(value, loc)

    def run(env: Env) -> Result:
        r = child(env)
        return r if r.value is None else Result(not r.value, r.evidence, r.zh, r.en, r.facts)

    return run


@operator("macro")
def build_macro(value, compiler, loc):
    """Inlines a named expression from rules/macros.yaml (its params default, the rule's override)."""
    if not isinstance(value, str) or value not in compiler.macros:
        close = get_close_matches(str(value), compiler.macros, n=1)
        raise CompileError(loc, f"unknown macro '{value}'",
                           f"did you mean `{close[0]}`?" if close else "define it in rules/macros.yaml")
    if value in compiler._macro_stack:
        raise CompileError(loc, f"macro '{value}' uses itself", "remove the cycle")
    macro = compiler.macros[value]
    params = {**macro.get("params", {}), **compiler.params}
    expr = substitute_params(macro["expr"], params, loc)
    compiler._macro_stack.append(value)
    try:
        return compiler.compile(expr, ("macro", value))
    finally:
        compiler._macro_stack.pop()


def _merge_facts(results: list[Result]) -> dict:
    facts: dict = {}
    for r in results:
        if r.facts:
            facts.update(r.facts)
    return facts


_phrase_of = itemgetter(0)  # Match.phrase, read in C


def _dedup(evidence: list[Evidence]) -> list[Evidence]:
    """The evidence without repeats (equal speaker, span and text), first ones first."""
    seen, out = set(), []
    for e in evidence:
        d = e.__dict__  # (one attribute read, not four: pydantic's are slow)
        key = (d["speaker"], d["start"], d["end"], d["text"])
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


# --------------------------------------------------------------------------------------------
# Phrases
# --------------------------------------------------------------------------------------------
_SPEAKER_ZH = {"agent": "坐席", "customer": "客户", "any": ""}
_CLAUSE_END = re.compile(r"[。！？!?；;]")


def _first_question_clause(text: str) -> str:
    start = 0
    for m in _CLAUSE_END.finditer(text + "。"):
        clause = text[start:m.end()]
        if any(q in clause for q in ("?", "？", "吗", "请问", "什么", "怎么", "哪", "贵姓", "呢")):
            return clause
        start = m.end()
    return text


def _quote(phrases: list[str]) -> str:
    if len(phrases) == 1:  # the common case, without building the dict that drops repeats
        return "「" + phrases[0] + "」"
    return _QUOTES[tuple(phrases)] if phrases else ""


# the phrases found in a line repeat from call to call (agents keep to the script)
_QUOTES = T.BoundedMemo(lambda phrases: f"「{'」、「'.join(dict.fromkeys(phrases))}」")


def _empty_scope(scope: Scope, env: Env, on_empty: str, what_zh: str = "", what_en: str = "") -> Result:
    who = _SPEAKER_ZH[scope.speaker]
    if on_empty == "true":
        return Result(True, [], f"没有可检查的{who}话语", f"no {scope.speaker} utterance in scope")
    if on_empty in ("fail", "false"):
        ev = [env.event.evidence] if env.event else []
        zh = f"未找到{what_zh}（{who}没有相应的话语）" if what_zh else f"{who}没有相应的话语"
        en = f"no {what_en} (no {scope.speaker} utterance in scope)" if what_en else f"no {scope.speaker} utterance in scope"
        return Result(False, ev, zh, en)
    return Result(None, [], f"没有可检查的{who}话语", f"no {scope.speaker} utterance to check")


def _ask_audio(view: CallView, idx: list[int], part: str, expected: list[str],
               rivals: list[str] | Callable[[], list[str]], *, at_start: bool = False,
               between: tuple = ((), ())) -> AudioCheck | None:
    """The audio's verdict on an expected phrase in the first utterance in scope (None without a
    verifier: rule tests and text-only analysis)."""
    verifier = view.ctx.verifier
    if verifier is None or not idx or not expected:
        return None
    return verifier.check(view.utts[idx[0]], part, expected, rivals, at_start=at_start, between=between)


def _with_check(view: CallView, idx: list[int], check: AudioCheck | None) -> list[Evidence]:
    """The utterances as evidence, the first carrying the audio check and its scores."""
    evidence = view.evidence_of(idx)
    if check is None or not evidence:
        return evidence
    return [evidence[0].model_copy(update={"audio_check": check}), *evidence[1:]]


def _heard_note(check: AudioCheck) -> tuple[str, str]:
    """How a part verified on the audio is worded in the finding's message."""
    scores = f"{check.expected_score:.1f} 对 {check.rival_score:.1f}"
    zh = f"（音频核对：识别为「{check.heard or '无'}」，音频支持「{check.expected}」，{scores}）"
    en = (f" (checked on the audio: heard '{check.heard or 'nothing'}', the audio supports '{check.expected}', "
          f"{check.expected_score:.1f} vs {check.rival_score:.1f})")
    return zh, en


class PhraseArgs(Args):
    list: str | None = Field(None, description="a phrase list id (rules/lists/<id>.yaml)")
    lists: builtins.list[str] | None = None
    phrases: builtins.list[str] | None = Field(None, description="inline phrases (prefer a named list)")
    tolerance: Literal["exact", "pinyin", "fuzzy"] = "pinyin"
    regex: str | None = Field(None, description="regular expression over the normalised characters")
    scope: Scope = Scope()
    clause: Literal["all", "first_question"] = "all"
    on_empty: Literal["n/a", "fail", "false", "true"] = Field(
        "n/a", description="value when the scope holds no utterance (fail = false)")
    what_zh: str | None = None
    what_en: str | None = None
    audio_check: str | None = Field(None, description="a part name (brand): when no phrase is found, ask the "
                                    "audio whether one of the list's phrases was said in the scope's first utterance")

    @model_validator(mode="after")
    def _one_source(self):
        if not (self.list or self.lists or self.phrases or self.regex):
            raise ValueError("give one of list, lists, phrases or regex")
        return self

    @field_validator("regex")
    @classmethod
    def _valid_regex(cls, v):
        if v is not None:
            re.compile(v)
        return v


@operator("phrase", PhraseArgs)
def build_phrase(a: PhraseArgs, compiler: Compiler, loc):
    """True when an utterance in scope contains a phrase of the list(s) (ASR-tolerant), or matches
    the regex. Evidence: the utterances that matched; when nothing matched, those searched."""
    ids = list(a.lists or [])
    if a.list:
        ids.insert(0, a.list)
    for n, list_id in enumerate(ids):
        compiler.need_list(list_id, loc + ("lists", n) if a.lists and list_id in a.lists else loc + ("list",))
    if a.phrases:
        ids.append(compiler.anonymous_list(a.phrases, a.tolerance))
    compiler.use(ids, a.scope, searched=a.clause == "all")
    regex = re.compile(a.regex) if a.regex else None
    skey = a.scope.key()
    titles = [compiler.lists[i].title_zh or i for i in ids if i in compiler.lists and "#" not in i]
    what_zh = a.what_zh or ("、".join(titles) if titles else "指定用语")
    what_en = a.what_en or (", ".join(i for i in ids if "#" not in i) or "the phrase")
    scope, clause = a.scope, a.clause
    # the same expression in several rules (e.g. a macro) is evaluated once per call and event;
    # inline phrase lists are the rule's own, so their key never matches another rule's
    memo_key = intern_key(("phrase", tuple(ids), a.regex, clause, skey, a.on_empty, what_zh, what_en))
    one_list = ids[0] if len(ids) == 1 and not regex and clause == "all" else None

    ids_key = tuple(ids)

    def found_in(view: CallView, i: int) -> list[str]:
        if clause == "first_question":
            fq = view.memo.get(("first_question", i, ids_key))
            if fq is None:
                # automata of these lists alone (a list's matches do not depend on the other lists)
                text = _first_question_clause(view.utts[i].text)
                cleaned = T.clean(text)
                views: dict[str, str] = {}

                def get(channel: str) -> str:
                    v = views.get(channel)
                    if v is None:
                        if channel == "clean":
                            v = cleaned
                        elif channel == "chars":
                            v = T.numerals_to_arabic(cleaned)
                        elif channel == "pinyin":
                            v = T.pinyin_of_clean(cleaned)
                        else:
                            v = T.fuzzy_of_pinyin(get("pinyin"))
                        views[channel] = v
                    return v

                matches = view.index.group_for(ids_key).match(get)
                fq = view.memo[("first_question", i, ids_key)] = (matches, get("chars"))
            matches, target = fq
            hits = [m.phrase for lid in ids for m in matches.get(lid, ())]
        else:
            hits = [m.phrase for lid in ids for m in view.found(i, lid)]
            target = view.view(i, "chars") if regex else ""
        if regex:
            hits += [m.group() for m in regex.finditer(target)]
        return hits

    not_found_zh, not_found_en = f"未找到{what_zh}", f"no {what_en} found"
    audio_part = a.audio_check
    audio_phrases = [p for i in ids if i in compiler.lists for p in compiler.lists[i].phrases]

    def _phrase_on_audio(view: CallView, idx: list[int]) -> Result | None:
        check = _ask_audio(view, idx, audio_part, audio_phrases, [""])
        if check is None:
            return None
        evidence = _with_check(view, idx, check)
        if not check.verified:
            return Result(False, evidence, not_found_zh, not_found_en)
        zh, en = _heard_note(check)
        q = f"「{check.expected}」"
        return Result(True, evidence, f"{what_zh}：{q}{zh}", f"{what_en}: {q}{en}", {"phrase": check.expected, "phrases": q + zh})

    def run(env: Env) -> Result:
        # memoised per call and event (the search written out here: one call less for the commonest
        # operator)
        view, event = env.view, env.event
        key = memo_key if event is None else (memo_key, event.kind, event.ordinal)
        r = view.memo.get(key)
        if r is not None:
            return r
        # view.scope_cached inlined: the scope is nearly always cached already
        idx = view._scopes.get(skey if event is None else (skey, event.kind, event.ordinal))
        if idx is None:
            idx = view.scope_cached(scope, skey, event)
        hit_idx, phrases = [], []
        if one_list is not None:  # view.found inlined: the commonest search of all
            g = view._group_of[one_list]
            done = view._matches[g]
            for i in idx:
                m = done[i]
                if m is None:
                    m = view._match(i, g)
                ms = m.get(one_list)
                if ms:
                    hit_idx.append(i)
                    phrases.extend(map(_phrase_of, ms))
        else:
            for i in idx:
                hits = found_in(view, i)
                if hits:
                    hit_idx.append(i)
                    phrases += hits
        if hit_idx:
            q = _quote(phrases)
            r = Result(True, view.evidence_of(hit_idx), f"{what_zh}：{q}", f"{what_en}: {q}" if view.en else "",
                       {"phrase": phrases[0], "phrases": q})
        elif idx:
            r = _phrase_on_audio(view, idx) if audio_part else None
            r = r or Result(False, view.evidence_of(idx), not_found_zh, not_found_en if view.en else "")
        else:
            r = _empty_scope(scope, env, a.on_empty, what_zh, what_en)
        view.memo[key] = r
        return r

    return run


class Window(Args):
    from_: str = Field(alias="from", pattern=r"^\d{1,2}:\d{2}$")
    to: str = Field(pattern=r"^\d{1,2}:\d{2}$")
    list: str
    name_zh: str = ""

    def contains(self, t: time) -> bool:
        lo, hi = _hhmm(self.from_), _hhmm(self.to)
        return _within(t, lo, hi)


def _within(t: time, lo: time, hi: time) -> bool:
    """t in [lo, hi), wrapping midnight (``Window.contains`` with parsed bounds)."""
    return lo <= t < hi if lo < hi else (t >= lo or t < hi)


def _hm(t: time | datetime) -> str:
    """HH:MM (what ``f"{t:%H:%M}"`` gives, without strftime's cost on every call)."""
    return f"{t.hour:02d}:{t.minute:02d}"


def _hhmm(s: str) -> time:
    h, m = s.split(":")
    return time(int(h) % 24, int(m))


class GreetingArgs(Args):
    windows: list[Window] = Field(min_length=1)
    generic: str | None = Field(None, description="list of plain greetings (您好) that are not enough")
    scope: Scope = Scope(first_turn=True)


@operator("greeting_time_of_day", GreetingArgs)
def build_greeting(a: GreetingArgs, compiler: Compiler, loc):
    """True when the utterances in scope use the salutation of the window holding the call's local
    start time; n/a without a start time."""
    for n, w in enumerate(a.windows):
        compiler.need_list(w.list, loc + ("windows", n, "list"))
    if a.generic:
        compiler.need_list(a.generic, loc + ("generic",))
    names = {w.list: w.name_zh or (compiler.lists[w.list].phrases[0]) for w in a.windows}
    compiler.use(list(names) + ([a.generic] if a.generic else []), a.scope)
    skey = a.scope.key()
    windows = [(w.list, _hhmm(w.from_), _hhmm(w.to)) for w in a.windows]
    scope, generic_list = a.scope, a.generic  # (locals: see build_record)
    generic_phrases = list(compiler.lists[a.generic].phrases) if a.generic else []
    spoken = {w.list: list(compiler.lists[w.list].phrases) for w in a.windows}
    rivals = {lid: [p for other, ps in spoken.items() if other != lid for p in ps] + generic_phrases + [""]
              for lid in spoken}

    def run(env: Env) -> Result:
        view = env.view
        start = view.local_start
        if start is None:
            return Result(None, [], "缺少通话开始时间（通话记录没有 started_at）", "missing call start time (no started_at)")
        idx = view.scope_cached(scope, skey, env.event)
        if not idx:
            return _empty_scope(scope, env, "n/a")
        t = start.time()
        window = next((lid for lid, lo, hi in windows if _within(t, lo, hi)), None)
        if window is None:
            return Result(None, [], f"{_hm(t)} 不在任何问候时段内", f"{_hm(t)} is in no greeting window")
        found = {lid: [m.phrase for i in idx for m in view.found(i, lid)] for lid in names}
        evidence = view.evidence_of(idx)
        expected = names[window]
        when = _hm(t)
        if found[window]:
            return Result(True, evidence, f"{when} 使用了「{found[window][0]}」", f"{when}: said {found[window][0]}",
                          {"expected": expected, "local_time": when})
        check = _ask_audio(view, idx, "greeting", spoken[window], rivals[window], at_start=True)
        evidence = _with_check(view, idx, check)
        if check is not None and check.verified:
            zh, en = _heard_note(check)
            return Result(True, evidence, f"{when} 使用了「{check.expected}」{zh}", f"{when}: said {check.expected}{en}",
                          {"expected": expected, "local_time": when})
        wrong = [p for lid, ps in found.items() if lid != window for p in ps]
        facts = {"expected": expected, "local_time": when}
        if wrong:
            return Result(False, evidence, f"{when} 应说「{expected}」，实际说「{wrong[0]}」",
                          f"at {when} the greeting should be {expected}, agent said {wrong[0]}", facts)
        generic = [m.phrase for i in idx for m in view.found(i, generic_list)] if generic_list else []
        if generic:
            return Result(False, evidence, f"只说了「{generic[0]}」，{when} 应说「{expected}」",
                          f"only a plain {generic[0]}; at {when} the greeting should be {expected}", facts)
        return Result(False, evidence, f"没有问候语，{when} 应说「{expected}」", f"no greeting; at {when} expected {expected}", facts)

    return run


# --------------------------------------------------------------------------------------------
# Work number
# --------------------------------------------------------------------------------------------
class WorkNumberArgs(Args):
    scope: Scope = Scope(first_turn=True)
    prefixes: str = Field("work_number_prefix", description="list of phrases said right before the number")
    suffixes: str = Field("work_number_suffix", description="list of phrases said right after the number")
    record_field: str = "agent_id"


def _syllables(s: str) -> list[str]:
    return [T.fold_syllable(T.syllable_of(ch) or ch) for ch in s]


@operator("work_number", WorkNumberArgs)
def build_work_number(a: WorkNumberArgs, compiler: Compiler, loc):
    """True when the utterances in scope state a work number equal to the call record's agent_id.
    No number stated → False. A number stated but no agent_id in the record → n/a (cannot verify)."""
    prefixes = tuple(syllable_codes(_syllables(T.clean(p))) for p in compiler.need_list(a.prefixes, loc + ("prefixes",)).phrases)
    frame = (compiler.lists[a.prefixes].phrases, compiler.lists[a.suffixes].phrases)  # where the audio check looks
    suffixes = tuple(syllable_codes(_syllables(T.clean(p))) for p in compiler.need_list(a.suffixes, loc + ("suffixes",)).phrases)
    skey = a.scope.key()
    scope, record_field = a.scope, a.record_field  # (locals: see build_record)

    def run(env: Env) -> Result:
        view = env.view
        idx = view.scope_cached(scope, skey, env.event)
        if not idx:
            return _empty_scope(scope, env, "n/a")
        expected = getattr(view.ctx.record, record_field, None)
        stated, where = [], []
        for i in idx:
            nums = numbers_in(view.view(i, "clean"), view.view(i, "fuzzy"), prefixes, suffixes)
            if nums:
                stated += nums
                where.append(i)
        evidence = [view.evidence(i) for i in (where or idx)]
        facts = {"stated": stated[0] if stated else "", "expected": expected or ""}
        # (the audio check says the number digit by digit: only for a record's id made of digits)
        if expected and expected.isascii() and expected.isdigit() and not any(same_number(s, expected) for s in stated):
            forms = spoken_forms(expected)
            # the near numbers in every way of saying them: a garbled 一百 must not lose to 110 only
            # because the rivals were written 100
            check = _ask_audio(view, idx, "work_number", forms,
                               lambda: [n for f in forms for n in near_numbers(expected, like=f)], between=frame)
            evidence = _with_check(view, idx, check) if check is not None else evidence
            if check is not None and check.verified:
                zh, en = _heard_note(check)
                return Result(True, evidence, f"报工号 {expected}{zh}", f"stated work number {expected}{en}", facts)
        if not stated:
            exp = f"（应为 {expected} 号）" if expected else ""
            return Result(False, evidence, f"开场未报工号{exp}", "no work number stated" + (f" (expected {expected})" if expected else ""), facts)
        if not expected:
            return Result(None, evidence, f"通话记录缺少坐席工号（agent_id），无法核对所报工号 {stated[0]}",
                          f"call record has no agent_id; stated number {stated[0]} cannot be checked", facts)
        if any(same_number(s, expected) for s in stated):
            return Result(True, evidence, f"报工号 {expected}", f"stated work number {expected}", facts)
        return Result(False, evidence, f"所报工号 {stated[0]} 与通话记录的工号 {expected} 不一致",
                      f"stated work number {stated[0]} differs from the call record's agent_id {expected}", facts)

    return run


# --------------------------------------------------------------------------------------------
# Call record, time and metrics
# --------------------------------------------------------------------------------------------
class Compare(Args):
    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(None, alias="in")
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    between: tuple[float, float] | None = None

    def compiled(self) -> Callable[[Any], bool]:
        """``test`` with the bounds looked up once (same checks, same order)."""
        checks: list[Callable[[Any], bool]] = []
        if self.eq is not None:
            checks.append(lambda v, b=self.eq: v == b)
        if self.ne is not None:
            checks.append(lambda v, b=self.ne: v != b)
        if self.in_ is not None:
            checks.append(lambda v, b=self.in_: v in b)
        if self.lt is not None:
            checks.append(lambda v, b=self.lt: v < b)
        if self.le is not None:
            checks.append(lambda v, b=self.le: v <= b)
        if self.gt is not None:
            checks.append(lambda v, b=self.gt: v > b)
        if self.ge is not None:
            checks.append(lambda v, b=self.ge: v >= b)
        if self.between is not None:
            checks.append(lambda v, b=self.between: b[0] <= v <= b[1])

        if len(checks) == 1:  # the common case: the check itself, without a loop around it
            return checks[0]

        def test(v: Any) -> bool:
            for check in checks:
                if not check(v):
                    return False
            return True

        return test

    def test(self, v: Any) -> bool:
        checks = [
            (self.eq, lambda: v == self.eq), (self.ne, lambda: v != self.ne), (self.in_, lambda: v in self.in_),
            (self.lt, lambda: v < self.lt), (self.le, lambda: v <= self.le), (self.gt, lambda: v > self.gt),
            (self.ge, lambda: v >= self.ge), (self.between, lambda: self.between[0] <= v <= self.between[1]),
        ]
        return all(fn() for bound, fn in checks if bound is not None)

    def describe(self) -> str:
        parts = []
        for name, sym in (("eq", "="), ("ne", "≠"), ("lt", "<"), ("le", "≤"), ("gt", ">"), ("ge", "≥")):
            if getattr(self, name) is not None:
                parts.append(f"{sym} {getattr(self, name)}")
        if self.in_ is not None:
            parts.append(f"∈ {self.in_}")
        if self.between is not None:
            parts.append(f"{self.between[0]}–{self.between[1]}")
        return ", ".join(parts)


_RECORD_FIELDS = ("call_id", "direction", "agent_id", "agent_channel", "customer_number", "started_at",
                  "ring_seconds", "hangup_by")


class RecordArgs(Compare):
    field: str

    @field_validator("field")
    @classmethod
    def _known(cls, v):
        if v not in _RECORD_FIELDS:
            raise ValueError(f"unknown call-record field '{v}' (fields: {', '.join(_RECORD_FIELDS)})")
        return v


@operator("record", RecordArgs)
def build_record(a: RecordArgs, compiler, loc):
    """Call-record predicate, e.g. ``record: {field: direction, eq: inbound}``; n/a when the field
    is missing."""
    test, name = a.compiled(), a.field  # (closures read locals: pydantic attribute reads are slow)

    def run(env: Env) -> Result:
        v = getattr(env.view.ctx.record, name, None)
        if v is None:
            return Result(None, [], f"通话记录缺少 {name}", f"call record has no {name}")
        ok = test(v)
        return Result(ok, [], f"通话记录 {name} = {v}", f"call record {name} = {v}" if env.view.en else "")

    return run


class LocalTimeArgs(Args):
    from_: str = Field(alias="from", pattern=r"^\d{1,2}:\d{2}$")
    to: str = Field(pattern=r"^\d{1,2}:\d{2}$")


@operator("local_time", LocalTimeArgs)
def build_local_time(a: LocalTimeArgs, compiler, loc):
    """True when the call's local start time is in [from, to) (wrapping midnight); n/a without it."""
    window = Window.model_validate({"from": a.from_, "to": a.to, "list": ""})

    def run(env: Env) -> Result:
        start = env.view.local_start
        if start is None:
            return Result(None, [], "缺少通话开始时间", "missing call start time")
        return Result(window.contains(start.time()), [], f"开始时间 {_hm(start)}", f"start time {_hm(start)}")

    return run


class MetricArgs(Compare):
    name: str = Field(description="CallMetrics field, dotted for speakers: agent.speech_rate_cpm")
    fallback_record: str | None = Field(None, description="call-record field used when the metric is None")
    label_zh: str = ""
    label_en: str = ""
    unit: str = ""
    evidence: Literal["agent_speech", "customer_speech", "answer", "end", "call"] = "call"

    @field_validator("name")
    @classmethod
    def _known(cls, v):
        head, _, tail = v.partition(".")
        if head in ("agent", "customer") and tail in SpeakerMetrics.model_fields:
            return v
        if not tail and head in CallMetrics.model_fields:
            return v
        raise ValueError(f"unknown metric '{v}'")


def _span_evidence(view: CallView, kind: str, text: str) -> Evidence:
    utts = view.utts
    duration = view.ctx.metrics.duration_s or (utts[-1].end if utts else 0.0)
    if kind in ("agent_speech", "customer_speech"):
        who = kind.split("_")[0]
        idx = view.by_speaker[who]
        if idx:
            return trusted_evidence(utts[idx[0]].start, utts[idx[-1]].end, text, who)
    if kind == "answer":
        m = view.ctx.metrics
        first = view.by_speaker["agent"]
        end = m.answer_s if m.answer_s is not None else (utts[first[0]].start if first else 0.0)
        return trusted_evidence(0.0, end, text)
    if kind == "end":
        start = utts[-1].start if utts else max(0.0, duration - 5.0)
        return trusted_evidence(start, duration, text)
    return trusted_evidence(0.0, duration, text)


@operator("metric", MetricArgs)
def build_metric(a: MetricArgs, compiler, loc):
    """Threshold on a CallMetrics value (``le``, ``between`` …); n/a when the value is missing."""
    head, _, tail = a.name.partition(".")
    label_zh, label_en = a.label_zh or a.name, a.label_en or a.name
    test = a.compiled()
    described = a.describe()
    fallback, unit, evidence = a.fallback_record, a.unit, a.evidence  # (locals: see build_record)

    def run(env: Env) -> Result:
        m = env.view.ctx.metrics
        v = getattr(getattr(m, head), tail) if tail else getattr(m, head)
        if v is None and fallback:
            v = getattr(env.view.ctx.record, fallback, None)
        if v is None:
            return Result(None, [], f"缺少{label_zh}", f"{label_en} is missing")
        shown = f"{v:.1f}" if isinstance(v, float) else str(v)
        ok = test(v)
        zh = f"{label_zh} {shown}{unit}" + ("" if ok else f"（要求 {described}）")
        en = f"{label_en} {shown}{unit}" + ("" if ok else f" (required {described})") if env.view.en else ""
        ev = [] if ok else [_span_evidence(env.view, evidence, zh)]
        return Result(ok, ev, zh, en, {"value": shown})

    return run


class RingsArgs(Args):
    max: int = Field(ge=0)
    ring_cycle_s: float = Field(5.0, gt=0)


@operator("rings", RingsArgs)
def build_rings(a: RingsArgs, compiler, loc):
    """Rings before answer ≤ max: metrics.rings, else ceil(record.ring_seconds / ring cycle);
    n/a when neither is known."""

    def run(env: Env) -> Result:
        m, rec = env.view.ctx.metrics, env.view.ctx.record
        rings, source = m.rings, m.ring_source
        if rings is None and rec.ring_seconds is not None:
            rings, source = math.ceil(rec.ring_seconds / a.ring_cycle_s - 1e-9), "call_record"
        if rings is None:
            return Result(None, [], "缺少响铃信息（通话记录没有 ring_seconds，音频中也未检测到回铃音）",
                          "ring count unknown (no ring_seconds in the call record, no ringback in the audio)")
        ok = rings <= a.max
        zh = f"响铃 {rings} 声" + ("" if ok else f"，超过 {a.max} 声")
        en = f"{rings} ring(s)" + ("" if ok else f", more than {a.max}") if env.view.en else ""
        return Result(ok, [] if ok else [_span_evidence(env.view, "answer", zh)], zh, en,
                      {"rings": rings, "ring_source": source})

    return run


# --------------------------------------------------------------------------------------------
# Spans and events
# --------------------------------------------------------------------------------------------
class NoSpanArgs(Args):
    source: Literal["dead_air", "overlaps", "holds"]
    min_s: float = Field(0.0, ge=0, description="count spans lasting at least this long")
    longer_than: float | None = Field(None, ge=0, description="count spans lasting strictly longer")
    interrupter: Literal["agent", "customer"] | None = None
    excuse_event: Literal["hold"] | None = Field(None, description="spans overlapping such an event are excused…")
    excuse_where: Any = Field(None, description="…when this expression holds for the event")
    label_zh: str = ""
    label_en: str = ""


@operator("no_span", NoSpanArgs)
def build_no_span(a: NoSpanArgs, compiler: Compiler, loc):
    """True when no span of the metric (dead air, overlaps, holds) passes the filters. Evidence: the
    offending spans (with the agent's words for overlaps)."""
    where = None
    if a.excuse_where is not None:
        outer, compiler.event_kind = compiler.event_kind, a.excuse_event
        try:
            where = compiler.compile(a.excuse_where, loc + ("excuse_where",))
        finally:
            compiler.event_kind = outer
    label_zh = a.label_zh or {"dead_air": "静音", "overlaps": "抢话", "holds": "保持"}[a.source]
    label_en = a.label_en or a.source

    source, min_s, longer_than, interrupter, excuse = a.source, a.min_s, a.longer_than, a.interrupter, a.excuse_event

    def offending(env: Env) -> list:
        out = []
        for s in getattr(env.view.ctx.metrics, source):
            start, end = s.start, s.end
            d = end - start
            if d < min_s or (longer_than is not None and d <= longer_than):
                continue
            if interrupter and getattr(s, "interrupter", None) != interrupter:
                continue
            if excuse and _excused(env, start, end):
                continue
            out.append(s)
        return out

    def _excused(env: Env, start: float, end: float) -> bool:
        for ev in env.view.events(excuse):
            if ev.start < end and start < ev.end:
                if where is None or where(Env(env.view, ev)).value:
                    return True
        return False

    def run(env: Env) -> Result:
        bad = offending(env)
        if not bad:
            return Result(True, [], f"没有{label_zh}问题", f"no {label_en} issue" if env.view.en else "")
        evidence = [_span_with_words(env.view, s, label_zh) for s in bad]
        spans = "、".join(f"{s.start:.1f}–{s.end:.1f}s（{s.end - s.start:.1f} 秒）" for s in bad)
        en = ""
        if env.view.en:
            en = f"{len(bad)} {label_en}: " + ", ".join(f"{s.start:.1f}–{s.end:.1f}s ({s.end - s.start:.1f} s)" for s in bad)
        return Result(False, evidence, f"{len(bad)} 处{label_zh}：{spans}", en, {"count": len(bad)})

    return run


def _span_with_words(view: CallView, s, label: str) -> Evidence:
    # (not getattr with a default: a pydantic model raises and catches for a missing attribute)
    who = s.interrupter if isinstance(s, Overlap) else None
    if who:
        starts, ends, texts = view._starts, view._ends, view._texts
        words = [texts[i] for i in view.by_speaker[who] if starts[i] < s.end and s.start < ends[i] + 0.5]
        return trusted_evidence(s.start, s.end, (words[0] if words else label), who)
    return trusted_evidence(s.start, s.end, f"{label} {s.end - s.start:.1f} 秒")


class ForEachArgs(Args):
    event: Literal["hold", "transfer"]
    check: Any


_EVENT_ZH = {"hold": "保持", "transfer": "转接"}


@operator("for_each", ForEachArgs)
def build_for_each(a: ForEachArgs, compiler: Compiler, loc):
    """Evaluates ``check`` once per hold or transfer (scopes with before_event/after_event refer to
    it). n/a when there is no such event; False when the check fails for any of them."""
    outer, compiler.event_kind = compiler.event_kind, a.event
    try:
        check = compiler.compile(a.check, loc + ("check",))
    finally:
        compiler.event_kind = outer
    label, kind = _EVENT_ZH[a.event], a.event

    def run(env: Env) -> Result:
        events = env.view.events(kind)
        if not events:
            return Result(None, [], f"通话中没有{label}", f"no {kind} in the call")
        view = env.view
        results = [(ev, check(Env(view, ev))) for ev in events]
        failed = [(ev, r) for ev, r in results if r.value is False]
        if failed:
            evidence = _dedup([e for ev, r in failed for e in [ev.evidence, *r.evidence]])
            return Result(False, evidence, _per_event_zh(failed, label), _per_event_en(failed, kind) if view.en else "",
                          {"count": len(failed)})
        passed = [(ev, r) for ev, r in results if r.value]
        if not passed:
            return Result(None, [], _per_event_zh(results, label), _per_event_en(results, kind) if view.en else "")
        return Result(True, _dedup([e for _, r in passed for e in r.evidence]), f"{len(passed)} 次{label}均符合要求",
                      f"all {len(passed)} {kind}(s) comply" if view.en else "", {"count": len(passed)})

    return run


def _per_event_zh(results: list[tuple[Event, Result]], label: str) -> str:
    return "；".join(f"第{ev.ordinal + 1}次{label}（{ev.start:.1f}–{ev.end:.1f}s）：{r.zh}" for ev, r in results)


def _per_event_en(results: list[tuple[Event, Result]], event: str) -> str:
    return "; ".join(f"{event} {ev.ordinal + 1} ({ev.start:.1f}–{ev.end:.1f}s): {r.en}" for ev, r in results)


class EventDurationArgs(Args):
    max_s: float | None = Field(None, gt=0)
    min_s: float | None = Field(None, ge=0)


@operator("event_duration", EventDurationArgs)
def build_event_duration(a: EventDurationArgs, compiler, loc):
    """Inside ``for_each``: the current event lasts at most ``max_s`` (at least ``min_s``)."""

    max_s, min_s = a.max_s, a.min_s  # (locals: see build_record)

    def run(env: Env) -> Result:
        ev = env.event
        if ev is None:
            return Result(None, [], "没有当前事件（event_duration 需在 for_each 内使用）", "no current event")
        d = ev.duration
        ok = (max_s is None or d <= max_s) and (min_s is None or d >= min_s)
        limit = f"，超过 {max_s:g} 秒" if max_s is not None and d > max_s else ""
        shown = f"{d:.1f}"
        return Result(ok, [] if ok else [ev.evidence], f"时长 {shown} 秒{limit}",
                      f"lasted {shown} s" if env.view.en else "", {"duration": shown})

    return run


class SwitchArgs(Args):
    field: str
    cases: dict[str, Any]
    default: Any = None


@operator("switch", SwitchArgs)
def build_switch(a: SwitchArgs, compiler: Compiler, loc):
    """Picks an expression by a call-record field: ``switch: {field: direction, cases: {inbound: …,
    outbound: …}}``; n/a when the value has no case and there is no default."""
    if a.field not in _RECORD_FIELDS:
        raise CompileError(loc + ("field",), f"unknown call-record field '{a.field}'", f"fields: {', '.join(_RECORD_FIELDS)}")
    cases = {k: compiler.compile(v, loc + ("cases", k)) for k, v in a.cases.items()}
    default = compiler.compile(a.default, loc + ("default",)) if a.default is not None else None

    def run(env: Env) -> Result:
        v = getattr(env.view.ctx.record, a.field, None)
        branch = cases.get(str(v)) if v is not None else None
        branch = branch or default
        if branch is None:
            return Result(None, [], f"通话记录 {a.field} = {v}，无对应检查", f"no check for {a.field} = {v}")
        return branch(env)

    return run


class HasEventArgs(Args):
    event: Literal["hold", "transfer"]


@operator("has_event", HasEventArgs)
def build_has_event(a: HasEventArgs, compiler, loc):
    """True when the call has at least one hold / transfer."""

    def run(env: Env) -> Result:
        events = env.view.events(a.event)
        label = _EVENT_ZH[a.event]
        return Result(bool(events), [e.evidence for e in events], f"{len(events)} 次{label}", f"{len(events)} {a.event}(s)")

    return run


def operator_docs() -> dict[str, str]:
    """Operator name → first line of its documentation (for `qa-engine rules validate --list`)."""
    return {name: op.doc.splitlines()[0] if op.doc else "" for name, op in sorted(OPERATORS.items())}
