"""Operators on measured values: ``metric`` (any ``CallMetrics`` value) and ``rings``."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from qa_engine.rules.compiler import Args, Compiler, Env, Evaluator, Result, operator
from qa_engine.rules.context import CallView
from qa_engine.rules.operators.record import Compare
from qa_engine.types import CallMetrics, Evidence, SpeakerMetrics

SpanKind = Literal["agent_speech", "customer_speech", "answer", "end", "call"]


class MetricArgs(Compare):
    name: str = Field(description="CallMetrics field, dotted for speakers: agent.speech_rate_cpm")
    fallback_record: str | None = Field(None, description="call-record field used when the metric is None")
    label_zh: str = ""
    label_en: str = ""
    unit: str = ""
    evidence: SpanKind = "call"

    @field_validator("name")
    @classmethod
    def _known(cls, v):
        head, _, tail = v.partition(".")
        if head in ("agent", "customer") and tail in SpeakerMetrics.model_fields:
            return v
        if not tail and head in CallMetrics.model_fields:
            return v
        raise ValueError(f"unknown metric '{v}'")


def span_evidence(view: CallView, kind: SpanKind, text: str) -> Evidence:
    """The stretch of the call a measured value is about, as evidence."""
    utts, duration = view.utts, view.duration
    if kind in ("agent_speech", "customer_speech"):
        who = kind.split("_")[0]
        idx = view.by_speaker[who]
        if idx:
            return Evidence(speaker=who, start=utts[idx[0]].start, end=utts[idx[-1]].end, text=text)
    if kind == "answer":
        answer = view.ctx.metrics.answer_s
        first = view.by_speaker["agent"]
        end = answer if answer is not None else (utts[first[0]].start if first else 0.0)
        return Evidence(start=0.0, end=end, text=text)
    if kind == "end":
        start = utts[-1].start if utts else max(0.0, duration - 5.0)
        return Evidence(start=start, end=duration, text=text)
    return Evidence(start=0.0, end=duration, text=text)


@operator("metric", MetricArgs)
def build_metric(a: MetricArgs, compiler: Compiler, loc) -> Evaluator:
    """Threshold on a CallMetrics value (``le``, ``between`` …); n/a when the value is missing."""
    head, _, tail = a.name.partition(".")
    label_zh, label_en = a.label_zh or a.name, a.label_en or a.name

    def run(env: Env) -> Result:
        metrics = env.view.ctx.metrics
        v = getattr(getattr(metrics, head), tail) if tail else getattr(metrics, head)
        if v is None and a.fallback_record:
            v = getattr(env.view.ctx.record, a.fallback_record, None)
        if v is None:
            return Result(None, [], f"缺少{label_zh}", f"{label_en} is missing")
        shown = f"{v:.1f}" if isinstance(v, float) else str(v)
        ok = a.test(v)
        zh = f"{label_zh} {shown}{a.unit}" + ("" if ok else f"（要求 {a.describe()}）")
        en = f"{label_en} {shown}{a.unit}" + ("" if ok else f" (required {a.describe()})")
        return Result(ok, [] if ok else [span_evidence(env.view, a.evidence, zh)], zh, en, {"value": shown})

    return run


class RingsArgs(Args):
    max: int = Field(ge=0)
    ring_cycle_s: float = Field(5.0, gt=0)


@operator("rings", RingsArgs)
def build_rings(a: RingsArgs, compiler: Compiler, loc) -> Evaluator:
    """Rings before answer ≤ max: metrics.rings, else ceil(record.ring_seconds / ring cycle);
    n/a when neither is known."""

    def run(env: Env) -> Result:
        metrics, record = env.view.ctx.metrics, env.view.ctx.record
        rings, source = metrics.rings, metrics.ring_source
        if rings is None and record.ring_seconds is not None:
            # (less a hair: 10.0 s of ringing at 5 s a ring is 2 rings, not 3 by a rounding error)
            rings, source = math.ceil(record.ring_seconds / a.ring_cycle_s - 1e-9), "call_record"
        if rings is None:
            return Result(None, [], "缺少响铃信息（通话记录没有 ring_seconds，音频中也未检测到回铃音）",
                          "ring count unknown (no ring_seconds in the call record, no ringback in the audio)")
        ok = rings <= a.max
        zh = f"响铃 {rings} 声" + ("" if ok else f"，超过 {a.max} 声")
        en = f"{rings} ring(s)" + ("" if ok else f", more than {a.max}")
        return Result(ok, [] if ok else [span_evidence(env.view, "answer", zh)], zh, en,
                      {"rings": rings, "ring_source": source})

    return run
