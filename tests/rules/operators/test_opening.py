"""qa_engine/rules/operators/opening.py: greeting_time_of_day and work_number, on the text and with
a stand-in for the audio check (scores per phrase, as in rule test files)."""

from __future__ import annotations

import pytest

GREETING = {"greeting_time_of_day": {"generic": "generic", "windows": [
    {"from": "05:00", "to": "11:00", "list": "morning"},  # named after its first phrase: 早上好
    {"from": "18:00", "to": "05:00", "list": "evening", "name_zh": "晚上好"},  # wraps midnight
]}}
WORK_NUMBER = {"work_number": {}}


def agent(text: str) -> list[tuple]:
    return [("agent", 0.5, 3.0, text)]


@pytest.mark.parametrize("at, said, value", [
    ("23:30", "晚上好", True),
    ("04:59", "晚上好", True),   # after midnight, still the evening window
    ("05:00", "早上好", True),   # windows are [from, to)
    ("18:00", "早上好", False),
    ("05:00", "晚上好", False),
])
def test_greeting_windows_wrap_midnight(run, at, said, value):
    assert run(GREETING, agent(said + "，夜郎印象"), local_start=at).value is value


@pytest.mark.parametrize("said, zh", [
    ("早上好，夜郎印象", "04:59 应说「晚上好」，实际说「早上好」"),
    ("您好，夜郎印象", "只说了「您好」，04:59 应说「晚上好」"),
    ("夜郎印象", "没有问候语，04:59 应说「晚上好」"),
])
def test_greeting_fail_says_what_was_expected_and_what_was_said(run, said, zh):
    r = run(GREETING, agent(said), local_start="04:59")
    assert r.value is False and r.zh == zh
    assert r.facts == {"expected": "晚上好", "local_time": "04:59"} and r.evidence[0].text == said


def test_greeting_window_named_after_its_first_phrase(run):
    assert "应说「早上好」" in run(GREETING, agent("您好"), local_start="09:15").zh


@pytest.mark.parametrize("at, zh", [(None, "缺少通话开始时间"), ("12:00", "12:00 不在任何问候时段内")])
def test_greeting_without_start_time_or_window_is_na(run, at, zh):
    r = run(GREETING, agent("早上好"), local_start=at)
    assert r.value is None and zh in r.zh


def test_greeting_only_the_agents_first_turn_counts(run):
    turns = [("agent", 0.5, 2.0, "夜郎印象"), ("customer", 2.5, 3.0, "喂"), ("agent", 3.2, 4.0, "早上好")]
    assert run(GREETING, turns, local_start="09:15").value is False


def test_greeting_garbled_but_confirmed_by_the_audio_passes(run):
    r = run(GREETING, agent("到上好，夜郎印象"), local_start="09:15", audio={"早上好": -0.5, "到上好": -4.0})
    assert r.value is True and "音频核对" in r.zh and r.evidence[0].audio_check.verified


@pytest.mark.parametrize("said, agent_id", [
    ("我是要零八号", "108"),     # 要 is heard for 幺 (one)
    ("我是一百零八号", "108"),   # said as a number
    ("工号幺零八为您服务", "108"),
    ("我是零二七号", "27"),      # compared as integers
    ("我是八号", "8"),           # 是 is never read as 十
])
def test_work_number_homophones_and_spellings_pass(run, said, agent_id):
    r = run(WORK_NUMBER, agent(said), record={"agent_id": agent_id})
    assert r.value is True and r.zh == f"报工号 {agent_id}"


def test_work_number_none_stated_fails_naming_the_expected(run):
    r = run(WORK_NUMBER, agent("夜郎印象，您好"))
    assert r.value is False and r.zh == "开场未报工号（应为 108 号）" and r.evidence[0].text == "夜郎印象，您好"


def test_work_number_without_agent_id_cannot_be_checked(run):
    r = run(WORK_NUMBER, agent("我是108号"), record={"agent_id": None})
    assert r.value is None and r.zh == "通话记录缺少坐席工号（agent_id），无法核对所报工号 108"


def test_work_number_another_number_fails_naming_both_and_the_turn_that_said_it(run):
    turns = [("agent", 0.5, 1.5, "夜郎印象"), ("agent", 3.6, 5.0, "我是一百零三号")]
    r = run({"work_number": {"scope": {"speaker": "agent", "first": 2}}}, turns)
    assert r.value is False and r.zh == "所报工号 103 与通话记录的工号 108 不一致"
    assert "103" in r.en and "108" in r.en
    assert [e.start for e in r.evidence] == [3.6]


def test_work_number_garbled_but_confirmed_by_the_audio_passes_with_the_note(run):
    r = run(WORK_NUMBER, agent("我是一次八号"), audio={"一零八": -0.4, "一次八": -3.1})
    assert r.value is True
    assert r.zh == "报工号 108（音频核对：识别为「一次八」，音频支持「一零八」，-0.4 对 -3.1）"
    check = r.evidence[0].audio_check
    assert check.verified and check.part == "work_number" and check.heard == "一次八"


def test_work_number_said_without_a_prefix_is_checked_where_it_was_said(run):
    # 一零八号为您服务 with no 我是 before it, heard 需要爱好为您服务: the audio is asked about the
    # stretch before 号为您服务, not about a number added after the end of the turn.
    r = run(WORK_NUMBER, agent("夜郎印象连锁酒店，需要爱好为您服务，请问有什么可以帮您"),
            audio={"一零八": -0.4, "需要爱": -3.1})
    check = r.evidence[0].audio_check
    assert r.value is True and check.heard == "需要爱"


def test_work_number_audio_preferring_a_rival_still_fails(run):
    r = run(WORK_NUMBER, agent("我是一次八号"), audio={"一零八": -6.0, "一次八": -1.0})
    assert r.value is False and r.evidence[0].audio_check.verified is False


def test_work_number_audio_preferring_a_near_number_still_fails(run):
    r = run(WORK_NUMBER, agent("我是一零九号"), audio={"一零九": -1.0, "一零八": -8.0})
    assert r.value is False and "109" in r.zh


def test_near_numbers_are_tried_the_way_the_expected_number_fits_the_audio(run):
    # The audio fits 一零八 digit by digit best: a near number said digit by digit that fits
    # better fails the agent; Whisper's liking for Arabic digits (109) is no rival to it.
    said_the_same_way = run(WORK_NUMBER, agent("我是一次八号"), audio={"一零八": -0.4, "一次八": -3.1, "一零九": 1.0})
    assert said_the_same_way.value is False and said_the_same_way.evidence[0].audio_check.rival == "一零九"
    arabic = run(WORK_NUMBER, agent("我是一次八号"), audio={"一零八": -0.4, "一次八": -3.1, "109": 1.0})
    assert arabic.value is True and arabic.evidence[0].audio_check.rival != "109"


def test_work_number_id_not_made_of_digits_is_judged_on_the_text(run):
    r = run(WORK_NUMBER, agent("我是一零八号"), record={"agent_id": "A08"}, audio={"一零八": -1.0})
    assert r.value is False and "A08" in r.zh and r.evidence[0].audio_check is None


def test_work_number_a_numeral_word_is_not_a_number(run):
    assert run(WORK_NUMBER, agent("我是一名客服，请问有什么可以帮您")).zh == "开场未报工号（应为 108 号）"


@pytest.mark.parametrize("expr, loc", [
    ({"work_number": {"prefixes": "prefix"}}, ("check", "work_number", "prefixes")),
    ({"greeting_time_of_day": {"windows": [{"from": "5:00", "to": "11:00", "list": "mornin"}]}},
     ("check", "greeting_time_of_day", "windows", 0, "list")),
    ({"greeting_time_of_day": {"windows": []}}, ("check", "greeting_time_of_day", "windows")),
    ({"greeting_time_of_day": {"windows": [{"from": "5h", "to": "11:00", "list": "morning"}]}},
     ("check", "greeting_time_of_day", "windows", 0, "from")),
])
def test_opening_compile_errors_point_at_the_argument(compile_error, expr, loc):
    assert compile_error(expr).loc == loc
