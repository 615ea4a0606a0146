from datetime import datetime

import pytest

from crm import services as svc
from crm.errors import InvalidPhone, PhoneInUse
from crm.models import CustomerCreate, CustomerKind
from crm.phone import normalize_phone


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13900001234", "13900001234"),
        ("+86 139-0000-1234", "13900001234"),
        ("0086 13900001234", "13900001234"),
        ("+86(139)0000 1234", "13900001234"),
        ("86 139 0000 1234", "13900001234"),
        ("＋８６ １３９００００１２３４", "13900001234"),
        ("(0851) 8581-2345", "085185812345"),
        ("+86 851 8581 2345", "085185812345"),
        ("12580", "12580"),
    ],
)
def test_phone_numbers_normalise_to_one_form(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "139-0000-12x4", "1234", "+86"])
def test_unusable_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_call_links_to_customer_whatever_the_written_form(session, make_buyer):
    c = make_buyer(session, phone="+86 139-0000-1234")
    svc.add_phone(session, customer_id=c.id, phone="(0851) 8581-2345", label="office")
    for caller in ("13900001234", "+8613900001234", "0851-85812345"):
        assert svc.find_customer_by_phone(session, phone=caller).id == c.id
    assert svc.find_customer_by_phone(session, phone="18800004321") is None
    assert svc.find_customer_by_phone(session, phone="anonymous") is None
    assert svc.customer_phones(session, customer_id=c.id)[0] == "13900001234"  # the first number stays primary


def test_a_number_belongs_to_one_customer(session, make_buyer):
    make_buyer(session, phone="13900001234")
    other = make_buyer(session, name="李梅", phone="13800005678")
    with pytest.raises(PhoneInUse):
        svc.add_phone(session, customer_id=other.id, phone="139 0000 1234")
    with pytest.raises(PhoneInUse):
        svc.create_customer(session, customer_in=CustomerCreate(kind=CustomerKind.member, name="X", phones=["+86 13900001234"]))


def test_add_phone_twice_is_harmless(session, make_buyer):
    c = make_buyer(session)
    svc.add_phone(session, customer_id=c.id, phone="186 0000 1357")
    svc.add_phone(session, customer_id=c.id, phone="18600001357")
    assert svc.customer_phones(session, customer_id=c.id) == ["13900001234", "18600001357"]


def test_search_by_name_company_member_card_vip_card_and_phone(session, make_buyer, sold_card):
    make_buyer(session, name="贵州黔丰科技有限公司", kind=CustomerKind.business_agreement, phone="13800005678", contact_person="李梅")
    make_buyer(session, name="张伟", phone="13700002468", company="中建四局贵州分公司", member_card_no="YL-M-000999")
    assert [c.name for c in svc.search_customers(session, query="王建")] == ["王建国"]
    assert [c.name for c in svc.search_customers(session, query="黔丰")] == ["贵州黔丰科技有限公司"]
    assert [c.name for c in svc.search_customers(session, query="李梅")] == ["贵州黔丰科技有限公司"]
    assert [c.name for c in svc.search_customers(session, query="中建四局")] == ["张伟"]
    assert [c.name for c in svc.search_customers(session, query="m-000999")] == ["张伟"]
    assert [c.name for c in svc.search_customers(session, query=sold_card)] == ["王建国"]
    assert [c.name for c in svc.search_customers(session, query="137-0000-2468")] == ["张伟"]
    assert [c.name for c in svc.search_customers(session, query="黔丰", kind=CustomerKind.member)] == []


def test_service_agent_and_needs_history(session, make_buyer):
    c = make_buyer(session)
    svc.assign_service_agent(session, customer_id=c.id, staff_ref="A01")
    svc.add_customer_note(session, customer_id=c.id, text="年会 12 桌", staff_ref="A01", at=datetime(2026, 10, 9))
    panel = svc.customer_panel(session, phone="13900001234")
    assert panel.service_agent.name == "吴芳"
    assert [n.text for n in panel.recent_notes] == ["年会 12 桌"]
    with pytest.raises(Exception):
        svc.assign_service_agent(session, customer_id=c.id, staff_ref="S01")  # a salesperson is not an after-sales agent
