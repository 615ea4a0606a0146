"""Phrase search: ``phrase``, the operator most rules are built from."""

from __future__ import annotations

import builtins
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from qa_engine.rules import text as T
from qa_engine.rules.compiler import Args, Compiler, Env, Evaluator, Result, operator
from qa_engine.rules.context import CallView
from qa_engine.rules.operators.audio import ask_audio, heard_note, with_check
from qa_engine.rules.scopes import QUESTION_MARKS, Scope, select

_SPEAKER_ZH = {"agent": "坐席", "customer": "客户", "any": ""}
_CLAUSE_END = re.compile(r"[。！？!?；;]")
# what makes a clause a question: the scope's marks less 多少, as the golden outcomes record it
_CLAUSE_QUESTION = tuple(m for m in QUESTION_MARKS if m != "多少")


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
                                    "audio whether one of the list's phrases was said in the scope's first "
                                    "utterance, or its last when the scope counts from the end (last, last_s)")

    @model_validator(mode="after")
    def _one_source(self):
        if not (self.list or self.lists or self.phrases or self.regex):
            raise ValueError("give one of list, lists, phrases or regex")
        return self

    @field_validator("regex")
    @classmethod
    def _valid_regex(cls, v):
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:  # (not a ValueError: pydantic would let it through as a crash)
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return v


def empty_scope(scope: Scope, env: Env, on_empty: str, what_zh: str = "", what_en: str = "") -> Result:
    """The value of a search whose scope holds no utterance (``on_empty``)."""
    who = _SPEAKER_ZH[scope.speaker]
    if on_empty == "true":
        return Result(True, [], f"没有可检查的{who}话语", f"no {scope.speaker} utterance in scope")
    if on_empty in ("fail", "false"):
        ev = [env.event.evidence] if env.event else []
        zh = f"未找到{what_zh}（{who}没有相应的话语）" if what_zh else f"{who}没有相应的话语"
        en = f"no {what_en} (no {scope.speaker} utterance in scope)" if what_en else f"no {scope.speaker} utterance in scope"
        return Result(False, ev, zh, en)
    return Result(None, [], f"没有可检查的{who}话语", f"no {scope.speaker} utterance to check")


def first_question_clause(text: str) -> str:
    """The first clause of ``text`` that asks a question (the whole text when none does)."""
    start = 0
    for m in _CLAUSE_END.finditer(text + "。"):
        clause = text[start:m.end()]
        if any(q in clause for q in _CLAUSE_QUESTION):
            return clause
        start = m.end()
    return text


def quote(phrases: list[str]) -> str:
    """「a」、「b」: the phrases found, without repeats."""
    return "「" + "」、「".join(dict.fromkeys(phrases)) + "」" if phrases else ""


def _list_ids(a: PhraseArgs, compiler: Compiler, loc: tuple) -> list[str]:
    """The lists searched: ``list``, then ``lists``, then the inline ``phrases`` as a list."""
    if a.list:
        compiler.need_list(a.list, loc + ("list",))
    for n, list_id in enumerate(a.lists or []):
        compiler.need_list(list_id, loc + ("lists", n))
    ids = ([a.list] if a.list else []) + list(a.lists or [])
    if a.phrases:
        ids.append(compiler.anonymous_list(a.phrases, a.tolerance))
    return ids


@operator("phrase", PhraseArgs)
def build_phrase(a: PhraseArgs, compiler: Compiler, loc) -> Evaluator:
    """True when an utterance in scope contains a phrase of the list(s) (ASR-tolerant), or matches
    the regex. Evidence: the utterances that matched; when nothing matched, those searched."""
    ids = _list_ids(a, compiler, loc)
    regex = re.compile(a.regex) if a.regex else None
    named = [i for i in ids if "#" not in i]
    what_zh = a.what_zh or ("、".join(compiler.lists[i].title_zh or i for i in named) or "指定用语")
    what_en = a.what_en or (", ".join(named) or "phrase")
    audio_phrases = [p for i in ids for p in compiler.lists[i].phrases]
    # A closing phrase (scope counted from the end) is asked of the last utterance in scope.
    audio_turn = -1 if a.scope.last or a.scope.last_s else 0

    def found_in(view: CallView, i: int) -> list[str]:
        """The phrases (and regex matches) found in utterance i."""
        if a.clause == "first_question":
            clause = first_question_clause(view.utts[i].text)
            matches, chars = view.index.match_text(clause), T.chars_view(clause)
            hits = [m.phrase for lid in ids for m in matches.get(lid, ())]
        else:
            hits = [m.phrase for lid in ids for m in view.found(i, lid)]
            chars = view.views(i).chars if regex else ""
        return hits + ([m.group() for m in regex.finditer(chars)] if regex else [])

    def on_audio(view: CallView, idx: list[int]) -> Result | None:
        """When nothing was found: the audio's opinion (``audio_check``), None without one."""
        check = ask_audio(view, idx, a.audio_check, audio_phrases, [""], turn=audio_turn) if a.audio_check else None
        if check is None:
            return None
        if not check.verified:
            return Result(False, with_check(view, idx, check, audio_turn), f"未找到{what_zh}", f"no {what_en} found")
        zh, en = heard_note(check)
        q = f"「{check.expected}」"
        return Result(True, with_check(view, idx, check, audio_turn), f"{what_zh}：{q}{zh}", f"{what_en}: {q}{en}",
                      {"phrase": check.expected, "phrases": q + zh})

    def run(env: Env) -> Result:
        view = env.view
        idx = select(view, a.scope, env.event)
        if not idx:
            return empty_scope(a.scope, env, a.on_empty, what_zh, what_en)
        found = {i: hits for i in idx if (hits := found_in(view, i))}
        if not found:
            return on_audio(view, idx) or Result(False, view.evidence_of(idx), f"未找到{what_zh}", f"no {what_en} found")
        phrases = [p for hits in found.values() for p in hits]
        q = quote(phrases)
        return Result(True, view.evidence_of(list(found)), f"{what_zh}：{q}", f"{what_en}: {q}",
                      {"phrase": phrases[0], "phrases": q})

    return run
