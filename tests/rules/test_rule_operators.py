"""Operators and text normalisation: numerals, pinyin tolerance, scopes, exceptions."""

from __future__ import annotations

from datetime import datetime

import pytest

from qa_engine.callrecord import CallRecord
from qa_engine.rules import CallContext, OPERATORS
from qa_engine.rules import text as T
from qa_engine.rules.context import CallView, Scope
from qa_engine.rules.numbers import stated_numbers
from qa_engine.rules.phrases import PhraseIndex, PhraseList
from qa_engine.rules.regex_hint import required_chars, starts_with_literal
from qa_engine.types import CallMetrics, Hold, Utterance


@pytest.mark.parametrize("spoken", ["一零八", "幺零八", "一百零八", "108", "１０８"])
def test_numerals_normalise_to_arabic(spoken):
    assert T.chars_view(f"我是{spoken}号") == "我是108号"


@pytest.mark.parametrize(("spoken", "value"), [("两分钟", "2分钟"), ("三十秒", "30秒"), ("一千零五", "1005"),
                                                ("二十万零三", "200003"), ("零二七", "027"), ("十五分钟", "15分钟")])
def test_numeral_values(spoken, value):
    assert T.chars_view(spoken) == value


def test_single_numerals_in_words_stay():
    assert T.chars_view("等一下，一起") == "等一下一起"


def test_traditional_punctuation_whitespace_and_case_are_normalised():
    assert T.chars_view("請問 有什麼，可以幫您？KTV") == "请问有什么可以帮您ktv"


def test_homophones_share_the_pinyin_view():
    views = {T.views(t)[1] for t in ("夜郎印象", "夜狼印象", "叶朗印象", "也浪印像")}
    assert len(views) == 1


def test_digits_read_like_chinese_in_the_pinyin_view():
    assert T.views("108")[1] == T.views("一零八")[1]


def test_fuzzy_view_merges_nin_ni_and_retroflex():
    assert T.views("您好")[2] == T.views("你好")[2]
    assert T.views("是")[2] == T.views("四")[2]
    assert T.views("您好")[1] != T.views("你好")[1]


def _index(**lists):
    return PhraseIndex({k: PhraseList(k, tuple(v[0]), v[1], exceptions=tuple(v[2]) if len(v) > 2 else ())
                        for k, v in lists.items()})


def test_phrase_index_matches_all_lists_in_one_pass():
    idx = _index(brand=(["夜郎印象", "夜郎"], "pinyin"), bad=(["不知道"], "pinyin", ["不知道您"]),
                 ok=(["好"], "exact", ["不好"]))
    found = idx.match_text("叶朗印象酒店，我不知道。好的")
    assert {m.phrase for m in found["brand"]} == {"夜郎印象", "夜郎"}
    assert "bad" in found and "ok" in found
    assert "bad" not in idx.match_text("不知道您还需要什么")
    assert "ok" not in idx.match_text("不好")


def test_exact_lists_ignore_homophones_and_single_syllables_need_the_character():
    idx = _index(exact=(["转吧"], "exact"), single=(["好"], "pinyin"))
    assert "exact" not in idx.match_text("赚吧")
    assert "single" not in idx.match_text("号")
    assert "single" in idx.match_text("好")


def test_phrases_with_numerals_match_by_value_and_by_sound():
    # 一 alone stays as written in the characters view, so its syllables suffice (查询1下 reads the
    # same); a phrase whose numerals become digits also matches another spelling of the value
    idx = _index(check=(["查询一下"], "pinyin"), wait=(["两分钟"], "pinyin"))
    for text in ("我帮您查询一下", "我帮您查询1下", "我帮您查寻一下"):
        assert [m.phrase for m in idx.match_text(text)["check"]] == ["查询一下"], text
    for text in ("大约两分钟", "大约二分钟", "大约2分钟"):
        assert "wait" in idx.match_text(text), text
    assert "wait" not in idx.match_text("大约三分钟")


def test_exact_lists_without_numerals_match_the_same_in_the_cleaned_text():
    # a group whose character keys hold no numeral skips the numeral conversion (it matches the
    # cleaned text); one holding a numeral keeps the characters view, where 一百零八 is 108
    plain = _index(ok=(["可以", "好的"], "exact", ["不可以"]))
    numeral = _index(room=(["108房"], "exact"))
    assert [c for c, _ in plain.groups[0].automata] == ["clean"]
    assert [c for c, _ in numeral.groups[0].automata] == ["chars"]
    found = plain.match_text("一百零八号房可以，好的")
    assert [m.phrase for m in found["ok"]] == ["可以", "好的"]
    assert "ok" not in plain.match_text("一百零八号不可以")
    assert "room" in numeral.match_text("一百零八房")


def test_fuzzy_lists_accept_ni_for_nin():
    idx = _index(help=(["有什么可以帮您"], "fuzzy"), strict=(["有什么可以帮您"], "pinyin"))
    found = idx.match_text("有什么可以帮你")
    assert "help" in found and "strict" not in found


PREFIX = [T.fold_syllable(s) for s in ("wo", "shi")], [T.fold_syllable(s) for s in ("gong", "hao")]
SUFFIX = [[T.fold_syllable("hao")]]


@pytest.mark.parametrize(("text", "number"), [
    ("我是幺零八号", "108"), ("我是一百零八号", "108"), ("我是要零八号", "108"), ("工号一零八", "108"),
    ("客服108号为您服务", "108"), ("我是零二七号", "027"), ("我是三百零六号", "306"), ("我是二幺五号客服专员", "215"),
])
def test_stated_numbers(text, number):
    assert stated_numbers(text, list(PREFIX), SUFFIX) == [number]


@pytest.mark.parametrize("text", ["请问有什么可以帮您", "我帮您查一下", "您的房间是八零六房间", "一起吃饭"])
def test_no_stated_number(text):
    assert stated_numbers(text, list(PREFIX), SUFFIX) == []


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
    return [view.utts[i].text for i in view.scope(scope, event)]


def test_scope_first_turn_first_last():
    v = _view(UTTS)
    assert _texts(v, Scope(first_turn=True)) == ["a1", "a2"]
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


def test_registry_has_the_documented_operators():
    assert {"all", "any", "not", "phrase", "greeting_time_of_day", "work_number", "record", "local_time", "metric",
            "rings", "no_span", "for_each", "event_duration", "switch", "macro", "has_event"} <= set(OPERATORS)
    assert all(op.doc for op in OPERATORS.values())


@pytest.mark.parametrize("pattern", [r"由.{1,10}负责", r"\D{1,3}\d\d"])  # with and without a required character
def test_batched_patterns_match_each_line_on_its_own(pattern):
    # a pattern run once over a speaker's lines joined must not match across two lines, nor lose a
    # match that a crossing one would have hidden
    lists = {"p": PhraseList("p", (), "pinyin", patterns=(pattern,))}
    lines = ["我帮您转给由", "前台负责，由经理负责", "由前台同事负责处理", "工号", "12号，房间号是34", "好的"]
    ctx = CallContext(
        transcript=[Utterance(speaker="agent", start=k, end=k + 0.5, text=t) for k, t in enumerate(lines)],
        metrics=CallMetrics(duration_s=10), record=CallRecord(call_id="T", direction="inbound", agent_channel="left"))
    index = PhraseIndex(lists, {"p": 0})
    view = CallView(ctx, index)
    found = [[m.phrase for m in view.found(i, "p")] for i in range(len(lines))]
    assert found == [[m.phrase for m in index.match_text(t).get("p", [])] for t in lines]
    assert any(found)


@pytest.mark.parametrize(("pattern", "chars"), [
    (r"\d+(分钟|分|秒钟|秒)", {"分", "秒"}), (r"由.{1,10}(负责|处理)", {"由"}), (r"[分秒]\d", {"分", "秒"}),
    (r"\d+", None), (r"(?i)abc", None), (r"x|\d", None), (r"a*b", {"b"}),
])
def test_required_chars_of_a_pattern(pattern, chars):
    found = required_chars(pattern)
    assert (None if found is None else set(found)) == chars


@pytest.mark.parametrize(("pattern", "literal"), [
    (r"(?:由.{1,10}(负责|处理))", True), (r"由", True), (r"\d+(分钟|秒)", False), (r"^由", False), (r"由|x", False),
    (r"(?i)由x", False),
])
def test_patterns_that_start_with_a_literal(pattern, literal):
    assert starts_with_literal(pattern) is literal


def test_bounded_memo_computes_each_key_once_and_keeps_at_most_its_limit():
    calls = []
    memo = T.BoundedMemo(lambda k: calls.append(k) or k.upper(), limit=2)
    assert [memo[k] for k in ("a", "b", "a", "c", "c")] == ["A", "B", "A", "C", "C"]
    assert calls == ["a", "b", "c", "c"] and len(memo) == 2  # "c" came past the limit: computed each time
