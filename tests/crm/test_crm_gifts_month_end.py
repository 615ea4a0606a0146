from datetime import date, datetime
from decimal import Decimal

import pytest

from crm import services as svc
from crm.errors import InvalidValue, VoucherAlreadyRedeemed, VoucherNotFound
from crm.models import CustomerKind, VoucherKind
from crm.money import percent_of_fen, yuan_to_fen


@pytest.mark.parametrize(
    "total_yuan, rooms, ktv",
    [(10_000, 2, 1), (20_000, 3, 2), (30_000, 4, 3), (40_000, 5, 4), (50_000, 6, 4), (60_000, 6, 4), (5_000, 0, 0)],
)
def test_gift_table_for_one_time_purchases(total_yuan, rooms, ktv):
    assert svc.gifts_for_purchase(total_yuan * 100) == (rooms, ktv)


@pytest.mark.parametrize("faces, rooms, ktv", [([10_000], 2, 1), ([20_000, 10_000], 4, 3), ([20_000, 20_000], 5, 4),
                                               ([20_000, 20_000, 10_000], 6, 4)])
def test_multi_card_purchase_gets_the_gifts_of_its_total(session, buyer, faces, rooms, ktv):
    for face in faces:
        svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=face)
    sale = svc.sell_cards(session, customer_id=buyer.id, salesperson_ref="S01", face_values_yuan=faces)
    vouchers = svc.customer_vouchers(session, customer_id=buyer.id)
    assert sum(v.kind == VoucherKind.room_night for v in vouchers) == rooms
    assert sum(v.kind == VoucherKind.ktv for v in vouchers) == ktv
    assert len(set(sale.vouchers)) == rooms + ktv
    assert svc.issue_gifts(session, purchase_id=sale.purchase_id) and len(svc.customer_vouchers(session, customer_id=buyer.id)) == rooms + ktv


def test_separate_purchases_are_not_one_time(session, buyer):
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000, count=3)
    for _ in range(3):
        svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", face_value_yuan=10_000)
    assert len(svc.customer_vouchers(session, customer_id=buyer.id)) == 3 * 3  # three times (2 rooms + 1 KTV), not the 30,000 row


def test_a_voucher_is_redeemed_once(session, buyer, sold_card, row_counts):
    code = svc.customer_vouchers(session, customer_id=buyer.id)[0].code
    svc.redeem_voucher(session, code=code.lower(), at=datetime(2026, 10, 20))
    before = row_counts(session)
    with pytest.raises(VoucherAlreadyRedeemed):
        svc.redeem_voucher(session, code=code)
    with pytest.raises(VoucherNotFound):
        svc.redeem_voucher(session, code="KF-NOPE")
    assert row_counts(session) == before
    assert len(svc.customer_vouchers(session, customer_id=buyer.id, unredeemed_only=True)) == 4


@pytest.fixture
def unit(session, make_buyer):
    u = make_buyer(session, name="遵义市文化旅游局", kind=CustomerKind.government, phone="15900003690")
    svc.draw_cards(session, salesperson_ref="S02", face_value_yuan=20_000)
    card = svc.sell_card(session, customer_id=u.id, salesperson_ref="S02", face_value_yuan=20_000, at=datetime(2026, 9, 20)).card_nos[0]
    svc.spend(session, card_no=card, amount_fen=yuan_to_fen("3600"), agreement_price_fen=yuan_to_fen("2880"), category="dining",
              at=datetime(2026, 10, 14, 12))
    svc.record_unit_consumption(session, customer_id=u.id, category="rooms", walk_in_fen=yuan_to_fen("1176"),
                                agreement_fen=yuan_to_fen("936"), at=datetime(2026, 10, 31, 23, 59, 59))
    svc.record_unit_consumption(session, customer_id=u.id, category="ktv", walk_in_fen=yuan_to_fen("880.01"),
                                agreement_fen=yuan_to_fen("704"), at=datetime(2026, 10, 1, 0, 0))
    # Outside October: not part of its rebate.
    svc.record_unit_consumption(session, customer_id=u.id, category="rooms", walk_in_fen=50_000, agreement_fen=40_000,
                                at=datetime(2026, 11, 1, 0, 0))
    svc.record_unit_consumption(session, customer_id=u.id, category="rooms", walk_in_fen=50_000, agreement_fen=40_000,
                                at=datetime(2026, 9, 30, 23, 59))
    return u


def test_rebate_is_the_months_walk_in_minus_agreement_into_the_sub_card(session, unit):
    rows = svc.run_month_end_rebates(session, month="2026-10", at=datetime(2026, 11, 1, 9))
    (row,) = rows
    assert row.status == "paid"
    assert row.walk_in_total_fen == 360_000 + 117_600 + 88_001
    assert row.rebate_fen == 72_000 + 24_000 + 17_601
    assert svc.card_balance(session, card_no=row.sub_card_no) == 113_601
    assert svc.ledger(session, card_no=row.sub_card_no)[0].kind.value == "rebate"


def test_month_end_twice_pays_once(session, unit):
    first = svc.run_month_end_rebates(session, month="2026-10", at=datetime(2026, 11, 1, 9))
    session.commit()
    second = svc.run_month_end_rebates(session, month=date(2026, 10, 15), at=datetime(2026, 11, 2, 9))
    assert [r.status for r in second] == ["already_paid"]
    assert second[0].rebate_fen == first[0].rebate_fen
    assert svc.card_balance(session, card_no=first[0].sub_card_no) == first[0].rebate_fen
    # Consumption recorded after the payout is reported, not silently paid again.
    svc.record_unit_consumption(session, customer_id=unit.id, category="dining", walk_in_fen=10_000, agreement_fen=8_000,
                                at=datetime(2026, 10, 30))
    third = svc.run_month_end_rebates(session, month="2026-10", at=datetime(2026, 11, 3))
    assert third[0].late_difference_fen == 2_000
    assert svc.card_balance(session, card_no=first[0].sub_card_no) == first[0].rebate_fen


def test_month_end_refuses_a_month_that_is_not_over(session, unit, row_counts):
    before = row_counts(session)
    with pytest.raises(InvalidValue):
        svc.run_month_end_rebates(session, month="2026-10", at=datetime(2026, 10, 31, 23, 59))
    assert row_counts(session) == before


def test_only_government_units_are_rebated(session, buyer):
    with pytest.raises(InvalidValue):
        svc.record_unit_consumption(session, customer_id=buyer.id, category="rooms", walk_in_fen=100, agreement_fen=80)


def test_commission_per_card():
    assert svc.commission_for_card(1_000_000) == 15_000  # 1.5% of 10,000 yuan = 150 yuan
    assert svc.commission_for_card(2_000_000) == 40_000  # 2% of 20,000 yuan = 400 yuan


@pytest.mark.parametrize("amount, rate, expected", [(33, "0.015", 0), (34, "0.015", 1), (100, "0.015", 2), (99, "0.015", 1),
                                                    (25, "0.02", 1), (24, "0.02", 0), (1_000_001, "0.015", 15_000)])
def test_percentages_round_half_up_to_the_fen(amount, rate, expected):
    assert percent_of_fen(amount, Decimal(rate)) == expected


def test_commission_report_counts_the_month_of_sale(session, buyer, make_buyer):
    other = make_buyer(session, name="赵敏", phone="13600007788")
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000, count=2)
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=20_000)
    svc.draw_cards(session, salesperson_ref="S02", face_value_yuan=20_000)
    svc.sell_cards(session, customer_id=buyer.id, salesperson_ref="S01", face_values_yuan=[10_000, 20_000], at=datetime(2026, 10, 31, 23, 59, 59))
    svc.sell_card(session, customer_id=other.id, salesperson_ref="S01", face_value_yuan=10_000, at=datetime(2026, 11, 1, 0, 0))
    svc.sell_card(session, customer_id=other.id, salesperson_ref="S02", face_value_yuan=20_000, at=datetime(2026, 10, 1, 0, 0))
    rows = svc.commission_report(session, month="2026-10")
    assert [(r.staff_code, r.cards_10k, r.cards_20k, r.sales_fen, r.commission_fen) for r in rows] == [
        ("S01", 1, 1, 3_000_000, 55_000), ("S02", 0, 1, 2_000_000, 40_000)]
    nov = svc.commission_report(session, month="2026-11")
    assert [(r.staff_code, r.commission_fen) for r in nov] == [("S01", 15_000)]


def test_commission_settlement_is_recorded_once(session, buyer, row_counts):
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000)
    svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", face_value_yuan=10_000, at=datetime(2026, 10, 5))
    with pytest.raises(InvalidValue):
        svc.commission_report(session, month="2026-10", settle=True, at=datetime(2026, 10, 20))
    rows = svc.commission_report(session, month="2026-10", settle=True, at=datetime(2026, 11, 1))
    assert rows[0].settled
    before = row_counts(session)
    again = svc.commission_report(session, month="2026-10", settle=True, at=datetime(2026, 11, 2))
    assert again == rows and row_counts(session) == before
