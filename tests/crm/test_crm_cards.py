from datetime import datetime

import pytest

from crm import services as svc
from crm.errors import (
    CardNotActive,
    CardNotDrawn,
    CashOutRefused,
    DisallowedCategory,
    InsufficientBalance,
    InvalidAmount,
    InvalidFaceValue,
    MissingAgreementPrice,
    NotASalesperson,
    RegistrationIncomplete,
)
from crm.models import CardHolder, CardKind, CustomerCreate, CustomerKind, EntryKind
from crm.money import yuan_to_fen
from crm.schemas import BuyerRegistration


@pytest.mark.parametrize("face", [5_000, 15_000, 30_000, 0, -10_000, "10000"])
def test_only_10000_or_20000_face_values(session, face):
    with pytest.raises(InvalidFaceValue):
        svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=face)


def test_a_card_must_be_drawn_from_finance_before_it_is_sold(session, buyer, row_counts):
    before = row_counts(session)
    with pytest.raises(CardNotDrawn):
        svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", face_value_yuan=10_000)
    with pytest.raises(CardNotDrawn):
        svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", card_no="VIP999999")
    assert row_counts(session) == before


def test_draw_is_recorded_and_only_the_drawer_sells_the_card(session, buyer):
    cards = svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000, count=2, recorded_by_ref="F01")
    assert [c.status.value for c in cards] == ["drawn", "drawn"]
    with pytest.raises(CardNotDrawn):
        svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S02", card_no=cards[0].card_no)
    with pytest.raises(NotASalesperson):
        svc.draw_cards(session, salesperson_ref="F01", face_value_yuan=10_000)
    sale = svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", card_no=cards[0].card_no)
    with pytest.raises(CardNotDrawn):  # sold once only
        svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", card_no=sale.card_nos[0])


def test_registration_fields_are_required(session, row_counts):
    c = svc.create_customer(session, customer_in=CustomerCreate(kind=CustomerKind.member, name="赵敏", phones=["13600007788"]))
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000)
    before = row_counts(session)
    with pytest.raises(RegistrationIncomplete) as exc:
        svc.sell_card(session, customer_id=c.id, salesperson_ref="S01", face_value_yuan=10_000)
    assert exc.value.missing == ["company", "address", "gender", "birth_date"]
    assert "单位地址" in str(exc.value)
    assert row_counts(session) == before
    reg = BuyerRegistration(company="贵州山水律师事务所", address="贵阳市新华路 56 号", gender="女", birth_date="1990-06-18")
    sale = svc.sell_card(session, customer_id=c.id, salesperson_ref="S01", face_value_yuan=10_000, registration=reg)
    assert sale.total_fen == sale.cumulative_fen == 1_000_000
    assert c.company == "贵州山水律师事务所" and c.birth_date.isoformat() == "1990-06-18"


def test_cumulative_amount_adds_up_over_purchases(session, buyer, sold_card):
    svc.draw_cards(session, salesperson_ref="S02", face_value_yuan=10_000)
    sale = svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S02", face_value_yuan=10_000)
    assert sale.cumulative_fen == 3_000_000


def test_balance_is_derived_from_the_ledger(session, sold_card):
    svc.spend(session, card_no=sold_card, amount_fen=yuan_to_fen("1280.00"), category="dining")
    svc.spend(session, card_no=sold_card, amount_fen=yuan_to_fen("688.50"), category="rooms")
    svc.spend(session, card_no=sold_card, amount_fen=1, category="KTV")
    svc.adjust(session, card_no=sold_card, amount_fen=5_000, reason="餐饮多收更正", staff_ref="F01")
    rows = svc.ledger(session, card_no=sold_card)
    assert [r.kind for r in rows] == [EntryKind.adjustment, EntryKind.spend, EntryKind.spend, EntryKind.spend, EntryKind.purchase]
    assert svc.card_balance(session, card_no=sold_card) == sum(r.amount_fen for r in rows) == 2_000_000 - 128_000 - 68_850 - 1 + 5_000
    assert rows[0].balance_after_fen == svc.card_balance(session, card_no=sold_card)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"amount_fen": 100, "category": "cash"}, CashOutRefused),
        ({"amount_fen": 100, "category": "现金"}, CashOutRefused),
        ({"amount_fen": 100, "category": "spa"}, DisallowedCategory),
        ({"amount_fen": 100, "category": "shop"}, DisallowedCategory),
        ({"amount_fen": 2_000_001, "category": "rooms"}, InsufficientBalance),
        ({"amount_fen": 0, "category": "rooms"}, InvalidAmount),
        ({"amount_fen": -500, "category": "rooms"}, InvalidAmount),
        ({"amount_fen": 10.5, "category": "rooms"}, InvalidAmount),
        ({"amount_fen": True, "category": "rooms"}, InvalidAmount),
    ],
)
def test_refused_spends_write_nothing(session, engine, sold_card, row_counts, kwargs, error):
    before = row_counts(session)
    with pytest.raises(error) as exc:
        svc.spend(session, card_no=sold_card, **kwargs)
    assert " / " in str(exc.value)  # Chinese / English
    assert row_counts(session) == before
    assert svc.card_balance(session, card_no=sold_card) == 2_000_000


def test_overdraft_by_one_fen_is_refused_but_exact_balance_is_fine(session, sold_card):
    with pytest.raises(InsufficientBalance):
        svc.spend(session, card_no=sold_card, amount_fen=2_000_001, category="rooms")
    svc.spend(session, card_no=sold_card, amount_fen=2_000_000, category="rooms")
    assert svc.card_balance(session, card_no=sold_card) == 0
    with pytest.raises(InsufficientBalance):
        svc.adjust(session, card_no=sold_card, amount_fen=-1, reason="x", staff_ref="F01")


def test_unsold_card_cannot_be_spent(session):
    card = svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000)[0]
    with pytest.raises(CardNotActive):
        svc.spend(session, card_no=card.card_no, amount_fen=100, category="rooms")


def test_each_customer_gets_two_sub_cards_sharing_one_balance(session, buyer, sold_card):
    subs = svc.issue_sub_cards(session, customer_id=buyer.id)
    assert [(c.kind, c.holder) for c in subs] == [(CardKind.sub, CardHolder.customer), (CardKind.sub, CardHolder.finance)]
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000)
    sale = svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", face_value_yuan=10_000)
    assert sale.sub_card_nos == [c.card_no for c in subs]  # still the same pair
    svc.adjust(session, card_no=subs[0].card_no, amount_fen=10_000, reason="返奖补录", staff_ref="F01")
    assert svc.card_balance(session, card_no=subs[1].card_no) == 10_000
    svc.spend(session, card_no=subs[1].card_no, amount_fen=4_000, category="dining")
    assert svc.card_balance(session, card_no=subs[0].card_no) == 6_000
    with pytest.raises(CashOutRefused):
        svc.spend(session, card_no=subs[0].card_no, amount_fen=100, category="cash")


def test_government_unit_spend_needs_the_agreement_price(session, make_buyer, row_counts):
    unit = make_buyer(session, name="遵义市文化旅游局", kind=CustomerKind.government, phone="15900003690")
    svc.draw_cards(session, salesperson_ref="S02", face_value_yuan=20_000)
    card = svc.sell_card(session, customer_id=unit.id, salesperson_ref="S02", face_value_yuan=20_000).card_nos[0]
    before = row_counts(session)
    with pytest.raises(MissingAgreementPrice):
        svc.spend(session, card_no=card, amount_fen=360_000, category="dining")
    with pytest.raises(InvalidAmount):
        svc.spend(session, card_no=card, amount_fen=360_000, agreement_price_fen=400_000, category="dining")
    assert row_counts(session) == before
    svc.spend(session, card_no=card, amount_fen=360_000, agreement_price_fen=288_000, category="dining", at=datetime(2026, 10, 14))
    assert svc.card_balance(session, card_no=card) == 2_000_000 - 360_000  # pays the walk-in price


def test_a_refused_operation_in_session_scope_commits_nothing(tmp_path, monkeypatch):
    from qa_engine.config import Settings
    from qa_engine.storage.db import get_engine, session_scope

    from crm.db import init_crm
    from crm.models import StaffCreate, StaffRole

    settings = Settings(data_dir=tmp_path / "data")
    init_crm(get_engine(settings))
    with session_scope(settings) as s:
        svc.create_staff(s, staff_in=StaffCreate(code="S01", name="孙丽", role=StaffRole.sales))
    with pytest.raises(InvalidFaceValue), session_scope(settings) as s:
        svc.draw_cards(s, salesperson_ref="S01", face_value_yuan=10_000)  # fine on its own…
        svc.draw_cards(s, salesperson_ref="S01", face_value_yuan=12_345)  # …but the unit of work fails
    with session_scope(settings) as s:
        assert svc.search_customers(s, query="") == []
        from sqlmodel import select

        from crm.models import Card

        assert s.exec(select(Card)).all() == []
