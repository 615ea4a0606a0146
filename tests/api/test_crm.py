from __future__ import annotations

from qa_engine.api.demo import DEMO_PHONE, seed_crm_customer
from qa_engine.storage.db import session_scope


def test_crm_panel_by_the_callers_number(client, login, db):
    with session_scope(db) as session:
        seed_crm_customer(session)
    r = client.get(f"/api/crm/customers/by-phone/{DEMO_PHONE}", headers=login("inspector"))
    assert r.status_code == 200, r.text
    panel = r.json()
    assert panel["kind_label"] == "商务协议客户" and panel["person_name"] == "王建国"
    main = next(c for c in panel["cards"] if c["kind"] == "main")
    assert main["face_value_fen"] == 2_000_000 and main["balance_fen"] == 2_000_000 - 128_000
    assert any(c["kind"] == "sub" for c in panel["cards"]) and panel["recent_ledger"]


def test_unknown_number_is_404_and_agents_cannot_browse_the_crm(client, login):
    assert client.get("/api/crm/customers/by-phone/13800000000", headers=login("inspector")).status_code == 404
    assert client.get(f"/api/crm/customers/by-phone/{DEMO_PHONE}", headers=login("agent108")).status_code == 403
