from __future__ import annotations


def _create(client, h):
    body = {"title": "结束语规范", "target_rule": "close.anything_else", "notes": "结束前询问是否还有其他需要",
            "scheduled_on": "2026-11-21",
            "moments": [{"call_id": "C2", "start": 59.5, "end": 62.0, "note": "缺少询问"}, {"call_id": "C3"}],
            "agent_ids": ["108", "109"]}
    r = client.post("/api/coaching", headers=h, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_trainer_builds_a_session_from_moments_and_assigns_agents(client, login):
    s = _create(client, login("trainer"))
    assert [m["call_id"] for m in s["moments"]] == ["C2", "C3"] and s["moments"][0]["start"] == 59.5
    assert [a["agent_id"] for a in s["assignments"]] == ["108", "109"]
    listed = client.get("/api/coaching", headers=login("trainer")).json()
    assert listed[0]["assigned"] == 2 and listed[0]["completed"] == 0


def test_agents_see_and_complete_their_own_sessions(client, login):
    s = _create(client, login("trainer"))
    assert len(client.get("/api/coaching", headers=login("agent108")).json()) == 1
    r = client.post(f"/api/coaching/{s['id']}/complete", headers=login("agent108"), json={})
    assert r.status_code == 200
    assert [(a["agent_id"], a["status"]) for a in r.json()["assignments"]] == [("108", "completed")]  # own only
    d = client.get(f"/api/coaching/{s['id']}", headers=login("trainer")).json()
    assert {a["agent_id"]: a["status"] for a in d["assignments"]} == {"108": "completed", "109": "assigned"}


def test_agents_see_only_their_own_part_of_a_shared_session(client, login):
    s = _create(client, login("trainer"))  # moments from C2 (agent 108) and C3 (109), both assigned
    d = client.get(f"/api/coaching/{s['id']}", headers=login("agent108")).json()
    assert [a["agent_id"] for a in d["assignments"]] == ["108"]
    assert [c["agent_id"] for c in d["comparison"]] == ["108"]
    assert [(m["call_id"], m["agent_id"]) for m in d["moments"]] == [("C2", "108")]
    assert "109" not in str(d)


def test_before_after_comparison_on_the_target_rule(client, login):
    s = _create(client, login("trainer"))
    d = client.get(f"/api/coaching/{s['id']}", headers=login("supervisor")).json()
    cmp = {c["agent_id"]: c for c in d["comparison"]}
    # 109: C3 (20th, pass) before the session on the 21st, C4 (21st, fail) after.
    assert cmp["109"]["before"] == {"calls": 1, "fails": 0, "fail_rate": 0.0}
    assert cmp["109"]["after"] == {"calls": 1, "fails": 1, "fail_rate": 1.0} and cmp["109"]["change"] == 1.0
    assert cmp["108"]["before"]["calls"] == 2 and cmp["108"]["after"]["calls"] == 0


def test_unknown_call_in_a_moment_is_refused_and_inspectors_cannot_create(client, login):
    bad = {"title": "x", "moments": [{"call_id": "NOPE"}]}
    assert client.post("/api/coaching", headers=login("trainer"), json=bad).status_code == 422
    assert client.post("/api/coaching", headers=login("inspector"), json={"title": "x"}).status_code == 403


def test_a_session_scheduled_on_the_first_day_of_the_calendar_is_no_server_error(client, login):
    # Found by tests/api/test_fuzz_api.py: the 30-day window before 0001-01-01 overflowed (500).
    r = client.post("/api/coaching", headers=login("trainer"),
                    json={"title": "x", "target_rule": "close.anything_else", "scheduled_on": "0001-01-01",
                          "agent_ids": ["108"]})
    assert r.status_code == 201, r.text
    assert r.json()["comparison"][0]["before"]["calls"] == 0


def test_huge_row_ids_in_paths_are_a_422_not_a_server_error(client, login):
    # Found by tests/api/test_fuzz_api.py: ids past SQLite's INTEGER overflowed in the driver (500).
    huge = 36909290184793124689677508781497384960
    assert client.get(f"/api/coaching/{huge}", headers=login("trainer")).status_code == 422
    assert client.post(f"/api/calls/C1/findings/{huge}/verdict", headers=login("inspector"),
                       json={"verdict": "confirmed"}).status_code == 422
    assert client.get("/api/calls", params={"page": 10**30}, headers=login("inspector")).status_code == 422
    assert client.get("/api/coaching/2147483647", headers=login("trainer")).status_code == 404


def test_the_typed_detail_keeps_every_field_and_is_in_the_openapi_schema(client, login, db):
    from qa_engine.api.services import coaching as svc
    from qa_engine.storage.app_models import CoachingSession
    from qa_engine.storage.db import session_scope

    s = _create(client, login("trainer"))
    with session_scope(db) as session:
        raw = svc.session_detail(session, coaching=session.get(CoachingSession, s["id"]))
    d = client.get(f"/api/coaching/{s['id']}", headers=login("supervisor")).json()
    assert set(d) == set(raw)
    for part in ("moments", "assignments", "comparison"):
        assert set(d[part][0]) == set(raw[part][0]), part
    paths = client.get("/api/openapi.json").json()["paths"]
    ok = paths["/api/coaching/{session_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/CoachingDetail")
