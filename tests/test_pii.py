"""Redaction of personal numbers in transcripts (qa_engine/pii.py): the spoken forms the ASR writes,
and the numbers that are not personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_engine import pii
from qa_engine.rules.numbers import same_number
from qa_engine.rules.text import parse_numeral


@pytest.mark.parametrize("text, expected", [
    # mobile numbers, however they are spoken or written
    ("我的手机号是幺三八一二三四五六七八", "我的手机号是138****5678"),
    ("一三八一二三四五六七八", "138****5678"),
    ("电话 138 1234 5678 谢谢", "电话 138****5678 谢谢"),
    ("一三八，一二三四，五六七八。", "138****5678。"),
    ("幺三八-幺二三四-五六七八", "138****5678"),
    ("13812345678", "138****5678"),
    ("１３８１２３４５６７８", "138****5678"),  # full-width
    ("+86 138 1234 5678", "+138****5678"),
    ("一三八要二三四五六七八", "138****5678"),  # 要 written for 幺 between numerals
    ("一百三十八 一千二百三十四 五千六百七十八", "138****5678"),  # read as numbers, group by group
    ("你记一下，一八五 零八五一 六六七七，好吗", "你记一下，185****6677，好吗"),
    # landlines
    ("座机0851-8581-2345", "座机0851****2345"),
    ("打我座机85812345", "打我座机＊＊＊［电话］"),
    ("电话是八五八一二三四五", "电话是＊＊＊［电话］"),
    # ID cards (18 characters, the last may be X)
    ("身份证号52010219900101123X", "身份证号＊＊＊［身份证号］"),
    ("身份证 5201 0219 9001 0112 3x 对", "身份证 ＊＊＊［身份证号］ 对"),
    ("五二零一零二一九九零零一零一一二三四", "＊＊＊［身份证号］"),
    # VIP and member cards
    ("卡号VIP000123", "卡号＊＊＊［卡号］"),
    ("我的卡号是ＶＩＰ０００４５６", "我的卡号是＊＊＊［卡号］"),
    ("会员卡号是零零零一二三", "会员卡号是＊＊＊［卡号］"),
    ("卡是YL-M-000123", "卡是＊＊＊［卡号］"),
    # long numbers of any other kind (bank cards, orders)
    ("订单号是123456789012345", "订单号是＊＊＊［号码］"),
])
def test_personal_numbers_are_masked(text, expected):
    assert pii.redact(text) == expected


@pytest.mark.parametrize("text", [
    "早上好，夜郎印象连锁酒店，我是247号，请问有什么可以帮您？",  # work number
    "工号幺零八为您服务",
    "房间808，三楼",  # room number
    "房费688元，共三晚",  # prices
    "一千二百八十元",
    "卡里还有一千二百八十元",  # a card balance is no card number
    "2026年11月20日入住，12月1日退房",  # dates
    "大约一分钟可以吗",
    "请拨打客服热线",
    "X光片",
    "",
])
def test_other_numbers_are_left_alone(text):
    assert pii.redact(text) == text


def test_matches_name_the_kind_and_the_digits():
    [phone, card] = pii.find("幺三八一二三四五六七八，卡号VIP000123")
    assert (phone.kind, phone.digits) == ("mobile", "13812345678")
    assert (card.kind, card.digits, card.start) == ("card", "000123", 14)


def test_caller_numbers_are_masked_but_service_numbers_kept():
    assert pii.mask_phone("13900001234") == "139****1234"
    assert pii.mask_phone("0851-85812345") == "085****2345"
    assert pii.mask_phone("12580") == "12580"
    assert pii.mask_phone(None) is None


def test_time_spans_come_from_the_words_that_hold_the_number():
    words = [{"text": "手机", "start": 1.0, "end": 1.4}, {"text": "幺三八", "start": 1.5, "end": 2.0},
             {"text": " 一二三四", "start": 2.0, "end": 2.6}, {"text": "五六七八", "start": 2.6, "end": 3.1},
             {"text": "好", "start": 3.2, "end": 3.4}]
    assert pii.time_spans("手机幺三八 一二三四五六七八好", words, 1.0, 3.4) == [(1.5, 3.1)]


def test_time_spans_fall_back_to_the_whole_utterance_when_words_do_not_line_up():
    words = [{"text": "完全不同", "start": 1.0, "end": 2.0}]
    assert pii.time_spans("手机13812345678", words, 0.5, 4.0) == [(0.5, 4.0)]
    assert pii.time_spans("没有号码", words, 0.5, 4.0) == []


def test_superscript_digits_do_not_crash_number_reading():
    # Found by the fuzz test of pii.find: '²'.isdigit() is true but int('²') raises ValueError.
    assert parse_numeral("²") is None
    assert same_number("²", "2")  # compared as text (NFKC), no ValueError
    assert pii.redact("面积80m²，电话13812345678") == "面积80m²，电话138****5678"


_NUMERALS = "零〇一幺二两三四五六七八九十百千万0123456789０１２３X要是 ，-"
_TEXTS = st.text(alphabet=st.sampled_from(_NUMERALS) | st.characters(), max_size=60)


@settings(max_examples=300, deadline=timedelta(seconds=1), database=None)
@given(text=_TEXTS)
def test_any_text_is_redacted_without_error_and_only_once(text):
    once = pii.redact(text)
    assert pii.redact(once) == once
    for m in pii.find(text):
        assert 0 <= m.start < m.end <= len(text) and m.kind in ("mobile", "landline", "id_card", "card", "number")
