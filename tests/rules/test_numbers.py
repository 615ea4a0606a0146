"""qa_engine/rules/numbers.py: work numbers stated in a turn, and the ways of saying one."""

from __future__ import annotations

import pytest

from qa_engine.rules import text as T
from qa_engine.rules.numbers import (
    near_numbers,
    same_number,
    spoken_forms,
    stated_numbers,
)

PREFIX = [T.fold_syllable(s) for s in ("wo", "shi")], [T.fold_syllable(s) for s in ("gong", "hao")]
SUFFIX = [[T.fold_syllable("hao")]]


@pytest.mark.parametrize(("text", "number"), [
    ("我是幺零八号", "108"), ("我是一百零八号", "108"), ("我是要零八号", "108"), ("工号一零八", "108"),
    ("客服108号为您服务", "108"), ("我是零二七号", "027"), ("我是三百零六号", "306"), ("我是二幺五号客服专员", "215"),
    # Whisper base's near-homophones of 二 and 八 on telephone audio (heard for 三二六, 幺八三, 二三一)
    ("早上好，夜郎印象连锁酒店，公号三爱六，很高兴为您服务", "326"), ("我是要发三号", "183"), ("我是艾三一号客服", "231"),
])
def test_stated_numbers(text, number):
    assert stated_numbers(text, list(PREFIX), SUFFIX) == [number]


@pytest.mark.parametrize("text", ["请问有什么可以帮您", "我帮您查一下", "您的房间是八零六房间", "一起吃饭"])
def test_no_stated_number(text):
    assert stated_numbers(text, list(PREFIX), SUFFIX) == []


def test_numbers_compare_by_value_and_spelling():
    assert same_number("027", "27") and same_number("一零八", "108") and not same_number("108", "109")


def test_spoken_forms_of_a_work_number():
    assert spoken_forms("108") == ["一零八", "幺零八", "一百零八", "108"]
    assert spoken_forms("247") == ["二四七", "两四七", "二百四十七", "247"]
    assert spoken_forms("027") == ["零二七", "027"]  # never 二十七: the leading zero is said


def test_near_numbers_are_one_digit_away_and_written_alike():
    near = near_numbers("247", like="二四七")
    assert "二四一" in near and "三四七" in near and "二四七" not in near and len(near) == 27
    assert near_numbers("108", like="108")[:2] == ["008", "208"]
