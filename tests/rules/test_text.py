"""qa_engine/rules/text.py: the normalised views (numerals, pinyin tolerance, fuzzy folding)."""

from __future__ import annotations

import pytest

from qa_engine.rules import text as T


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
