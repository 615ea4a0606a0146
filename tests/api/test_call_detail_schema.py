"""The typed call detail (``CallDetail``) answers exactly what the service builds: no field dropped,
none added, for a call with a verdict and a deduction, as an inspector and (masked) as an agent."""

from __future__ import annotations

import json

from fastapi.encoders import jsonable_encoder
from sqlmodel import select

from qa_engine import pii
from qa_engine.api.services.calls import call_detail
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call


def _raw(db, call_id: str, *, masked: bool = False) -> dict:
    """The service's detail as JSON, UTC written as pydantic writes it (Z, not +00:00)."""
    with session_scope(db) as session:
        call = session.exec(select(Call).where(Call.call_id == call_id)).one()
        detail = call_detail(session, call=call)
    detail = pii.redact_call_detail(detail) if masked else detail
    return json.loads(json.dumps(jsonable_encoder(detail)).replace('+00:00"', 'Z"'))


def test_the_typed_call_detail_is_the_service_detail(client, login, db):
    h = login("inspector")
    d = client.get("/api/calls/C1", headers=h).json()
    finding = next(f for f in d["findings"] if f["outcome"] == "fail")
    assert client.post(f"/api/calls/C1/findings/{finding['id']}/verdict", headers=h,
                       json={"verdict": "overturned", "comment": "误判"}).status_code == 200
    assert client.post("/api/calls/C1/deductions", headers=h, json={"points": 2, "reason": "语速过快"}).status_code == 201
    typed = client.get("/api/calls/C1", headers=h).json()
    assert typed == _raw(db, "C1")
    assert typed["review"]["deductions"] and any(f["verdict"] for f in typed["findings"])
    agent = client.get("/api/calls/C1", headers=login("agent108"))  # C1 is agent 108's
    assert agent.status_code == 200 and agent.json() == _raw(db, "C1", masked=True)


def test_the_call_detail_schema_is_documented(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    ok = paths["/api/calls/{call_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/CallDetail")
