"""qa_engine/rules/operators/phrase.py: where a phrase is looked for, what counts as found, and what
the finding shows (the matched turns, else the searched ones)."""

from __future__ import annotations

import pytest

from qa_engine.rules.phrases import PhraseList


def agent(text: str) -> list[tuple]:
    return [("agent", 0.5, 3.0, text)]


def test_regex_runs_over_normalised_characters(run):
    # 两分钟 is normalised to 2分钟 before the regex sees it
    r = run({"phrase": {"regex": r"\d+分钟"}}, agent("大约需要两分钟，可以吗"))
    assert r.value is True and r.facts["phrase"] == "2分钟" and r.zh == "指定用语：「2分钟」"
    assert run({"phrase": {"regex": r"\d+分钟"}}, agent("马上就好")).value is False


@pytest.mark.parametrize("tolerance, value", [("pinyin", True), ("exact", False)])
def test_inline_phrases_match_homophones_unless_exact(run, tolerance, value):
    # the ASR wrote 少等 for 稍等
    r = run({"phrase": {"phrases": ["稍等"], "tolerance": tolerance}}, agent("请您少等"))
    assert r.value is value


def test_lists_search_every_list_and_quote_every_phrase_found(run):
    turns = [("agent", 0.5, 3.0, "夜郎印象，您好"), ("customer", 3.5, 4.0, "嗯"), ("agent", 5.0, 7.0, "请稍等"),
             ("agent", 8.0, 9.0, "感谢您的来电")]
    r = run({"phrase": {"lists": ["brand", "thanks"]}}, turns)
    assert r.value is True and r.facts["phrases"] == "「夜郎印象」、「感谢」"
    assert r.zh == "酒店名称、致谢：「夜郎印象」、「感谢」"
    assert [e.start for e in r.evidence] == [0.5, 8.0]  # the matched turns only


def test_failure_shows_every_searched_turn(run):
    turns = [("agent", 0.5, 3.0, "您好"), ("customer", 3.5, 4.0, "夜郎印象吗"), ("agent", 5.0, 7.0, "是的")]
    r = run({"phrase": {"list": "brand"}}, turns)
    assert r.value is False and r.zh == "未找到酒店名称"
    assert [(e.speaker, e.start) for e in r.evidence] == [("agent", 0.5), ("agent", 5.0)]


@pytest.mark.parametrize("clause, value", [("all", True), ("first_question", False)])
def test_first_question_clause_looks_only_at_the_clause_that_asks(run, clause, value):
    r = run({"phrase": {"list": "thanks", "clause": clause}}, agent("谢谢您。请问您贵姓？好的。"))
    assert r.value is value


def test_first_question_clause_is_the_whole_turn_when_nothing_is_asked(run):
    assert run({"phrase": {"list": "thanks", "clause": "first_question"}}, agent("谢谢您。再见。")).value is True


@pytest.mark.parametrize("on_empty, value, zh", [
    ("n/a", None, "没有可检查的客户话语"),
    ("fail", False, "未找到酒店名称（客户没有相应的话语）"),
    ("false", False, "未找到酒店名称（客户没有相应的话语）"),
    ("true", True, "没有可检查的客户话语"),
])
def test_on_empty_decides_a_scope_without_turns(run, on_empty, value, zh):
    r = run({"phrase": {"list": "brand", "scope": {"speaker": "customer"}, "on_empty": on_empty}}, agent("夜郎印象"))
    assert (r.value, r.zh) == (value, zh)


def test_on_empty_fail_around_an_event_points_at_the_event(run):
    check = {"phrase": {"list": "hold_reason", "scope": {"before_event": 1}, "on_empty": "fail"}}
    r = run(check, metrics={"holds": [{"start": 10, "end": 30, "kind": "music"}]}, in_hold=0)
    assert r.value is False and [(e.start, e.end) for e in r.evidence] == [(10, 30)]


def test_what_zh_names_what_was_missing(run):
    r = run({"phrase": {"phrases": ["稍等"], "what_zh": "请稍等", "what_en": "a request to wait"}}, agent("好的"))
    assert (r.zh, r.en) == ("未找到请稍等", "no a request to wait found")


def test_exceptions_of_a_list_do_not_count(run):
    lists = {"taboo": PhraseList("taboo", ("不知道",), exceptions=("不知道您",))}
    assert run({"phrase": {"list": "taboo"}}, agent("不知道您还需要什么"), lists=lists).value is False
    assert run({"phrase": {"list": "taboo"}}, agent("这个我不知道"), lists=lists).value is True


HEARD = agent("您好，野狼影像酒店")  # the ASR's version of 夜郎印象


def test_audio_check_confirms_a_garbled_phrase_and_says_so(run):
    r = run({"phrase": {"list": "brand", "audio_check": "brand"}}, HEARD, audio={"夜郎印象": -0.5, "野狼影像": -4.0})
    assert r.value is True
    assert r.zh == "酒店名称：「夜郎印象」（音频核对：识别为「野狼影像」，音频支持「夜郎印象」，-0.5 对 -4.0）"
    check = r.evidence[0].audio_check
    assert check.verified and (check.expected, check.heard) == ("夜郎印象", "野狼影像")


def test_audio_check_that_prefers_nothing_still_fails_with_the_check_as_evidence(run):
    r = run({"phrase": {"list": "brand", "audio_check": "brand"}}, HEARD, audio={"夜郎印象": -5.0, "": -1.0})
    assert r.value is False and r.zh == "未找到酒店名称"
    assert r.evidence[0].audio_check.verified is False


def test_without_audio_check_the_verifier_is_not_asked(run):
    assert run({"phrase": {"list": "brand"}}, HEARD, audio={"夜郎印象": -0.5}).value is False


@pytest.mark.parametrize("args, loc, problem", [
    ({"list": "brnd"}, ("check", "phrase", "list"), "unknown phrase list 'brnd'"),
    ({"lists": ["brnd"]}, ("check", "phrase", "lists", 0), "unknown phrase list 'brnd'"),
    ({"scope": {"speaker": "agent"}}, ("check", "phrase"), "give one of list, lists, phrases or regex"),
    ({"list": "brand", "on_empty": "skip"}, ("check", "phrase", "on_empty"), "phrase: Input should be"),
    ({"list": "brand", "scope": {"speakr": "agent"}}, ("check", "phrase", "scope", "speakr"), "phrase: Extra inputs"),
])
def test_bad_arguments_name_the_argument(compile_error, args, loc, problem):
    err = compile_error({"phrase": args})
    assert err.loc == loc and problem in err.problem


def test_unknown_list_hint_suggests_the_close_one(compile_error):
    assert compile_error({"phrase": {"list": "brnd"}}).hint == "did you mean `brand`?"


def test_unknown_list_in_lists_beside_list_points_at_its_item(compile_error):
    err = compile_error({"phrase": {"list": "brand", "lists": ["thanks", "brnd"]}})
    assert err.loc == ("check", "phrase", "lists", 1)


def test_bad_regex_is_a_compile_error(compile_error):
    err = compile_error({"phrase": {"regex": "(("}})
    assert err.loc[:2] == ("check", "phrase") and "regex" in str(err.loc) + err.problem
