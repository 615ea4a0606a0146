"""The audit history holds caller numbers (upload and correction records) and failed logins' client
addresses: roles without pii.read read them masked, agents not at all."""

from __future__ import annotations

from sqlmodel import select

from qa_engine.storage.audit import audit
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call

NUMBER = "13912345678"


def _leaky_rows(db) -> None:
    with session_scope(db) as s:
        c1 = s.exec(select(Call).where(Call.call_id == "C1")).one()
        audit(s, username="inspector", action="call.upload", entity="job", entity_id="j1", call_pk=c1.id,
              detail={"filename": "a.wav", "record": {"call_id": "C1", "customer_number": NUMBER}})
        audit(s, username="inspector", action="call.correct", entity="call", entity_id="C1", call_pk=c1.id,
              detail={"old": {"record": {"customer_number": NUMBER}},
                      "new": {"record": {"customer_number": NUMBER, "note": f"客户回拨{NUMBER}"}}})
        audit(s, username="13800001111", action="auth.login_failed", entity="login", entity_id="13800001111",
              detail={"client": "203.0.113.7"})


def test_trainers_read_the_audit_log_masked_and_inspectors_in_full(client, login, db):
    _leaky_rows(db)
    trainer = client.get("/api/audit", headers=login("trainer"))
    assert trainer.status_code == 200
    text = trainer.text
    assert NUMBER not in text and "139****5678" in text
    assert "203.0.113.7" not in text and "13800001111" not in text
    per_call = client.get("/api/calls/C1/audit", headers=login("trainer")).text
    assert NUMBER not in per_call and "139****5678" in per_call
    full = client.get("/api/audit", headers=login("inspector")).text
    assert NUMBER in full and "203.0.113.7" in full


def test_agents_may_not_read_a_calls_audit_history(client, login, db):
    _leaky_rows(db)
    r = client.get("/api/calls/C1/audit", headers=login("agent108"))  # agent 108's own call
    assert r.status_code == 403 and NUMBER not in r.text
