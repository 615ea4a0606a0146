"""Calibration sessions: inspector (A), supervisor (B) and admin (C) score calls C1 and C2 blind."""

from __future__ import annotations

import pytest

from qa_engine.api.services.calibration_stats import Answer, report

FLIP = {"pass": "fail", "fail": "pass", "n/a": "fail"}


def _create(client, login, inspectors=("inspector", "supervisor", "admin"), calls=("C1", "C2")):
    r = client.post("/api/calibration/sessions", headers=login("supervisor"),
                    json={"title": "十一月校准", "call_ids": list(calls), "inspectors": list(inspectors)})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _auto(client, login):
    """finding id → automatic outcome for C1 and C2 (read by an inspector from the call pages)."""
    out = {}
    for call_id in ("C1", "C2"):
        for f in client.get(f"/api/calls/{call_id}", headers=login("inspector")).json()["findings"]:
            out[f["id"]] = (call_id, f["rule_id"], f["outcome"])
    return out


def _answer_all(client, login, sid, user, flip=()):
    """Answer every finding as the engine did, except (call, rule) pairs in ``flip``; then submit."""
    auto = _auto(client, login)
    for call_id in ("C1", "C2"):
        answers = [{"finding_id": fid, "outcome": FLIP[o] if (c, r) in flip else o}
                   for fid, (c, r, o) in auto.items() if c == call_id]
        r = client.put(f"/api/calibration/sessions/{sid}/calls/{call_id}/answers", headers=login(user),
                       json={"answers": answers})
        assert r.status_code == 200, r.text
    r = client.post(f"/api/calibration/sessions/{sid}/submit", headers=login(user))
    assert r.status_code == 200, r.text
    return len(auto)


def test_only_managers_create_sessions_and_bad_input_is_named(client, login):
    body = {"title": "t", "call_ids": ["C1"], "inspectors": ["inspector", "supervisor"]}
    assert client.post("/api/calibration/sessions", headers=login("inspector"), json=body).status_code == 403
    r = client.post("/api/calibration/sessions", headers=login("supervisor"), json=body | {"call_ids": ["C9"]})
    assert r.status_code == 422 and r.json()["detail"] == "no call C9"
    r = client.post("/api/calibration/sessions", headers=login("supervisor"), json=body | {"inspectors": ["inspector", "trainer"]})
    assert r.status_code == 422 and "'trainer'" in r.json()["detail"]


def test_inspectors_score_blind(client, login):
    sid = _create(client, login)
    a = client.get(f"/api/calibration/sessions/{sid}/assignment", headers=login("inspector")).json()
    assert [c["call_id"] for c in a["calls"]] == ["C1", "C2"] and a["answered"] == 0
    finding = a["calls"][0]["findings"][0]
    # No automatic outcome, message or verdict: only the rule and the inspector's own answer.
    assert set(finding) == {"finding_id", "rule_id", "rule_title_zh", "rule_title_en", "section", "critical",
                            "outcome", "comment"}
    client.put(f"/api/calibration/sessions/{sid}/calls/C1/answers", headers=login("supervisor"),
               json={"answers": [{"finding_id": finding["finding_id"], "outcome": "fail"}]})
    a = client.get(f"/api/calibration/sessions/{sid}/assignment", headers=login("inspector")).json()
    assert a["answered"] == 0 and a["calls"][0]["findings"][0]["outcome"] is None
    # B's answers stay hidden from A until A has submitted; then A sees the report.
    r = client.get(f"/api/calibration/sessions/{sid}/report", headers=login("inspector"))
    assert r.status_code == 403 and "submit your own answers" in r.json()["detail"]
    assert client.get("/api/calibration/sessions", headers=login("inspector")).json()[0]["id"] == sid
    _answer_all(client, login, sid, "inspector")
    assert client.get(f"/api/calibration/sessions/{sid}/report", headers=login("inspector")).status_code == 200
    r = client.put(f"/api/calibration/sessions/{sid}/calls/C1/answers", headers=login("inspector"),
                   json={"answers": [{"finding_id": finding["finding_id"], "outcome": "pass"}]})
    assert r.status_code == 409 and "submitted" in r.json()["detail"]


def test_a_session_is_only_for_its_inspectors_and_submitting_needs_every_answer(client, login):
    sid = _create(client, login, inspectors=("inspector", "supervisor"))
    assert client.get(f"/api/calibration/sessions/{sid}/assignment", headers=login("admin")).status_code == 404
    assert client.get("/api/calibration/sessions", headers=login("admin")).json()[0]["id"] == sid  # a manager sees all
    r = client.post(f"/api/calibration/sessions/{sid}/submit", headers=login("inspector"))
    assert r.status_code == 409 and "have no answer yet" in r.json()["detail"]
    r = client.put(f"/api/calibration/sessions/{sid}/calls/C3/answers", headers=login("inspector"),
                   json={"answers": [{"finding_id": 1, "outcome": "pass"}]})
    assert r.status_code == 404 and "not part of calibration session" in r.json()["detail"]


def test_report_per_rule_and_inspector_with_drift(client, login):
    sid = _create(client, login)
    flips = {("C1", "close.anything_else"), ("C2", "close.anything_else"), ("C1", "hold.max_60s")}
    n = _answer_all(client, login, sid, "inspector")
    _answer_all(client, login, sid, "supervisor")
    _answer_all(client, login, sid, "admin", flip=flips)
    rep = client.get(f"/api/calibration/sessions/{sid}/report", headers=login("supervisor")).json()
    assert rep["pending"] == [] and rep["overall"]["findings"] == n and rep["overall"]["inspectors"] == 3
    # close.anything_else: 2 findings x 3 answers, C's 2 differ from the engine → 4/6; per finding
    # only the pair A-B of 3 pairs agrees → 2/6.
    rules = {r["rule_id"]: r for r in rep["rules"]}
    assert (rules["close.anything_else"]["auto_agreement"], rules["close.anything_else"]["peer_agreement"]) == (0.667, 0.333)
    # hold.max_60s: C differs on C1 only → 5/6 with the engine; pairs 1/3 on C1 and 3/3 on C2 → 4/6.
    assert (rules["hold.max_60s"]["auto_agreement"], rules["hold.max_60s"]["peer_agreement"]) == (0.833, 0.667)
    assert rules["open.brand_name"]["peer_agreement"] == rules["open.brand_name"]["auto_agreement"] == 1.0
    people = {p["username"]: p for p in rep["inspector_stats"]}
    # A is in 2 pairs per finding; A-C disagrees on the 3 flipped findings. C disagrees in both of its pairs there.
    assert people["inspector"]["auto_agreement"] == 1.0
    assert people["inspector"]["peer_agreement"] == round((2 * n - 3) / (2 * n), 3)
    assert people["admin"]["auto_agreement"] == round((n - 3) / n, 3)
    assert people["admin"]["peer_agreement"] == round((2 * n - 6) / (2 * n), 3)
    assert rep["overall"]["peer_agreement"] == round((3 * n - 6) / (3 * n), 3)
    # C drifts on both rules (0.0 < 0.333 - 0.15 and 0.5 < 0.667 - 0.15); A and B (0.5 and 0.75) do not.
    assert people["admin"]["drift"] and people["admin"]["drift_rules"] == ["close.anything_else", "hold.max_60s"]
    assert not people["inspector"]["drift"] and not people["supervisor"]["drift"]
    cells = {(c["rule_id"], c["username"]): c for c in rep["cells"]}
    assert cells[("close.anything_else", "admin")]["peer_agreement"] == 0.0
    assert cells[("hold.max_60s", "inspector")]["peer_agreement"] == 0.75


def test_the_report_counts_submitted_answers_only(client, login):
    sid = _create(client, login, inspectors=("inspector", "supervisor"))
    _answer_all(client, login, sid, "inspector")
    rep = client.get(f"/api/calibration/sessions/{sid}/report", headers=login("supervisor")).json()
    assert rep["pending"] == ["supervisor"] and rep["overall"]["inspectors"] == 1
    assert rep["overall"]["peer_agreement"] is None and rep["overall"]["auto_agreement"] == 1.0


def test_two_inspectors_who_disagree_are_not_told_apart():
    answers = [Answer(1, "r", "fail", "a", "fail"), Answer(1, "r", "fail", "b", "pass")]
    rep = report(answers)
    assert rep["rules"][0]["peer_agreement"] == 0.0 and rep["rules"][0]["auto_agreement"] == 0.5
    assert not any(p["drift"] for p in rep["inspector_stats"])


@pytest.mark.parametrize("margin, drifts", [(0.15, True), (0.5, False)])
def test_drift_margin(margin, drifts):
    answers = [Answer(f, "r", "pass", u, "fail" if (u == "c" and f < 3) else "pass")
               for f in range(1, 5) for u in ("a", "b", "c")]
    # Rule: pairs 12, disagreeing 4 (f1, f2: a-c, b-c) → 8/12 = 0.667; c: 4/8 = 0.5.
    rep = report(answers, drift_margin=margin)
    c = next(p for p in rep["inspector_stats"] if p["username"] == "c")
    assert rep["rules"][0]["peer_agreement"] == 0.667 and c["peer_agreement"] == 0.5 and c["drift"] is drifts
