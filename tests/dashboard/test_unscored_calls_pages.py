"""Calls the engine did not score, as the dashboard pages show them (AppTest, real database)."""

from __future__ import annotations

from datetime import datetime

import pytest
from apptest_helpers import texts

from qa_engine.api.demo import CST, demo_unscored, store_call

REASON = "无人接听：回铃 5 声后录音结束，座席没有讲话"


@pytest.fixture
def unanswered(dash_db):
    """Beside the demo calls, an unanswered call of agent 108 on the same day, its recording cut off
    at 28.1 s of the 106.9 s its header declares."""
    store_call(demo_unscored("MISS01", source_path=str(dash_db.data_dir / "demo_audio" / "demo.wav"), agent_id="108",
                             started_at=datetime(2026, 11, 20, 13, 0, tzinfo=CST)), dash_db)
    return "MISS01"


def test_queue_lists_the_unscored_call_apart_with_its_reason(unanswered, page):
    at = page("review_queue")
    assert unanswered not in list(at.dataframe[0].value["ID"])  # not among the scored calls
    group = at.dataframe[1].value
    assert list(group["ID"]) == [unanswered]
    assert list(group["评分状态"]) == ["无人接听"] and list(group["原因"]) == [REASON]
    assert "录音不完整" in list(group["时长"])[0]
    assert "未评分 / 无对话（1）" in texts(at)
    assert unanswered in at.selectbox(key="q_choice").options[-1]  # can still be opened


def test_call_page_shows_not_scored_with_the_reason_and_the_truncation(unanswered, page):
    at = page("call_review", call_id=unanswered)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["系统评分"] == "未评分" and metrics["建议得分"] == "–"
    warnings = [w.value for w in at.warning]
    assert f"未评分：{REASON}" in warnings
    assert "录音不完整：仅 28.1 秒，文件头声明 106.9 秒" in warnings


def test_call_page_in_english(unanswered, page):
    at = page("call_review", call_id=unanswered, lang="en")
    assert {m.label: m.value for m in at.metric}["Automatic score"] == "Not scored"
    text = texts(at)
    assert f"Not scored (unanswered): {REASON}" in text
    assert "Incomplete recording: only 28.1 s of the 106.9 s its file header declares" in text


def test_finalising_without_a_score_keeps_the_call_unscored(unanswered, page):
    at = page("call_review", call_id=unanswered)
    assert "系统未评分" in texts(at)
    next(b for b in at.button if b.label == "定稿").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "复核已定稿：–" in texts(at)  # no 100 and no 0 made up for it
    at = page("daily_report", user="supervisor")
    table = at.dataframe[0].value
    sun = table[table["工号"] == "108"].iloc[0]
    assert (sun["通话数"], sun["已评分"], sun["无对话录音"]) == (2, 1, 1)


def test_daily_report_counts_unscored_calls_apart_from_the_average(unanswered, page):
    at = page("daily_report", user="supervisor")
    table = at.dataframe[0].value
    sun = table[table["工号"] == "108"].iloc[0]
    # DEMO001 failed a critical rule (0); the unanswered call is neither averaged in nor a 100
    assert (sun["通话数"], sun["已评分"], sun["无对话录音"], sun["未评分"], sun["平均分"]) == (2, 1, 1, 0, "0")
    teams = at.dataframe[1].value
    assert list(teams["无对话录音"]) == [1, 0, 1] and list(teams["已评分"]) == [2, 1, 3]
    text = texts(at)
    assert "平均分按已评分的 3 条通话计算 · 无对话录音 1 条" in text
    at.selectbox(key="d_agent").set_value("108").run()  # the drill-down into 108's calls
    drill = next(m.value for m in at.markdown if f"`{unanswered}`" in m.value)
    assert "系统评分 未评分 · 无人接听" in drill


def test_daily_report_in_english(unanswered, page):
    at = page("daily_report", user="supervisor", lang="en")
    assert {"Scored", "No conversation", "Not scored"} <= set(at.dataframe[0].value.columns)
    assert "1 recordings without conversation" in texts(at)
