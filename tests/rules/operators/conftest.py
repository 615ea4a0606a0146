"""The operator tests' one helper: compile an expression with the real compiler and run it on a
small call, as a rule's ``check`` would be.

    run({"phrase": {"list": "brand"}}, transcript=[("agent", 0.5, 3.0, "夜郎印象，您好")])

``transcript`` rows are (speaker, start, end, text) speaker turns; ``metrics`` and ``record`` are
merged over a plain inbound call (agent 108, no start time); ``local_start`` is "HH:MM" on a fixed
day (UTC+8); ``audio`` is a stand-in for the audio check, as in rule test files (phrase → score);
``lists`` are added to the test lists below; ``in_hold``: evaluate inside that hold (0 = the first),
as ``for_each`` does. Compile errors (``CompileError``) come from ``run`` before anything is
evaluated; ``compile_error`` returns the one compiling an expression raises.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import qa_engine.rules.operators  # noqa: F401 (registers the operators)
from qa_engine.callrecord import CallRecord
from qa_engine.rules.compiler import Compiler, Env, Result
from qa_engine.rules.context import CallContext, CallView
from qa_engine.rules.errors import CompileError
from qa_engine.rules.phrases import PhraseIndex, PhraseList
from qa_engine.rules.testing import _fake_verifier
from qa_engine.types import CallMetrics, Utterance

TZ = timezone(timedelta(hours=8))

# Small stand-ins for rules/lists/*.yaml, so these tests do not move when QA staff edit the lists.
LISTS = {pl.id: pl for pl in (
    PhraseList("brand", ("夜郎印象",), title_zh="酒店名称"),
    PhraseList("thanks", ("谢谢", "感谢"), title_zh="致谢"),
    PhraseList("morning", ("早上好", "上午好"), "fuzzy"),
    PhraseList("evening", ("晚上好",), "fuzzy"),
    PhraseList("generic", ("您好", "你好"), "fuzzy"),
    PhraseList("work_number_prefix", ("我是", "工号")),
    PhraseList("work_number_suffix", ("号", "为您服务")),
    PhraseList("hold_reason", ("帮您查询",), title_zh="保持原因"),
    PhraseList("consent", ("可以", "好的"), "exact"),
    PhraseList("transfer_cue", ("转接",)),
)}


def _when(hhmm: str | None) -> datetime | None:
    if hhmm is None:
        return None
    h, m = hhmm.split(":")
    return datetime(2026, 11, 20, int(h), int(m), tzinfo=TZ)


def compile_expr(expr: dict, lists: dict | None = None, macros: dict | None = None, params: dict | None = None):
    """(evaluator, the lists it was compiled against: the test lists, ``lists`` and inline ones)."""
    all_lists = {**LISTS, **(lists or {})}
    compiler = Compiler(all_lists, macros=macros or {}, rule_id="t.x", params=params or {})
    return compiler.compile(expr, ("check",)), all_lists


def run(expr: dict, transcript=(), metrics: dict | None = None, record: dict | None = None,
        local_start: str | None = None, audio: dict | None = None, lists: dict | None = None,
        macros: dict | None = None, params: dict | None = None, in_hold: int | None = None) -> Result:
    evaluator, all_lists = compile_expr(expr, lists, macros, params)
    utts = [Utterance(speaker=s, start=a, end=b, text=t) for s, a, b, t in transcript]
    ctx = CallContext(
        transcript=utts,
        metrics=CallMetrics.model_validate({"duration_s": 120.0, **(metrics or {})}),
        record=CallRecord.model_validate({"call_id": "T", "direction": "inbound", "agent_channel": "left",
                                          "agent_id": "108", **(record or {})}),
        local_start=_when(local_start),
        verifier=_fake_verifier(audio),
    )
    view = CallView(ctx, PhraseIndex(all_lists))
    return evaluator(Env(view, None if in_hold is None else view.events("hold")[in_hold]))


def compile_error(expr: dict, **kw) -> CompileError:
    """The CompileError compiling ``expr`` raises (the test fails when none is raised)."""
    with pytest.raises(CompileError) as exc:
        compile_expr(expr, **kw)
    return exc.value


@pytest.fixture(name="run")
def run_fixture():
    return run


@pytest.fixture(name="compile_error")
def compile_error_fixture():
    return compile_error
