"""qa_engine/rules/phrases.py: phrase lists matched by characters, pinyin or fuzzy pinyin."""

from __future__ import annotations

from qa_engine.rules.phrases import PhraseIndex, PhraseList


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


def test_patterns_and_exceptions_of_a_list():
    idx = PhraseIndex({"wait": PhraseList("wait", ("请稍等",), "pinyin", patterns=(r"\d+(分钟|秒)",)),
                       "ok": PhraseList("ok", ("可以",), "exact", exceptions=("不可以",))})
    found = idx.match_text("请稍等，大约两分钟，可以吗")
    assert [(m.phrase, m.channel) for m in found["wait"]] == [("请稍等", "pinyin"), ("2分钟", "chars")]
    assert "ok" in found and "ok" not in idx.match_text("这个不可以")


def test_numeral_phrases_of_an_exact_list_match_any_spelling_of_the_value():
    idx = _index(room=(["108房"], "exact"))
    assert "room" in idx.match_text("一百零八房") and "room" in idx.match_text("幺零八房")
    assert "room" not in idx.match_text("一百零九房")


def test_hotwords_are_the_phrases_of_hotword_lists_in_order_without_repeats():
    idx = PhraseIndex({"a": PhraseList("a", ("夜郎印象", "您好"), hotword=True), "b": PhraseList("b", ("不知道",)),
                       "c": PhraseList("c", ("您好", "早上好"), hotword=True)})
    assert idx.hotwords() == ["夜郎印象", "您好", "早上好"]


def test_fuzzy_lists_accept_ni_for_nin():
    idx = _index(help=(["有什么可以帮您"], "fuzzy"), strict=(["有什么可以帮您"], "pinyin"))
    found = idx.match_text("有什么可以帮你")
    assert "help" in found and "strict" not in found


def test_everyday_requests_to_wait_count_and_plain_answers_do_not(ruleset):
    """A silence after any of these is a hold, not dead air (rules/ruleset.yaml events.hold)."""
    for said in ("您稍微等一下，我问问同事。", "您先别挂，我帮您查看一下。", "请您耐心等候，我联系一下前台。"):
        assert ruleset.asks_to_wait(said), said
    for said in ("好的，房间已经为您预订好了。", "早餐是七点到十点。", "您可以直接联系一下前台。",
                 "房间还要等一会儿才能打扫好。", "感谢您的耐心等候，查到了。", "我们会安排工程部去处理。"):
        assert not ruleset.asks_to_wait(said), said


def test_requests_to_wait_in_other_words_count_and_look_alikes_do_not(ruleset):
    """Wordings of benchmarks/wordings/battery.yaml the lists missed (ruleset 2026.12.12)."""
    for said in ("稍等啊，我帮您看看。", "您先拿着电话别挂啊，我这就去找值班经理问一问。",
                 "这个我得去财务那边确认，您先在线上等一下好不好？", "等一下哦，我帮您翻一下记录。"):
        assert ruleset.asks_to_wait(said), said
    for said in ("我们这边处理好以后会给您回电话，您先挂了吧，不用在线等。", "您到了酒店以后在大堂稍等，司机会过来接您。"):
        assert not ruleset.asks_to_wait(said), said


def test_advice_and_look_alikes_found_in_review_are_no_request_to_wait(ruleset):
    """A silence after advice to the caller is the caller's own time, not a hold (review of 2026.12.15)."""
    for said in ("麻烦您找一下订单号。", "您先问问家里人，再给我们回电话。", "您可以在APP上申请一下发票。", "您打个内线到前台就可以。",
                 "您先等通知就行。", "请保持通话畅通。", "您到了以后在前台稍等一下。", "不必在线等，我们查好给您回电话。"):
        assert not ruleset.asks_to_wait(said), said
