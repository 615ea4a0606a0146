from __future__ import annotations

import streamlit as st
from apptest_helpers import texts
from streamlit.testing.v1 import AppTest

from qa_engine.config import REPO_ROOT, get_settings


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
    assert sorted(table["工号"]) == ["108", "109", "110"]
    assert dict(zip(table["工号"], table["姓名"])) == {"108": "孙丽", "109": "周婷", "110": "吴刚"}
    assert dict(zip(table["工号"], table["班组"])) == {"108": "一组", "109": "一组", "110": "二组"}
    teams = at.dataframe[1].value  # per team, then all teams
    assert list(teams["班组"]) == ["一组", "二组", "全部"] and list(teams["通话数"]) == [2, 1, 3]
    assert "班组合计" in texts(at)
    assert len(at.get("download_button")) == 2


def test_english_switch(page):
    at = page("daily_report", user="supervisor", lang="en")
    assert "Daily report" in texts(at) and "Name" in list(at.dataframe[0].value.columns)
    assert list(at.dataframe[1].value["Team"])[-1] == "All teams"


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


def _title(rule_id: str, lang: str = "zh") -> str:
    from qa_engine.api.services.catalog import rule_titles

    return rule_titles()[rule_id][lang]


def test_call_page_shows_rule_titles_with_ids_and_section_scores(page):
    at = page("call_review", call_id="DEMO001")
    banned = next(e for e in at.expander if "talk.banned_phrases" in e.label)
    assert _title("talk.banned_phrases") in banned.label  # Chinese title, id as secondary text
    assert _title("open.brand_name") in texts(at)  # passed rules too
    sections = {m.label: m.value for m in at.metric}
    assert {"开场", "服务过程", "保持与转接", "结束语", "服务忌语"} <= set(sections)
    assert sections["服务忌语"] == "0"  # the banned phrase failed
    assert "孙丽（108）" in texts(at) and "一组" in texts(at)


def test_call_page_in_english_shows_english_titles_and_sections(page):
    at = page("call_review", call_id="DEMO001", lang="en")
    assert any(_title("talk.banned_phrases", "en") in e.label for e in at.expander)
    assert {"Opening", "Conversation", "Closing"} <= {m.label for m in at.metric}


def test_call_page_metrics_have_chinese_labels_with_units(page):
    at = page("call_review", call_id="DEMO001")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["振铃次数"] == "1 次" and metrics["接听用时"] == "6.1 秒"
    assert metrics["保持次数"] == "1 次" and metrics["保持时长"] == "16 秒"
    assert metrics["静默时长"] == "1 秒" and metrics["抢话"] == "0 次" and metrics["先挂机方"] == "客户"
    speakers = next(df.value for df in at.dataframe if "角色" in df.value.columns)
    assert list(speakers["角色"]) == ["坐席", "客户"] and list(speakers["语速（字/分）"]) == [240, 200]
    assert list(speakers["说话占比"]) == ["60%", "30%"] and list(speakers["音量（dBFS）"]) == [-18.0, -20.0]
    assert "第1次保持 00:36–00:52 · 16.0 秒 · 等待音乐" in texts(at)


def test_transcript_lanes_put_agent_left_and_customer_right_with_times(page):
    at = page("call_review", call_id="DEMO001")
    text = texts(at)
    assert "00:06–00:09" in text and "早上好，夜郎印象连锁酒店" in text
    customer = next(m.value for m in at.markdown if "我想订一间明天晚上的大床房" in m.value)
    assert "text-align:right" in customer and "00:10–00:14" in customer


def test_evidence_button_starts_the_player_at_that_moment(page):
    at = page("call_review", call_id="DEMO001")
    audio = at.get("audio")[0].proto
    assert audio.start_time == 0 and not audio.autoplay
    next(b for b in at.button if b.key and b.key.startswith("jump_") and b.label == "00:22").click().run()
    audio = at.get("audio")[0].proto
    assert audio.start_time == 22 and audio.autoplay


def test_queue_shows_agent_names_and_teams_and_rule_titles_in_the_filter(page):
    at = page("review_queue")
    table = at.dataframe[0].value
    assert list(table["坐席"])[0] == "孙丽（108）" and list(table["班组"])[0] == "一组"
    rule = at.selectbox(key="q_rule")
    assert f"{_title('talk.banned_phrases')}（talk.banned_phrases）" in rule.options
    agent = at.selectbox(key="q_agent")
    assert "周婷（109）" in agent.options
    rule.set_value("talk.banned_phrases").run()
    assert list(at.dataframe[0].value["ID"]) == ["DEMO001"]


def test_agreement_page_shows_rule_titles(page):
    at = page("call_review", call_id="DEMO001")
    banned = next(e for e in at.expander if "talk.banned_phrases" in e.label)
    fid = next(b.key for b in banned.button if b.key and b.key.startswith("s_")).removeprefix("s_")
    at.button(key=f"s_{fid}").click().run()
    at = page("agreement", user="supervisor")
    table = at.dataframe[0].value
    assert list(table["规则"])[0] == _title("talk.banned_phrases") and list(table["规则编号"])[0] == "talk.banned_phrases"
    assert list(table["复核数"])[:2] == [1, 0] and len(table) == 18  # every rule, reviewed first


def test_agreement_page_without_reviews_lists_every_rule_and_says_why(page):
    at = page("agreement", user="supervisor")
    assert "尚无人工复核" in texts(at)
    table = at.dataframe[0].value
    assert len(table) == 18 and set(table["复核数"]) == {0} and _title("open.brand_name") in list(table["规则"])


def test_most_failed_chart_and_coaching_target_use_rule_titles(page):
    at = page("daily_report", user="supervisor")
    failed = next(df.value for df in at.dataframe if "规则编号" in df.value.columns)
    rows = list(zip(failed["规则"], failed["规则编号"], failed["不合格次数"]))
    assert (_title("talk.banned_phrases"), "talk.banned_phrases", 1) in rows
    at = page("coaching", user="trainer")
    table = at.dataframe[0].value
    assert list(table["目标规则"]) == [f"{_title('close.anything_else')}（close.anything_else）"]


def test_the_dashboard_login_is_throttled_like_the_api(dash_db):
    def attempt(password):
        at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
        at.text_input(key="login_user").input("inspector")
        at.text_input(key="login_password").input(password)
        at.button[0].click().run()
        return at

    for _ in range(5):
        attempt("nope")
    at = attempt("inspect123")  # the right password, but too many failures in the window
    assert "登录失败次数过多，请稍后再试" in texts(at) and "user" not in at.session_state


def test_the_login_page_names_the_demo_accounts_only_in_the_demo(dash_db, monkeypatch):
    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert "inspect123" not in texts(at) + "".join(c.value for c in at.caption)
    monkeypatch.setenv("QA_DEMO_LOGINS_HINT", "1")
    get_settings.cache_clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert "inspect123" in "".join(c.value for c in at.caption)


def test_agents_see_only_their_own_row_of_a_shared_coaching_session(page):
    from dashboard import ui

    colleague = f"{ui.agent_label('109')} ·"
    assert colleague in texts(page("coaching", user="trainer"))  # the demo session: agents 108 and 109
    at = page("coaching", user="agent108")
    assert f"{ui.agent_label('108')} ·" in texts(at) and colleague not in texts(at)
    assert all("109" not in str(df.value) for df in at.dataframe)
