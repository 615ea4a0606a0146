"""The opening's operators: ``greeting_time_of_day`` and ``work_number``. Both ask the audio
(``audio.ask_audio``) before failing an agent whose words the transcript may have garbled."""

from __future__ import annotations

from pydantic import Field

from qa_engine.rules import text as T
from qa_engine.rules.compiler import Args, Compiler, Env, Evaluator, Result, operator
from qa_engine.rules.context import CallView
from qa_engine.rules.numbers import (
    near_numbers,
    numbers_in,
    same_number,
    spoken_forms,
    syllable_codes,
)
from qa_engine.rules.operators.audio import ask_audio, heard_note, with_check
from qa_engine.rules.operators.phrase import empty_scope
from qa_engine.rules.operators.record import Window, hm
from qa_engine.rules.scopes import Scope, select
from qa_engine.types import AudioCheck, Evidence


class GreetingWindow(Window):
    list: str = Field(description="the salutations of this time of day")
    name_zh: str = ""


class GreetingArgs(Args):
    windows: list[GreetingWindow] = Field(min_length=1)
    generic: str | None = Field(None, description="list of plain greetings (您好) that are not enough")
    scope: Scope = Scope(first_turn=True)


@operator("greeting_time_of_day", GreetingArgs)
def build_greeting(a: GreetingArgs, compiler: Compiler, loc) -> Evaluator:
    """True when the utterances in scope use the salutation of the window holding the call's local
    start time; n/a without a start time."""
    for n, w in enumerate(a.windows):
        compiler.need_list(w.list, loc + ("windows", n, "list"))
    generic = list(compiler.need_list(a.generic, loc + ("generic",)).phrases) if a.generic else []
    names = {w.list: w.name_zh or compiler.lists[w.list].phrases[0] for w in a.windows}
    spoken = {w.list: list(compiler.lists[w.list].phrases) for w in a.windows}
    # what the audio check weighs the expected salutation against: the others, a plain 您好, none
    rivals = {lid: [p for other, ps in spoken.items() if other != lid for p in ps] + generic + [""] for lid in spoken}

    def run(env: Env) -> Result:
        view = env.view
        start = view.local_start
        if start is None:
            return Result(None, [], "缺少通话开始时间（通话记录没有 started_at）", "missing call start time (no started_at)")
        idx = select(view, a.scope, env.event)
        if not idx:
            return empty_scope(a.scope, env, "n/a")
        when = hm(start)
        window = next((w.list for w in a.windows if w.contains(start.time())), None)
        if window is None:
            return Result(None, [], f"{when} 不在任何问候时段内", f"{when} is in no greeting window")
        said = [m.phrase for i in idx for m in view.found(i, window)]
        facts = {"expected": names[window], "local_time": when}
        if said:
            return Result(True, view.evidence_of(idx), f"{when} 使用了「{said[0]}」", f"{when}: said {said[0]}", facts)
        check = ask_audio(view, idx, "greeting", spoken[window], rivals[window], at_start=True)
        evidence = with_check(view, idx, check)
        if check is not None and check.verified:
            zh, en = heard_note(check)
            return Result(True, evidence, f"{when} 使用了「{check.expected}」{zh}", f"{when}: said {check.expected}{en}",
                          facts)
        return _wrong_greeting(view, idx, a, window, facts, evidence)

    return run


def _wrong_greeting(view: CallView, idx: list[int], a: GreetingArgs, window: str, facts: dict,
                    evidence: list[Evidence]) -> Result:
    """The fail: another time of day's salutation, only a plain greeting, or none."""
    when, expected = facts["local_time"], facts["expected"]
    wrong = [m.phrase for w in a.windows if w.list != window for i in idx for m in view.found(i, w.list)]
    if wrong:
        return Result(False, evidence, f"{when} 应说「{expected}」，实际说「{wrong[0]}」",
                      f"at {when} the greeting should be {expected}, agent said {wrong[0]}", facts)
    plain = [m.phrase for i in idx for m in view.found(i, a.generic)] if a.generic else []
    if plain:
        return Result(False, evidence, f"只说了「{plain[0]}」，{when} 应说「{expected}」",
                      f"only a plain {plain[0]}; at {when} the greeting should be {expected}", facts)
    return Result(False, evidence, f"没有问候语，{when} 应说「{expected}」", f"no greeting; at {when} expected {expected}",
                  facts)


class WorkNumberArgs(Args):
    scope: Scope = Scope(first_turn=True)
    prefixes: str = Field("work_number_prefix", description="list of phrases said right before the number")
    suffixes: str = Field("work_number_suffix", description="list of phrases said right after the number")
    record_field: str = "agent_id"


def _codes(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Phrases as strings of the fuzzy view (how ``numbers_in`` compares them)."""
    return tuple(syllable_codes(T.sounds(T.clean(p))) for p in phrases)


@operator("work_number", WorkNumberArgs)
def build_work_number(a: WorkNumberArgs, compiler: Compiler, loc) -> Evaluator:
    """True when the utterances in scope state a work number equal to the call record's agent_id.
    No number stated → False. A number stated but no agent_id in the record → n/a (cannot verify)."""
    prefixes = compiler.need_list(a.prefixes, loc + ("prefixes",)).phrases
    suffixes = compiler.need_list(a.suffixes, loc + ("suffixes",)).phrases
    prefix_codes, suffix_codes = _codes(prefixes), _codes(suffixes)

    def run(env: Env) -> Result:
        view = env.view
        idx = select(view, a.scope, env.event)
        if not idx:
            return empty_scope(a.scope, env, "n/a")
        expected = getattr(view.ctx.record, a.record_field, None)
        stated = {i: nums for i in idx if (nums := numbers_in(view.views(i).clean, view.views(i).fuzzy,
                                                               prefix_codes, suffix_codes))}
        numbers = [n for nums in stated.values() for n in nums]
        evidence = view.evidence_of(list(stated) or idx)
        facts = {"stated": numbers[0] if numbers else "", "expected": expected or ""}
        if expected and any(same_number(n, expected) for n in numbers):
            return Result(True, evidence, f"报工号 {expected}", f"stated work number {expected}", facts)
        check = _audio_check(view, idx, expected, (prefixes, suffixes))
        if check is not None:
            evidence = with_check(view, idx, check)
            if check.verified:
                zh, en = heard_note(check)
                return Result(True, evidence, f"报工号 {expected}{zh}", f"stated work number {expected}{en}", facts)
        return _unconfirmed(numbers, expected, evidence, facts)

    return run


def _audio_check(view: CallView, idx: list[int], expected: str | None, frame: tuple) -> AudioCheck | None:
    """The audio's opinion on the record's work number, said in any of its spoken forms and
    framed by a prefix and suffix (我是…号), against the numbers one digit away said the way that
    fits the audio best (an agent who says 二百四十七 is told from 二百四十一, not from 241). Only
    for a record's id made of digits (the check says the number digit by digit)."""
    if not (expected and expected.isascii() and expected.isdigit()):
        return None
    return ask_audio(view, idx, "work_number", spoken_forms(expected),
                     lambda best: near_numbers(expected, like=best), between=frame)


def _unconfirmed(numbers: list[str], expected: str | None, evidence: list[Evidence], facts: dict) -> Result:
    """No number, a number the record cannot confirm, or another number."""
    if not numbers:
        exp = f"（应为 {expected} 号）" if expected else ""
        return Result(False, evidence, f"开场未报工号{exp}",
                      "no work number stated" + (f" (expected {expected})" if expected else ""), facts)
    if not expected:
        return Result(None, evidence, f"通话记录缺少坐席工号（agent_id），无法核对所报工号 {numbers[0]}",
                      f"call record has no agent_id; stated number {numbers[0]} cannot be checked", facts)
    return Result(False, evidence, f"所报工号 {numbers[0]} 与通话记录的工号 {expected} 不一致",
                  f"stated work number {numbers[0]} differs from the call record's agent_id {expected}", facts)
