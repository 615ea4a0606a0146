"""Month-end jobs: unit rebates, commissions, birthday flowers."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import errors
from crm.ledger import post_entry
from crm.models import (
    BirthdayFlowers,
    Card,
    CardHolder,
    CardKind,
    CardPurchase,
    CardStatus,
    CommissionSettlement,
    Customer,
    EntryKind,
    LedgerEntry,
    RebatePayout,
    Staff,
    UnitConsumption,
)
from crm.money import percent_of_fen
from crm.schemas import (
    BirthdayRow,
    CommissionRow,
    RebateRow,
)
from crm.services.cards import issue_sub_cards
from crm.services.clock import _at, parse_month
from crm.services.customers import customer_phones, get_customer
from crm.services.staff import get_staff

COMMISSION_RATES = {1_000_000: Decimal("0.015"), 2_000_000: Decimal("0.02")}
BIRTHDAY_FLOWERS_FEN = 8_000  # 80 元鲜花一束


def _refuse_open_month(end: datetime, now: datetime, label: str) -> None:
    if now < end:
        raise errors.InvalidValue(f"{label} 月份尚未结束，不能月结", f"month {label} is not over yet; month-end cannot run")


def run_month_end_rebates(session: Session, *, month: str | date, at: datetime | None = None) -> list[RebateRow]:
    """Pay each government unit the month's (walk-in − agreement) difference into its sub-card.

    Idempotent: one payout per customer and month (unique key); a second run reports
    ``already_paid`` and pays nothing. Consumption recorded after the payout shows as
    ``late_difference_fen`` for finance to settle by adjustment.
    """
    label, start, end = parse_month(month)
    now = _at(at)
    _refuse_open_month(end, now, label)
    stmt = (
        select(UnitConsumption.customer_id, func.sum(UnitConsumption.walk_in_fen), func.sum(UnitConsumption.agreement_fen))
        .where(UnitConsumption.occurred_at >= start, UnitConsumption.occurred_at < end)
        .group_by(UnitConsumption.customer_id)
        .order_by(UnitConsumption.customer_id)
    )
    rows = []
    for customer_id, walk_in, agreement in session.exec(stmt).all():
        customer = session.get(Customer, customer_id)
        diff = walk_in - agreement
        payout = session.exec(select(RebatePayout).where(RebatePayout.customer_id == customer_id, RebatePayout.month == label)).first()
        subs = issue_sub_cards(session, customer_id=customer_id, at=now) if payout is None and diff > 0 else _sub_cards(session, customer_id)
        sub_no = next((c.card_no for c in subs if c.holder == CardHolder.customer), None)
        if payout is not None:
            rows.append(RebateRow(customer_id=customer_id, customer_name=customer.name, month=label, walk_in_total_fen=payout.walk_in_total_fen,
                                  agreement_total_fen=payout.agreement_total_fen, rebate_fen=payout.rebate_fen, sub_card_no=sub_no,
                                  status="already_paid", late_difference_fen=diff - payout.rebate_fen))
            continue
        entry_id = None
        if diff > 0:
            sub_card = next(c for c in subs if c.holder == CardHolder.customer)
            entry = post_entry(session, LedgerEntry(account_id=sub_card.account_id, card_id=sub_card.id, kind=EntryKind.rebate,
                                                    amount_fen=diff, occurred_at=now, note=f"{label} 机关事业单位消费返奖 / month-end rebate"),
                               card_no=sub_card.card_no)
            entry_id = entry.id
        session.add(RebatePayout(customer_id=customer_id, month=label, walk_in_total_fen=walk_in, agreement_total_fen=agreement,
                                 rebate_fen=diff, ledger_entry_id=entry_id, paid_at=now))
        session.flush()
        rows.append(RebateRow(customer_id=customer_id, customer_name=customer.name, month=label, walk_in_total_fen=walk_in,
                              agreement_total_fen=agreement, rebate_fen=diff, sub_card_no=sub_no,
                              status="paid" if diff > 0 else "nothing_due"))
    return rows


def _sub_cards(session: Session, customer_id: int) -> list[Card]:
    return list(session.exec(select(Card).where(Card.customer_id == customer_id, Card.kind == CardKind.sub).order_by(Card.id)))


def commission_for_card(face_value_fen: int) -> int:
    """Commission on one card: 1.5% of a 10,000-yuan card, 2% of a 20,000-yuan card, half-up to the fen."""
    if face_value_fen not in COMMISSION_RATES:
        raise errors.InvalidFaceValue(face_value_fen / 100)
    return percent_of_fen(face_value_fen, COMMISSION_RATES[face_value_fen])


def commission_report(session: Session, *, month: str | date, settle: bool = False, at: datetime | None = None) -> list[CommissionRow]:
    """Each salesperson's cards sold in the month and commission. ``settle`` records the monthly
    settlement (once per salesperson and month; settled numbers are kept on later runs)."""
    label, start, end = parse_month(month)
    now = _at(at)
    if settle:
        _refuse_open_month(end, now, label)
    stmt = (
        select(Card.sold_by_id, Card.face_value_fen)
        .join(CardPurchase, col(CardPurchase.id) == col(Card.purchase_id))
        .where(Card.kind == CardKind.main, CardPurchase.purchased_at >= start, CardPurchase.purchased_at < end)
    )
    per_staff: dict[int, Counter[int]] = {}
    for staff_id, face in session.exec(stmt).all():
        per_staff.setdefault(staff_id, Counter())[face] += 1
    rows = []
    for staff_id, faces in per_staff.items():
        staff = session.get(Staff, staff_id)
        sales = sum(face * n for face, n in faces.items())
        commission = sum(commission_for_card(face) * n for face, n in faces.items())
        settled = session.exec(select(CommissionSettlement).where(CommissionSettlement.staff_id == staff_id, CommissionSettlement.month == label)).first()
        if settle and settled is None:
            settled = CommissionSettlement(staff_id=staff_id, month=label, cards_10k=faces[1_000_000], cards_20k=faces[2_000_000],
                                           sales_fen=sales, commission_fen=commission, settled_at=now)
            session.add(settled)
            session.flush()
        rows.append(CommissionRow(staff_id=staff_id, staff_code=staff.code, staff_name=staff.name, month=label,
                                  cards_10k=faces[1_000_000], cards_20k=faces[2_000_000], sales_fen=sales,
                                  commission_fen=commission, settled=settled is not None))
    return sorted(rows, key=lambda r: r.staff_code)


def birthday_in_year(birth_date: date, year: int) -> date:
    """The birthday celebrated in ``year`` (29 February → 28 February in common years)."""
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return birth_date.replace(year=year)


def birthday_due(session: Session, *, start: date, days: int = 7, vip_only: bool = True) -> list[BirthdayRow]:
    """Birthdays from ``start`` for ``days`` days (inclusive of ``start``), across month and year ends.

    ``vip_only`` (the default) limits the list to VIP card holders, whom the card plan promises an
    80-yuan bouquet; ``sent`` says whether it was recorded as sent.
    """
    if days < 1:
        raise errors.InvalidValue("天数至少为 1", "days must be at least 1")
    end = start + timedelta(days=days - 1)
    stmt = select(Customer).where(col(Customer.birth_date).is_not(None))
    if vip_only:
        stmt = stmt.where(col(Customer.id).in_(select(Card.customer_id).where(Card.kind == CardKind.main, Card.status == CardStatus.active)))
    rows = []
    for customer in session.exec(stmt):
        for year in sorted({start.year, end.year}):
            day = birthday_in_year(customer.birth_date, year)
            if start <= day <= end:
                sent = session.exec(select(BirthdayFlowers.id).where(BirthdayFlowers.customer_id == customer.id, BirthdayFlowers.year == year)).first()
                phones = customer_phones(session, customer_id=customer.id)
                rows.append(BirthdayRow(customer_id=customer.id, customer_code=customer.code, name=customer.person_name,
                                        company=customer.unit_name, phone=phones[0] if phones else None, birth_date=customer.birth_date,
                                        birthday=day, flowers_value_fen=BIRTHDAY_FLOWERS_FEN, sent=sent is not None))
    return sorted(rows, key=lambda r: (r.birthday, r.name))


def record_flowers_sent(session: Session, *, customer_id: int, year: int, staff_ref: int | str | None = None, at: datetime | None = None) -> BirthdayFlowers:
    """Record the birthday bouquet as sent (idempotent per customer and year)."""
    customer = get_customer(session, ref=customer_id)
    existing = session.exec(select(BirthdayFlowers).where(BirthdayFlowers.customer_id == customer.id, BirthdayFlowers.year == year)).first()
    if existing is not None:
        return existing
    staff_id = get_staff(session, ref=staff_ref).id if staff_ref is not None else None
    row = BirthdayFlowers(customer_id=customer.id, year=year, value_fen=BIRTHDAY_FLOWERS_FEN, sent_at=_at(at), staff_id=staff_id)
    session.add(row)
    session.flush()
    return row
