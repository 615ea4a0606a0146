from __future__ import annotations

from datetime import datetime

from qa_engine import policy
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


def test_customer_search_is_for_crm_readers_and_masks_phones_without_pii_read(client, login, db):
    with session_scope(db) as session:
        seed_crm_customer(session)
    r = client.get("/api/crm/customers", params={"q": "黔途"}, headers=login("inspector"))
    assert r.status_code == 200, r.text
    (hit,) = r.json()
    assert hit["kind_label"] == "商务协议客户" and hit["contact_person"] == "王建国" and hit["phones"] == [DEMO_PHONE]
    assert client.get("/api/crm/customers", params={"q": "无此客户"}, headers=login("inspector")).json() == []
    for role in ("trainer", "agent108"):  # neither has crm.read: the CRM would show what redaction hides
        assert client.get("/api/crm/customers", params={"q": "黔途"}, headers=login(role)).status_code == 403, role


def test_a_crm_reader_without_pii_read_sees_phones_masked_and_cannot_guess_them(client, login, db, monkeypatch):
    # No default role has crm.read without pii.read (trainers lost it); a site that grants it gets masks.
    monkeypatch.setitem(policy.GRANTS, "trainer", policy.GRANTS["trainer"] | {policy.CRM_READ})
    with session_scope(db) as session:
        seed_crm_customer(session)
    masked = client.get("/api/crm/customers", params={"q": "王建国"}, headers=login("trainer")).json()
    assert masked and DEMO_PHONE not in masked[0]["phones"]
    guess = client.get("/api/crm/customers", params={"q": DEMO_PHONE}, headers=login("trainer"))
    assert guess.status_code == 403 and "pii.read" in guess.json()["detail"]


def test_trainers_cannot_open_the_crm_panel_beside_a_call(client, login):
    h = login("trainer")
    assert client.post("/api/crm/customers/lookup", json={"phone": DEMO_PHONE}, headers=h).status_code == 403
    assert client.get("/api/crm/customers/by-call/C1", headers=h).status_code == 403


def _unit_with_october_consumption(session) -> None:
    """A government unit with a VIP card and 2025-10 consumption on account: 300 yuan to rebate."""
    from crm import services as crm
    from crm.models import CustomerCreate, CustomerKind, StaffCreate, StaffRole
    from crm.schemas import BuyerRegistration

    staff = crm.create_staff(session, staff_in=StaffCreate(code="S-UNIT", name="赵销售", role=StaffRole.sales))
    unit = crm.create_customer(session, customer_in=CustomerCreate(kind=CustomerKind.government, name="遵义市文化旅游局",
                                                                   phones=["15900003690"]))
    crm.draw_cards(session, salesperson_ref=staff.id, face_value_yuan=10000, count=1)
    registration = BuyerRegistration(company="遵义市文化旅游局", address="遵义市汇川区人民路 1 号", name="陈主任", gender="male",
                                     contact="15900003690", birth_date=datetime(1975, 3, 2).date())
    crm.sell_card(session, customer_id=unit.id, salesperson_ref=staff.id, face_value_yuan=10000, registration=registration,
                  at=datetime(2025, 9, 20))
    crm.record_unit_consumption(session, customer_id=unit.id, category="rooms", walk_in_fen=150_000, agreement_fen=120_000,
                                at=datetime(2025, 10, 15, 12))


def test_month_end_rebates_run_once_for_month_end_roles(client, login, db):
    with session_scope(db) as session:
        _unit_with_october_consumption(session)
    url = "/api/crm/month-end/2025-10/rebates"
    for role in ("agent108", "trainer", "inspector"):
        assert client.post(url, headers=login(role)).status_code == 403, role
    r = client.post(url, headers=login("supervisor"))
    assert r.status_code == 200, r.text
    (row,) = r.json()
    assert row["status"] == "paid" and row["rebate_fen"] == 30_000 and row["sub_card_no"]
    again = client.post(url, headers=login("supervisor")).json()
    assert [x["status"] for x in again] == ["already_paid"]


def test_month_end_refusals(client, login):
    h = login("supervisor")
    this_month = datetime.now().strftime("%Y-%m")
    r = client.post(f"/api/crm/month-end/{this_month}/rebates", headers=h)
    assert r.status_code == 409 and "month-end cannot run" in r.json()["detail"]
    assert client.post("/api/crm/month-end/2025-13/rebates", headers=h).status_code == 422
