"""qa_engine/rules/scopes.py and events.py: which turns a scope picks, around holds and transfers."""

from __future__ import annotations

from datetime import datetime

from qa_engine.callrecord import CallRecord
from qa_engine.rules import CallContext
from qa_engine.rules.context import CallView
from qa_engine.rules.phrases import PhraseIndex, PhraseList
from qa_engine.rules.schema import TransferEvents
from qa_engine.rules.scopes import Scope, select
from qa_engine.types import CallMetrics, Hold, Utterance


def _view(utts, holds=()):
    ctx = CallContext(
        transcript=[Utterance(speaker=s, start=a, end=b, text=t) for s, a, b, t in utts],
        metrics=CallMetrics(duration_s=100, holds=[Hold(start=a, end=b, kind="music") for a, b in holds]),
        record=CallRecord(call_id="T", direction="inbound", agent_channel="left"),
        local_start=datetime(2026, 11, 20, 9, 0),
    )
    return CallView(ctx, PhraseIndex({}))


UTTS = [("customer", 0, 1, "喂"), ("agent", 1, 2, "a1"), ("agent", 2, 3, "a2"), ("customer", 3, 4, "c2"),
        ("agent", 4, 5, "a3"), ("agent", 40, 41, "a4"), ("customer", 41, 42, "c3"), ("agent", 90, 95, "a5")]


def _texts(view, scope, event=None):
    return [view.utts[i].text for i in select(view, scope, event)]


def test_scope_first_turn_first_last():
    v = _view(UTTS)
    # utterances are turns: a2 follows a1 after a pause (the caller silent or unheard), so the
    # opening turn is a1 alone
    assert _texts(v, Scope(first_turn=True)) == ["a1"]
    assert _texts(v, Scope(speaker="customer", first_turn=True)) == ["喂"]
    assert _texts(v, Scope(first=1)) == ["a1"]
    assert _texts(v, Scope(last=2)) == ["a4", "a5"]
    assert _texts(v, Scope(speaker="customer", first=1)) == ["喂"]


def test_scope_by_seconds():
    v = _view(UTTS)
    assert _texts(v, Scope(first_s=3.0)) == ["a1", "a2"]
    assert _texts(v, Scope(last_s=10.0)) == ["a5"]


def test_scope_relative_to_holds():
    v = _view(UTTS, holds=[(10, 39.5)])
    hold = v.events("hold")[0]
    assert _texts(v, Scope(before_event=2), hold) == ["a2", "a3"]
    assert _texts(v, Scope(after_event=1), hold) == ["a4"]
    assert _texts(v, Scope(speaker="customer", after_event=1), hold) == ["c3"]


def test_scope_questions_only():
    v = _view([("agent", 0, 1, "您好"), ("agent", 1, 2, "请问您贵姓"), ("agent", 2, 3, "好的"), ("agent", 3, 4, "还有别的吗")])
    assert _texts(v, Scope(question=True)) == ["请问您贵姓", "还有别的吗"]
    assert _texts(v, Scope(question=True, first=1)) == ["请问您贵姓"]


def _transfer_view(lines):
    ctx = CallContext(
        transcript=[Utterance(speaker=s, start=k, end=k + 0.5, text=t) for k, (s, t) in enumerate(lines)],
        metrics=CallMetrics(duration_s=20), record=CallRecord(call_id="T", direction="inbound", agent_channel="left"))
    index = PhraseIndex({"transfer_cue": PhraseList("transfer_cue", ("转接",))})
    return CallView(ctx, index, TransferEvents(merge_within_utterances=2))


def test_transfer_announcements_close_together_are_one_transfer():
    lines = [("agent", "我帮您转接前台"), ("customer", "好"), ("agent", "正在转接"), ("customer", "嗯"), ("agent", "好的"),
             ("customer", "还有"), ("agent", "这个要转接客房部")]
    view = _transfer_view(lines)
    transfers = view.events("transfer")
    assert [(ev.first_utt, ev.last_utt) for ev in transfers] == [(0, 2), (6, 6)]
    assert _texts(view, Scope(in_event=True), transfers[0]) == ["我帮您转接前台", "正在转接"]
    assert _texts(view, Scope(speaker="customer", after_event=1), transfers[0]) == ["好"]


def test_holds_are_events_in_time_order_whatever_order_the_metrics_give():
    v = _view(UTTS, holds=[(50, 60), (10, 20)])
    assert [(ev.ordinal, ev.start) for ev in v.events("hold")] == [(0, 10), (1, 50)]
