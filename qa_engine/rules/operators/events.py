"""Operators on spans and events: ``no_span`` (dead air, overlaps, holds), ``for_each`` hold or
transfer, ``event_duration``, ``has_event``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from qa_engine.rules.compiler import Args, Compiler, Env, Evaluator, Result, operator
from qa_engine.rules.context import CallView
from qa_engine.rules.events import EVENT_ZH, Event
from qa_engine.rules.operators.logic import dedup
from qa_engine.types import Evidence, Overlap, Span

_SPAN_ZH = {"dead_air": "静音", "overlaps": "抢话", "holds": "保持", "takeovers_without_pause": "无停顿接话"}
_SPEAKER_OF = {"takeovers_without_pause": "agent"}  # whose words a span of the source quotes
_MOMENTS = {"takeovers_without_pause"}  # sources whose spans mark a moment (reported by start time)


class NoSpanArgs(Args):
    source: Literal["dead_air", "overlaps", "holds", "takeovers_without_pause"]
    min_s: float = Field(0.0, ge=0, description="count spans lasting at least this long")
    longer_than: float | None = Field(None, ge=0, description="count spans lasting strictly longer")
    interrupter: Literal["agent", "customer"] | None = None
    excuse_event: Literal["hold"] | None = Field(None, description="spans overlapping such an event are excused…")
    excuse_where: Any = Field(None, description="…when this expression holds for the event")
    label_zh: str = ""
    label_en: str = ""
    found: Literal["fail", "na"] = Field(
        "fail", description="the outcome when such spans exist: na where they only suggest a problem a human should check")


@operator("no_span", NoSpanArgs)
def build_no_span(a: NoSpanArgs, compiler: Compiler, loc) -> Evaluator:
    """True when no span of the metric (dead air, overlaps, holds) passes the filters. Evidence: the
    offending spans (with the agent's words for overlaps)."""
    where = compiler.compile(a.excuse_where, loc + ("excuse_where",)) if a.excuse_where is not None else None
    label_zh, label_en = a.label_zh or _SPAN_ZH[a.source], a.label_en or a.source

    def counts(span: Span) -> bool:
        d = span.end - span.start
        return d >= a.min_s and (a.longer_than is None or d > a.longer_than) and (
            not a.interrupter or getattr(span, "interrupter", None) == a.interrupter)

    def excused(view: CallView, span: Span) -> bool:
        """The span overlaps an event of ``excuse_event`` for which ``excuse_where`` holds."""
        return bool(a.excuse_event) and any(
            ev.start < span.end and span.start < ev.end and (where is None or where(Env(view, ev)).value)
            for ev in view.events(a.excuse_event))

    def run(env: Env) -> Result:
        spans = getattr(env.view.ctx.metrics, a.source)
        if spans is None:
            return Result(None, [], f"未测量{label_zh}", f"{label_en} not measured")
        bad = [s for s in spans if counts(s) and not excused(env.view, s)]
        if not bad:
            return Result(True, [], f"没有{label_zh}问题", f"no {label_en} issue")
        if a.source in _MOMENTS:  # a moment, not a measured stretch: its time alone
            spans_zh, spans_en = "、".join(f"{s.start:.1f}s" for s in bad), ", ".join(f"{s.start:.1f}s" for s in bad)
        else:
            spans_zh = "、".join(f"{s.start:.1f}–{s.end:.1f}s（{s.end - s.start:.1f} 秒）" for s in bad)
            spans_en = ", ".join(f"{s.start:.1f}–{s.end:.1f}s ({s.end - s.start:.1f} s)" for s in bad)
        evidence = [_span_with_words(env.view, s, label_zh, _SPEAKER_OF.get(a.source)) for s in bad]
        return Result(False if a.found == "fail" else None, evidence, f"{len(bad)} 处{label_zh}：{spans_zh}",
                      f"{len(bad)} {label_en}: {spans_en}", {"count": len(bad)})

    return run


def _span_with_words(view: CallView, span: Span, label: str, speaker: str | None = None) -> Evidence:
    """An overlap quotes the interrupter's words (a span of ``speaker``'s, that speaker's); other
    spans say what and how long."""
    who = span.interrupter if isinstance(span, Overlap) else speaker
    if who:
        words = [view.utts[i].text for i in view.by_speaker[who]
                 if view.utts[i].start < span.end and span.start < view.utts[i].end + 0.5]
        return Evidence(speaker=who, start=span.start, end=span.end, text=words[0] if words else label)
    return Evidence(start=span.start, end=span.end, text=f"{label} {span.end - span.start:.1f} 秒")


class ForEachArgs(Args):
    event: Literal["hold", "transfer"]
    check: Any


@operator("for_each", ForEachArgs)
def build_for_each(a: ForEachArgs, compiler: Compiler, loc) -> Evaluator:
    """Evaluates ``check`` once per hold or transfer (scopes with before_event/after_event refer to
    it). n/a when there is no such event; False when the check fails for any of them."""
    check = compiler.compile(a.check, loc + ("check",))
    label, kind = EVENT_ZH[a.event], a.event

    def run(env: Env) -> Result:
        events = env.view.events(kind)
        if not events:
            return Result(None, [], f"通话中没有{label}", f"no {kind} in the call")
        results = [(ev, check(Env(env.view, ev))) for ev in events]
        failed = [(ev, r) for ev, r in results if r.value is False]
        if failed:
            evidence = dedup([e for ev, r in failed for e in [ev.evidence, *r.evidence]])
            return Result(False, evidence, _per_event_zh(failed, label), _per_event_en(failed, kind),
                          {"count": len(failed)})
        passed = [r for _, r in results if r.value]
        if not passed:
            return Result(None, [], _per_event_zh(results, label), _per_event_en(results, kind))
        # A pass the audio had to confirm says so, with the scores, as the opening rules do.
        heard = [(ev, r) for ev, r in results if r.value and any(e.audio_check for e in r.evidence)]
        zh, en = f"{len(passed)} 次{label}均符合要求", f"all {len(passed)} {kind}(s) comply"
        if heard:
            zh, en = f"{zh}；{_per_event_zh(heard, label)}", f"{en}; {_per_event_en(heard, kind)}"
        return Result(True, dedup([e for r in passed for e in r.evidence]), zh, en, {"count": len(passed)})

    return run


def _per_event_zh(results: list[tuple[Event, Result]], label: str) -> str:
    return "；".join(f"第{ev.ordinal + 1}次{label}（{ev.start:.1f}–{ev.end:.1f}s）：{r.zh}" for ev, r in results)


def _per_event_en(results: list[tuple[Event, Result]], kind: str) -> str:
    return "; ".join(f"{kind} {ev.ordinal + 1} ({ev.start:.1f}–{ev.end:.1f}s): {r.en}" for ev, r in results)


class EventDurationArgs(Args):
    max_s: float | None = Field(None, gt=0)
    min_s: float | None = Field(None, ge=0)


@operator("event_duration", EventDurationArgs)
def build_event_duration(a: EventDurationArgs, compiler: Compiler, loc) -> Evaluator:
    """Inside ``for_each``: the current event lasts at most ``max_s`` (at least ``min_s``)."""

    def run(env: Env) -> Result:
        ev = env.event
        if ev is None:
            return Result(None, [], "没有当前事件（event_duration 需在 for_each 内使用）", "no current event")
        d = ev.duration
        ok = (a.max_s is None or d <= a.max_s) and (a.min_s is None or d >= a.min_s)
        limit = f"，超过 {a.max_s:g} 秒" if a.max_s is not None and d > a.max_s else ""
        return Result(ok, [] if ok else [ev.evidence], f"时长 {d:.1f} 秒{limit}", f"lasted {d:.1f} s",
                      {"duration": f"{d:.1f}"})

    return run


class HasEventArgs(Args):
    event: Literal["hold", "transfer"]


@operator("has_event", HasEventArgs)
def build_has_event(a: HasEventArgs, compiler: Compiler, loc) -> Evaluator:
    """True when the call has at least one hold / transfer."""

    def run(env: Env) -> Result:
        events = env.view.events(a.event)
        return Result(bool(events), [e.evidence for e in events], f"{len(events)} 次{EVENT_ZH[a.event]}",
                      f"{len(events)} {a.event}(s)")

    return run
