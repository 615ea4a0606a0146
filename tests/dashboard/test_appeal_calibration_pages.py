"""Appeals on the call page and the appeals queue; calibration assignments and the report."""

from __future__ import annotations

from apptest_helpers import texts
from sqlmodel import select

from qa_engine.api.services import appeals as appeal_svc
from qa_engine.api.services import calibration as calib_svc
from qa_engine.api.services.calls import get_call
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import FindingRow


def _finding_id(settings, call_id: str, rule_id: str) -> int:
    with session_scope(settings) as s:
        call = get_call(s, call_id=call_id)
        return s.exec(select(FindingRow.id).where(FindingRow.analysis_id == call.current_analysis_id,
                                                  FindingRow.rule_id == rule_id)).one()


def _appeal(settings, call_id="DEMO001", rule_id="talk.banned_phrases") -> int:
    with session_scope(settings) as s:
        row = appeal_svc.file_appeal(s, call=get_call(s, call_id=call_id), finding_id=_finding_id(settings, call_id, rule_id),
                                     reason="客户在引述", username="agent108", agent_id="108", window_days=7)
        return row.id


def test_agent_appeals_a_failed_finding_from_the_call_page(page, dash_db):
    at = page("call_review", user="agent108", call_id="DEMO001")
    fid = _finding_id(dash_db, "DEMO001", "talk.banned_phrases")
    assert at.button(key=f"appeal_start_{fid}").label == "申诉"
    at.button(key=f"appeal_start_{fid}").click().run()
    assert at.button(key=f"appeal_{fid}").label == "提交申诉"
    at.text_area(key=f"appeal_reason_{fid}").input("这句话是客户说的，不是我")
    at.button(key=f"appeal_{fid}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "申诉处理中" in texts(at) and "这句话是客户说的" in texts(at)
    assert not any(b.key in (f"appeal_{fid}", f"appeal_start_{fid}") for b in at.button)  # appealed once only


def test_inspectors_see_no_appeal_button(page, dash_db):
    at = page("call_review", user="inspector", call_id="DEMO001")
    assert not any(b.key and b.key.startswith("appeal_") for b in at.button)


def test_inspector_overturns_an_appeal_and_the_agent_sees_the_outcome(page, dash_db):
    appeal_id = _appeal(dash_db)
    at = page("appeals", user="inspector")
    assert "客户在引述" in texts(at)
    at.radio(key=f"dec_{appeal_id}").set_value("overturned")
    at.text_input(key=f"dec_note_{appeal_id}").input("录音核实为客户原话")
    at.button(key=f"dec_save_{appeal_id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "暂无待处理申诉" in texts(at)
    agent_view = page("call_review", user="agent108", call_id="DEMO001")
    assert "申诉成立（改判合格）" in texts(agent_view) and "录音核实为客户原话" in texts(agent_view)
    mine = page("appeals", user="agent108")
    assert "申诉成立" in texts(mine)


def _session(settings, inspectors=("inspector", "supervisor", "admin")) -> int:
    with session_scope(settings) as s:
        return calib_svc.create_session(s, title="十二月校准", call_ids=["DEMO001", "DEMO002"], inspectors=list(inspectors),
                                        username="supervisor").id


def _answer(settings, session_id: int, username: str, flip: str | None = None) -> None:
    """Answer every finding as the engine did (``flip``: that rule the other way) and submit."""
    with session_scope(settings) as s:
        for call_id in ("DEMO001", "DEMO002"):
            rows = calib_svc._session_findings(s, session_id)
            answers = [{"finding_id": f.id, "outcome": ("pass" if f.outcome == "fail" else "fail") if f.rule_id == flip
                        else f.outcome} for c, f in rows if c.call_id == call_id]
            calib_svc.save_answers(s, session_id=session_id, username=username, call_id=call_id, answers=answers)
        calib_svc.submit(s, session_id=session_id, username=username)


def test_inspector_scores_a_calibration_assignment_blind(page, dash_db):
    session_id = _session(dash_db, inspectors=("inspector", "supervisor"))
    at = page("calibration", user="inspector")
    assert "背对背评分" in texts(at) and "校准报告" not in texts(at)
    fid = _finding_id(dash_db, "DEMO001", "talk.banned_phrases")
    at.radio(key=f"ca_{session_id}_{fid}").set_value("pass")
    at.button(key=f"ca_save_{session_id}_DEMO001").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key=f"ca_{session_id}_{fid}").value == "pass"
    at.button(key=f"ca_submit_{session_id}").click().run()
    assert "还没有答案" in texts(at) or "have no answer yet" in texts(at)


def test_calibration_report_renders_with_drift(page, dash_db):
    session_id = _session(dash_db)
    _answer(dash_db, session_id, "inspector")
    _answer(dash_db, session_id, "supervisor")
    _answer(dash_db, session_id, "admin", flip="talk.banned_phrases")
    at = page("calibration", user="supervisor")
    assert not at.exception
    assert "校准报告" in texts(at) and "已提交，答案不可再改" in texts(at)
    people = at.dataframe[0].value
    drifting = dict(zip(people["质检员"], people["偏离"]))
    assert drifting == {"admin": "⚠️", "inspector": "", "supervisor": ""}


def test_agents_see_phone_numbers_in_appeals_masked_and_inspectors_in_full(page, dash_db):
    with session_scope(dash_db) as s:
        appeal_svc.file_appeal(s, call=get_call(s, call_id="DEMO001"),
                               finding_id=_finding_id(dash_db, "DEMO001", "talk.banned_phrases"),
                               reason="客户手机13912345678", username="agent108", agent_id="108", window_days=7)
    for name in ("call_review", "appeals"):
        at = page(name, user="agent108", call_id="DEMO001")
        shown = texts(at).replace("\\", "")  # as rendered: typed text is Markdown-escaped
        assert "139****5678" in shown and "13912345678" not in shown, name
    assert "13912345678" in texts(page("appeals", user="inspector"))


def test_an_appeal_reason_is_shown_as_typed_never_as_markdown(page, dash_db):
    reason = "见![录音](http://evil.example/x.png) [点此核实](http://evil.example) **紧急** :red[改判]"
    with session_scope(dash_db) as s:
        appeal_svc.file_appeal(s, call=get_call(s, call_id="DEMO001"),
                               finding_id=_finding_id(dash_db, "DEMO001", "talk.banned_phrases"),
                               reason=reason, username="agent108", agent_id="108", window_days=7)
    inspector = page("appeals", user="inspector")
    assert reason in texts(inspector).replace("\\", "")  # as typed, once the escapes are rendered
    for at in (inspector, page("call_review", user="inspector", call_id="DEMO001"),
               page("appeals", user="agent108")):
        rendered = texts(at)
        assert "](http" not in rendered and "**紧急**" not in rendered and ":red[" not in rendered
