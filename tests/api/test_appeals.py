"""Appeals: agent 108 disputes failed findings of calls C1/C2; inspectors decide."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Analysis, Call, utcnow


def _finding(client, h, call_id, rule_id):
    d = client.get(f"/api/calls/{call_id}", headers=h).json()
    return next(f for f in d["findings"] if f["rule_id"] == rule_id)


def _appeal(client, login, call_id="C2", rule_id="close.anything_else", reason="我问了“还有什么可以帮您”"):
    f = _finding(client, login("agent108"), call_id, rule_id)
    return client.post(f"/api/calls/{call_id}/findings/{f['id']}/appeal", headers=login("agent108"),
                       json={"reason": reason})


def _age_analysis(settings, call_id, days):
    with session_scope(settings) as s:
        call = s.exec(select(Call).where(Call.call_id == call_id)).one()
        analysis = s.get(Analysis, call.current_analysis_id)
        analysis.created_at = utcnow() - timedelta(days=days)
        s.add(analysis)


def _agreement(client, h, rule_id):
    rows = client.get("/api/review/agreement", headers=h).json()
    return next((r for r in rows if r["rule_id"] == rule_id), None)


def test_agent_appeals_a_failed_finding_of_their_own_call(client, login):
    r = _appeal(client, login)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "pending" and body["call_id"] == "C2" and body["agent_id"] == "108"
    assert body["rule_id"] == "close.anything_else" and body["auto_outcome"] == "fail"
    queue = client.get("/api/appeals", params={"status": "pending"}, headers=login("inspector")).json()
    assert [a["id"] for a in queue] == [body["id"]]
    assert [a["id"] for a in client.get("/api/appeals", headers=login("agent108")).json()] == [body["id"]]


def test_an_appeal_on_another_agents_call_is_not_found(client, login):
    f = _finding(client, login("inspector"), "C3", "open.brand_name")
    r = client.post(f"/api/calls/C3/findings/{f['id']}/appeal", headers=login("agent108"), json={"reason": "x"})
    assert r.status_code == 404
    # A finding of another call through the agent's own call is not found either.
    r = client.post(f"/api/calls/C2/findings/{f['id']}/appeal", headers=login("agent108"), json={"reason": "x"})
    assert r.status_code == 404 and "no finding" in r.json()["detail"]


def test_an_appeal_outside_the_window_is_refused_with_the_deadline(client, login, db):
    _age_analysis(db, "C2", days=8)
    r = _appeal(client, login)
    assert r.status_code == 409
    assert "appeal window closed" in r.json()["detail"] and "7 days after the call's analysis" in r.json()["detail"]


def test_a_finalisation_reopens_the_window(client, login, db):
    _age_analysis(db, "C2", days=8)
    assert client.post("/api/calls/C2/finalise", headers=login("inspector"), json={}).status_code == 200
    assert _appeal(client, login).status_code == 201


def test_a_finding_is_appealed_once_and_only_when_it_failed(client, login):
    assert _appeal(client, login).status_code == 201
    r = _appeal(client, login)
    assert r.status_code == 409 and "already appealed" in r.json()["detail"]
    r = _appeal(client, login, rule_id="open.brand_name")
    assert r.status_code == 409 and "did not fail" in r.json()["detail"]
    assert client.post("/api/calls/C2/findings/1/appeal", headers=login("agent108"), json={"reason": ""}).status_code == 422


def test_only_agents_appeal_and_only_deciders_decide(client, login):
    f = _finding(client, login("inspector"), "C2", "close.anything_else")
    r = client.post(f"/api/calls/C2/findings/{f['id']}/appeal", headers=login("inspector"), json={"reason": "x"})
    assert r.status_code == 403
    appeal = _appeal(client, login).json()
    for user in ("agent108", "trainer"):
        r = client.post(f"/api/appeals/{appeal['id']}/decision", headers=login(user), json={"decision": "overturned"})
        assert r.status_code == 403


def test_an_overturned_appeal_raises_the_score_and_counts_as_an_overturn(client, login):
    h = login("inspector")
    before = client.get("/api/calls/C2", headers=h).json()["review"]["suggested_score"]
    appeal = _appeal(client, login).json()
    r = client.post(f"/api/appeals/{appeal['id']}/decision", headers=login("supervisor"),
                    json={"decision": "overturned", "comment": "录音里有询问"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "overturned" and body["decided_by"] == "supervisor"
    detail = client.get("/api/calls/C2", headers=h).json()
    assert body["score_before"] == before == 94.6 and body["score_after"] == detail["review"]["suggested_score"] == 100.0
    finding = next(f for f in detail["findings"] if f["rule_id"] == "close.anything_else")
    assert finding["verdict"]["verdict"] == "overturned" and finding["verdict"]["human_outcome"] == "pass"
    row = _agreement(client, h, "close.anything_else")
    assert row["reviewed"] == 1 and row["overturned"] == 1 and row["false_fail"] == 1
    again = client.post(f"/api/appeals/{appeal['id']}/decision", headers=h, json={"decision": "upheld"})
    assert again.status_code == 409 and "already overturned" in again.json()["detail"]


def test_an_overturned_appeal_on_a_final_review_shifts_the_final_score(client, login):
    h = login("inspector")
    client.post("/api/calls/C2/deductions", headers=h, json={"points": 3, "reason": "语气生硬"})
    assert client.post("/api/calls/C2/finalise", headers=h, json={"final_score": 90}).json()["final_score"] == 90
    appeal = _appeal(client, login).json()
    body = client.post(f"/api/appeals/{appeal['id']}/decision", headers=h, json={"decision": "overturned"}).json()
    # The suggested score went from 91.6 to 97 (+5.4); the inspector's own 90 follows by as much.
    assert body["score_before"] == 90 and body["score_after"] == 95.4
    d = client.get("/api/calls/C2", headers=login("agent108")).json()
    assert d["call"]["final_score"] == 95.4 and d["review"]["status"] == "final"


def test_an_upheld_appeal_changes_nothing_but_the_appeal(client, login):
    h = login("inspector")
    before = client.get("/api/calls/C2", headers=h).json()["review"]
    appeal = _appeal(client, login).json()
    body = client.post(f"/api/appeals/{appeal['id']}/decision", headers=h,
                       json={"decision": "upheld", "comment": "录音中没有询问"}).json()
    assert body["status"] == "upheld" and body["score_before"] == body["score_after"] == before["suggested_score"]
    after = client.get("/api/calls/C2", headers=h).json()
    assert after["review"]["suggested_score"] == before["suggested_score"]
    assert after["review"]["status"] == before["status"]  # an upheld appeal opens no review
    assert next(f for f in after["findings"] if f["rule_id"] == "close.anything_else")["verdict"] is None
    assert _agreement(client, h, "close.anything_else") is None
    # The agent sees the outcome on their call.
    seen = client.get("/api/calls/C2/appeals", headers=login("agent108")).json()
    assert [(a["status"], a["decision_comment"]) for a in seen] == [("upheld", "录音中没有询问")]


def test_appeals_are_audited(client, login):
    appeal = _appeal(client, login).json()
    client.post(f"/api/appeals/{appeal['id']}/decision", headers=login("inspector"),
                json={"decision": "overturned", "comment": "同意"})
    log = client.get("/api/calls/C2/audit", headers=login("inspector")).json()
    assert [(e["action"], e["username"]) for e in log] == [
        ("appeal.overturned", "inspector"), ("finding.overturned", "inspector"), ("appeal.create", "agent108")]
    assert log[2]["detail"]["reason"] == "我问了“还有什么可以帮您”"
    assert log[0]["detail"]["score_before"] == 94.6 and log[0]["detail"]["score_after"] == 100.0


def test_appeals_show_phone_numbers_masked_to_roles_without_pii_read(client, login, db):
    from qa_engine.storage.models import FindingRow

    appeal = _appeal(client, login, reason="客户说他的手机是13912345678").json()
    assert "13912345678" not in str(appeal) and "139****5678" in appeal["reason"]
    with session_scope(db) as s:
        finding = s.get(FindingRow, appeal["finding_id"])
        finding.message = "未询问其他需求（客户13800001111）"
        s.add(finding)
    for user in ("agent108", "trainer"):
        for url in ("/api/appeals", "/api/calls/C2/appeals"):
            row = client.get(url, headers=login(user)).json()[0]
            assert row["reason"] == "客户说他的手机是139****5678", (user, url)
            assert row["finding_message"] == "未询问其他需求（客户138****1111）", (user, url)
    row = client.get("/api/appeals", headers=login("inspector")).json()[0]
    assert "13912345678" in row["reason"] and "13800001111" in row["finding_message"]


def test_two_inspectors_deciding_at_once_second_is_refused_and_writes_nothing(client, login, db):
    """The second decider read the appeal as pending before the first committed their decision."""
    import pytest

    from qa_engine.api.services import appeals as appeal_svc
    from qa_engine.storage.app_models import FindingVerdict
    from qa_engine.storage.appeal_models import Appeal

    appeal_id = _appeal(client, login).json()["id"]
    with session_scope(db) as late:
        stale = late.get(Appeal, appeal_id)  # read (and held) before the other decision
        assert stale.status == "pending"
        with session_scope(db) as first:
            appeal_svc.decide(first, appeal_id=appeal_id, decision="upheld", comment="维持", username="supervisor")
        with pytest.raises(appeal_svc.AppealError, match="already upheld by supervisor"):
            appeal_svc.decide(late, appeal_id=appeal_id, decision="overturned", comment="改判", username="inspector")
        late.rollback()
    with session_scope(db) as s:
        row = s.get(Appeal, appeal_id)
        assert (row.status, row.decided_by, row.decision_comment) == ("upheld", "supervisor", "维持")
        assert s.exec(select(FindingVerdict).where(FindingVerdict.finding_id == row.finding_id)).first() is None
    r = client.post(f"/api/appeals/{appeal_id}/decision", headers=login("inspector"),
                    json={"decision": "overturned", "comment": "x"})
    assert r.status_code == 409 and "already upheld" in r.json()["detail"]
