from __future__ import annotations

from apptest_helpers import texts
from streamlit.testing.v1 import AppTest

from qa_engine.config import REPO_ROOT


def test_login_then_the_review_queue_is_the_default_page(dash_db):
    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert not at.exception
    at.text_input(key="login_user").input("inspector")
    at.text_input(key="login_password").input("inspect123")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["user"]["role"] == "inspector"
    assert "质检复核" in texts(at)


def test_wrong_password_shows_an_error(dash_db):
    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.text_input(key="login_user").input("inspector")
    at.text_input(key="login_password").input("nope")
    at.button[0].click().run()
    assert "用户名或密码错误" in texts(at) and "user" not in at.session_state


def test_review_queue_lists_the_critical_call_first(page):
    at = page("review_queue")
    table = at.dataframe[0].value
    assert list(table["ID"])[0] == "DEMO001"
    assert at.selectbox(key="q_choice").value == "DEMO001"


def test_agents_see_only_their_own_calls_in_the_queue(page):
    at = page("review_queue", user="agent108")
    assert list(at.dataframe[0].value["ID"]) == ["DEMO001"]


def test_call_page_shows_findings_evidence_transcript_and_the_vip_card(page):
    at = page("call_review", call_id="DEMO001")
    text = texts(at)
    assert "talk.banned_phrases" in text and "这不归我管" in text  # finding with its evidence
    assert "夜郎印象连锁酒店" in text  # transcript
    assert "贵阳黔途商贸有限公司" in text and "商务协议客户" in text  # CRM panel
    cards = [df.value for df in at.dataframe]
    assert any("VIP" in str(list(df.columns)) or "卡号" in list(df.columns) for df in cards)


def test_evidence_button_moves_the_player_to_the_moment(page):
    at = page("call_review", call_id="DEMO001")
    jump = next(b for b in at.button if b.key and b.key.startswith("jump_") and b.label == "00:22")
    jump.click().run()
    assert at.session_state["seek_DEMO001"] == 22.6


def test_inspector_overturns_a_finding_and_finalises(page):
    at = page("call_review", call_id="DEMO001")
    banned = next(e for e in at.expander if "talk.banned_phrases" in e.label)
    fid = next(b.key for b in banned.button if b.key and b.key.startswith("s_")).removeprefix("s_")
    at.radio(key=f"v_{fid}").set_value("overturned")
    at.text_input(key=f"c_{fid}").input("客户引述")
    at.button(key=f"s_{fid}").click().run()
    assert not at.exception
    assert "推翻" in texts(at)
    at.button[-1]  # the page is still rendered
    finalise = next(b for b in at.button if b.label == "定稿")
    finalise.click().run()
    assert "复核已定稿" in texts(at)


def test_agent_cannot_open_another_agents_call(page):
    at = page("call_review", user="agent108", call_id="DEMO002")
    assert "请先在质检复核中选择一个通话" in texts(at)


def test_daily_report_shows_scorecards_and_team_totals(page):
    at = page("daily_report", user="supervisor")
    table = at.dataframe[0].value
    assert sorted(table["坐席"]) == ["108", "109", "110"]
    assert "团队合计" in texts(at) or "平均分" in texts(at)
    assert len(at.get("download_button")) == 2


def test_english_switch(page):
    at = page("daily_report", user="supervisor", lang="en")
    assert "Daily report" in texts(at) and "Agent" in list(at.dataframe[0].value.columns)


def test_coaching_page_builds_a_session_and_compares(page):
    at = page("coaching", user="trainer")
    assert "结束语规范" in texts(at)  # the demo session
    form_inputs = at.text_input
    form_inputs[0].input("结束语培训")
    at.multiselect[0].set_value(["DEMO001"])
    at.multiselect[1].set_value(["108"])
    next(b for b in at.button if b.label == "创建").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox[-1].value == at.session_state["coach_id"]
    assert "结束语培训" in texts(at)
    assert any("DEMO001" in e.label for e in at.expander)


def test_agent_marks_own_coaching_completed(page):
    at = page("coaching", user="agent108")
    assert "结束语规范" in texts(at)
    at.button(key="done_108").click().run()
    assert not at.exception
    assert "已完成" in texts(at)


def test_agreement_page_runs(page):
    at = page("agreement", user="supervisor")
    assert "规则可信度" in texts(at)


def test_customer_search_and_profile(page):
    at = page("customers")
    at.text_input(key="crm_q").input("黔途").run()
    assert not at.exception
    assert "贵阳黔途商贸有限公司" in texts(at) or "贵阳黔途商贸有限公司" in str(at.dataframe[0].value)


def test_month_end_reports_page(page):
    at = page("crm_reports", user="supervisor")
    assert "售卡提成" in texts(at)
