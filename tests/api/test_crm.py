from __future__ import annotations

from qa_engine.api.demo import DEMO_PHONE, seed_crm_customer
from qa_engine.storage.db import session_scope


def _check_panel(panel: dict) -> None:
    assert panel["kind_label"] == "商务协议客户" and panel["person_name"] == "王建国"
    main = next(c for c in panel["cards"] if c["kind"] == "main")
    assert main["face_value_fen"] == 2_000_000 and main["balance_fen"] == 2_000_000 - 128_000
    assert any(c["kind"] == "sub" for c in panel["cards"]) and panel["recent_ledger"]


def test_crm_panel_by_the_calls_id(client, login, db):
    with session_scope(db) as session:
        seed_crm_customer(session)
    link = client.get("/api/calls/C1", headers=login("inspector")).json()["crm_panel"]
    assert DEMO_PHONE not in link
    r = client.get(link, headers=login("inspector"))
    assert r.status_code == 200, r.text
    _check_panel(r.json())


def test_crm_panel_by_a_phone_number_in_the_body(client, login, db):
    with session_scope(db) as session:
        seed_crm_customer(session)
    r = client.post("/api/crm/customers/lookup", json={"phone": DEMO_PHONE}, headers=login("supervisor"))
    assert r.status_code == 200, r.text
    _check_panel(r.json())


def test_phone_numbers_are_no_longer_accepted_in_url_paths(client, login):
    assert client.get(f"/api/crm/customers/by-phone/{DEMO_PHONE}", headers=login("inspector")).status_code == 404


def test_unknown_number_is_404_and_agents_cannot_browse_the_crm(client, login):
    h = login("inspector")
    assert client.post("/api/crm/customers/lookup", json={"phone": "13800000000"}, headers=h).status_code == 404
    assert client.get("/api/crm/customers/by-call/NOPE", headers=h).status_code == 404
    agent = login("agent108")
    assert client.post("/api/crm/customers/lookup", json={"phone": DEMO_PHONE}, headers=agent).status_code == 403
    assert client.get("/api/crm/customers/by-call/C1", headers=agent).status_code == 403
